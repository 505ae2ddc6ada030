"""Database engine and sessions, created from settings on demand (never at import)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import InvalidatePoolError
from sqlmodel import Session, create_engine

from service.settings import Settings
from service.store import database_url
from service.store.crypto import KeyRing, load_keyring
from service.store.encrypted_columns import attach_keys
from service.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)


def make_engine(settings: Settings, keys: KeyRing | None = None) -> Engine:
    """An engine whose encrypted columns use `keys` (default: the configured key ring, see crypto.py)."""
    url = database_url.parse(settings.db_url)
    database_url.check_driver(url)
    keys = keys or load_keyring(settings)
    if url.get_backend_name() == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": settings.sqlite_busy_timeout_seconds})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url)
        _ping_when_idle(engine)
    attach_keys(engine, keys)
    return engine


# A pooled connection that sat idle this long is pinged before use, so one the server dropped meanwhile (a
# restart) is replaced instead of failing a request. A ping on every use (`pool_pre_ping`) was a round trip
# and about 0.8 ms of CPU time on each API request; a connection in steady use does not need it.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    def checked_in(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # a new connection, or one in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # As `pool_pre_ping` does: every connection pooled before now is replaced, this one at once.
            raise InvalidatePoolError(f"a pooled connection failed its ping: {exc}") from exc

    event.listen(engine.pool, "checkin", checked_in)
    event.listen(engine.pool, "checkout", checkout)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the API read while the worker writes; synchronous=FULL keeps accepted work on power loss.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the Alembic migrations up to `revision` (idempotent)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def create_schema(engine: Engine) -> None:
    """Bring the schema up to date; every process calls this at start."""
    upgrade(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
