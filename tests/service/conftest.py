"""Fixtures of the service tests: the v1 API in-process on SQLite and PostgreSQL (see api_client.py)."""

from tests.service.api_client import api, api_without_worker  # noqa: F401
