"""Secrets never reach the logs, and every route that reads or writes a consultation leaves an audit event."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlmodel import Session, func, select

from service.settings import Settings
from service.store.models import AuditEvent
from tests.conftest import CONSULTATIONS
from tests.service.api_client import Api, open_api
from tests.service.processes import wait_for
from tests.service.test_api_access import call, operations
from tests.service.test_webhooks import Receiver

WEBHOOK_SECRET = "whsec-do-not-log-4f1c9a"


def test_a_full_job_logs_neither_secrets_nor_transcript_text(settings: Settings,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    receiver = Receiver([500, 200])  # one failed delivery and its retry: the webhook code logs both
    script = (CONSULTATIONS / "furosemide_night_cramps.txt").read_text(encoding="utf-8")
    configured = settings.model_copy(update={"webhook_secret": WEBHOOK_SECRET, "webhook_retry_base_seconds": 0.2,
                                             "webhook_allowed_networks": ["127.0.0.1/32"],  # the loopback receiver
                                             "webhook_retry_max_seconds": 0.5})
    try:
        for api in open_api(configured):
            response = api.request("POST", "/v1/consultations", files={"transcript": ("visit.txt", script.encode())},
                                   data={"callback_url": receiver.url})
            assert response.status_code == 202, response.text
            consultation_id = response.json()["id"]
            assert api.wait(consultation_id)["status"] == "ready"
            wait_for(lambda: len(receiver.requests) >= 2, timeout=60, what="the webhook and its retry")
            api.get(f"/v1/consultations/{consultation_id}/note", params={"format": "html"})
            api.get("/v1/consultations", key="ss_wrong-key-also-never-logged")
            keys = [api.key, api.other_key, "ss_wrong-key-also-never-logged"]
    finally:
        receiver.close()

    records = [record for record in caplog.records if record.levelno >= logging.INFO]
    assert records, "the job logged something at INFO: the check below has something to look at"
    logged = "\n".join(_everything(record) for record in records)
    for secret in (WEBHOOK_SECRET, *keys):
        assert secret not in logged, "a secret is in the logs"
    for line in script.splitlines():
        said = line.split(":", 1)[-1].strip()
        if len(said) >= 12:
            assert said not in logged, f"transcript text is in the logs: {said!r}"


def _everything(record: logging.LogRecord) -> str:
    """A record's message, arguments, extra fields and traceback: all a log handler could write."""
    text = f"{record.getMessage()} {record.__dict__}"
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text


# -- the audit log -------------------------------------------------------------------------------------


def audit_count(api: Api) -> int:
    with Session(api.engine) as session:
        return session.exec(select(func.count()).select_from(AuditEvent)).one()


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """The real app on SQLite with its embedded worker (test_api_access covers PostgreSQL for the routes it audits)."""
    yield from open_api(settings)


def test_every_route_that_reads_or_writes_a_consultation_writes_an_audit_event(api: Api) -> None:
    consultation_id = api.ready()
    checked = [(method, path, spec) for method, path, spec in operations(api)
               if "{consultation_id}" in path and not path.endswith("/events")]
    assert len(checked) >= 12, checked
    # Deleting last: after it every route answers 410 (still audited, but nothing else would be).
    checked.sort(key=lambda op: op[0] == "DELETE")
    answered, unaudited = [], []
    for method, path, spec in checked:
        before = audit_count(api)
        response = call(api, method, path, spec, consultation_id, api.key)
        # A refused request (409, 422, a 404 for a recording a transcript upload does not have) read nothing.
        if response.status_code < 400:  # type: ignore[attr-defined]
            answered.append((method, path))
            if audit_count(api) == before:
                unaudited.append((method, path, response.status_code))  # type: ignore[attr-defined]
    assert len(answered) >= 10, answered
    assert not unaudited, f"routes that read or wrote without an audit event: {unaudited}"
