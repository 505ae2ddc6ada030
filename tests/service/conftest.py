"""Fixtures of the service tests: the v1 API in-process on SQLite and PostgreSQL (see api_client.py), and a
migrated database engine on each."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from service.settings import Settings
from service.store.db import create_schema, make_engine
from tests.service.api_client import api, api_without_worker  # noqa: F401


@pytest.fixture
def engine(store_settings: Settings) -> Iterator[Engine]:
    """A database with the current schema, on SQLite and on a fresh PostgreSQL schema (`store_settings`)."""
    engine = make_engine(store_settings)
    create_schema(engine)
    yield engine
    engine.dispose()
