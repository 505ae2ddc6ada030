"""`SOAPSCRIBE_DATABASE_URL` checked before use: a bad URL or a driver that is not installed is one clear line."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from service.errors import ServerMisconfigured

# The pip package that provides each driver a URL may name (dialect+driver); others are named by their module.
DRIVER_PACKAGES = {
    "postgresql+psycopg": "psycopg[binary]",
    "postgresql+psycopg2": "psycopg2-binary",
    "postgresql+asyncpg": "asyncpg",
    "postgresql+pg8000": "pg8000",
    "mysql+mysqldb": "mysqlclient",
    "mysql+pymysql": "PyMySQL",
    "mysql+mysqlconnector": "mysql-connector-python",
    "mssql+pyodbc": "pyodbc",
    "oracle+oracledb": "oracledb",
}


class DatabaseUrlError(ServerMisconfigured):
    title = "Database URL problem"


def parse(raw: str) -> URL:
    """The URL, or a DatabaseUrlError naming the setting (the password never appears in it)."""
    try:
        return make_url(raw)
    except ArgumentError:
        raise DatabaseUrlError("SOAPSCRIBE_DATABASE_URL is not a database URL (expected e.g. "
                               "postgresql+psycopg://user:password@host:5432/soapscribe)") from None


def shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def check_driver(url: URL) -> None:
    """Import the URL's dialect and driver now, so a missing one is named instead of failing in a traceback."""
    name = url.drivername
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise DatabaseUrlError(f"SOAPSCRIBE_DATABASE_URL={shown(url)}: no database dialect '{name}' is installed "
                               "(supported here: sqlite, postgresql+psycopg)") from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        full = f"{url.get_backend_name()}+{url.get_driver_name()}"
        package = DRIVER_PACKAGES.get(full, exc.name or url.get_driver_name())
        hint = (" (or name the driver soapscribe installs: postgresql+psycopg://...)"
                if url.get_backend_name() == "postgresql" else "")
        raise DatabaseUrlError(f"SOAPSCRIBE_DATABASE_URL={shown(url)}: its driver '{url.get_driver_name()}' is not "
                               f"installed; install it with `pip install '{package}'`{hint}") from None
