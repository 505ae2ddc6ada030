"""`soapscribe db upgrade`: migrations to head on a real database, printing the revision."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from service.store.db import MIGRATIONS
from tests.conftest import ROOT, soapscribe_cli, soapscribe_env


def test_db_upgrade_migrates_postgresql_to_head_and_prints_the_revision(tmp_path: Path, model_cache: Path,
                                                                          postgres_url: str) -> None:
    env = soapscribe_env(tmp_path / "var", model_cache, SOAPSCRIBE_DATABASE_URL=postgres_url)
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    for _ in range(2):  # the second run finds nothing to do
        done = soapscribe_cli(env, "db", "upgrade")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == head
    engine = create_engine(postgres_url)
    tables = set(inspect(engine).get_table_names())
    job_columns = {column["name"] for column in inspect(engine).get_columns("job")}
    engine.dispose()
    assert {"consultation", "job", "webhook_delivery"} <= tables
    assert "dispatched_at" in job_columns


def test_postgresql_driver_is_a_core_dependency_so_make_install_brings_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dependency.startswith("psycopg[binary]") for dependency in project["dependencies"])


@pytest.mark.parametrize(("url", "says"), [
    ("mysql+mysqldb://scribe:s3cret@db.example/soapscribe", "its driver 'mysqldb' is not installed; install it "
                                                            "with `pip install 'mysqlclient'`"),
    ("nosuchdb+nodriver://db.example/soapscribe", "no database dialect 'nosuchdb+nodriver' is installed"),
    ("not a url", "SOAPSCRIBE_DATABASE_URL is not a database URL"),
])
def test_a_database_url_without_its_driver_is_one_line_naming_what_to_install(tmp_path: Path, model_cache: Path,
                                                                             url: str, says: str) -> None:
    assert importlib.util.find_spec("MySQLdb") is None  # the case needs a driver this venv lacks
    env = soapscribe_env(tmp_path / "var", model_cache, SOAPSCRIBE_DATABASE_URL=url)
    done = soapscribe_cli(env, "db", "upgrade")
    assert done.returncode == 1
    line = " ".join(done.stderr.split())
    assert len(done.stderr.strip().splitlines()) == 1 and says in line
    assert "s3cret" not in done.stderr
