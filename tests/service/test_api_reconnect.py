"""A PostgreSQL connection dropped by the server between two requests costs no failed request: the request
that meets the dead connection is run again on a new one (real PostgreSQL; its backends are terminated)."""

from __future__ import annotations

import logging
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, text

from service.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL
from tests.service.api_client import open_api


def _terminate(application_name: str) -> int:
    """What a restart does to the app's pooled connections (the shared server itself keeps running)."""
    admin = create_engine(POSTGRES_ADMIN_URL)
    with admin.begin() as connection:
        killed = connection.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                         "WHERE application_name = :name"), {"name": application_name}).scalar_one()
    admin.dispose()
    return killed


def test_a_request_after_postgresql_dropped_the_connections_succeeds(settings: Settings, postgres_url: str,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    name = f"soapscribe-test-{uuid4().hex[:8]}"
    configured = settings.model_copy(update={"database_url": f"{postgres_url}&application_name={name}"})
    for api in open_api(configured, start_worker=False):
        consultation_id = api.create()  # an upload (a small body, replayed on the retry)
        assert api.get(f"/v1/consultations/{consultation_id}").status_code == 200
        assert _terminate(name) >= 1
        caplog.set_level(logging.WARNING)
        # Within a second of the last use: the pool does not ping, so the request meets the dead connection.
        assert api.get(f"/v1/consultations/{consultation_id}").status_code == 200
        assert "running it again on a new connection" in caplog.text
        caplog.clear()

        assert _terminate(name) >= 1
        response = api.upload()
        assert response.status_code == 202, response.text
        assert api.get(f"/v1/consultations/{response.json()['id']}").status_code == 200
        assert "running it again on a new connection" in caplog.text
