"""`soapscribe db upgrade`: migrations to head on a real database, printing the revision."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from service.store.db import MIGRATIONS
from tests.conftest import soapscribe_cli, soapscribe_env


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
