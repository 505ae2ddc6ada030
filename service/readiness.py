"""Readiness: can this process do its work now? The database answers `SELECT 1`; the broker (if any) PINGs."""

from __future__ import annotations

import redis
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from service.settings import Settings

_TIMEOUT_S = 2.0


def check_database(engine: Engine) -> str | None:
    """None when the database answers, else why not (one line)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return _one_line(exc)
    return None


def check_broker(url: str) -> str | None:
    """None when the Redis broker answers PING, else why not (one line)."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=_TIMEOUT_S, socket_timeout=_TIMEOUT_S)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        return _one_line(exc)
    return None


def check(settings: Settings, engine: Engine) -> dict[str, str | None]:
    """Each dependency and its problem (None: fine). The broker is checked only when one is configured."""
    problems = {"database": check_database(engine)}
    if settings.broker_url:
        problems["broker"] = check_broker(settings.broker_url)
    return problems


def _one_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]
