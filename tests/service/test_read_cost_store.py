"""What a note read relies on to stay cheap: the consultation's text left unloaded, the audit event inserted
without flushing the caller's changes, and pooled PostgreSQL connections pinged only after sitting idle."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session, select

from service import auth
from service.settings import Settings
from service.store import consultations, db
from service.store.audit import Actor, record
from service.store.models import AuditEvent, Tenant


@pytest.fixture
def actor(engine) -> Actor:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return auth.actor_for_key(session, auth.create_key(session, "clinic-a"))


def test_a_consultation_summary_loads_its_text_only_when_asked(engine, actor: Actor) -> None:  # type: ignore[no-untyped-def]
    transcript = json.dumps({"segments": [{"text": "cramps at night"}]})
    with Session(engine) as session:
        consultation_id = consultations.create(session, actor.tenant_id, transcript_json=transcript).id
    with Session(engine) as session:
        consultation = consultations.get(session, actor.tenant_id, consultation_id, summary=True)
        assert {"transcript_json", "findings_json", "vocabulary_json"} <= inspect(consultation).unloaded
        assert (consultation.status, consultation.tenant_id, consultation.consent_method) == (
            "queued", actor.tenant_id, None)
        assert consultation.transcript_json == transcript  # loaded now, decrypted as ever
        assert consultation.input_kind == "transcript"


def test_an_api_key_names_its_tenant_and_key_and_a_revoked_one_is_refused(engine) -> None:  # type: ignore[no-untyped-def]
    from service.errors import Unauthorized

    with Session(engine) as session:
        key = auth.create_key(session, "clinic-a")
        tenant, row = auth.authenticate(session, key)
        assert auth.actor_for_key(session, key) == Actor(tenant_id=tenant.id, api_key_id=row.id)
        auth.revoke(session, key)
        for refused in (key, "ss_not-a-key", None):
            with pytest.raises(Unauthorized):
                auth.actor_for_key(session, refused)


def test_an_audit_event_leaves_the_callers_pending_rows_to_its_commit(engine, actor: Actor) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        session.add(Tenant(name="added-not-flushed"))
        record(session, actor, "read", "c1", 1)
        assert list(session.new), "the pending tenant is not flushed by the audit insert"
        session.commit()
    with Session(engine) as session:
        events = session.exec(select(AuditEvent)).all()
        assert [(e.tenant_id, e.api_key_id, e.action, e.consultation_id, e.version) for e in events] == [
            (actor.tenant_id, actor.api_key_id, "read", "c1", 1)]
        assert events[0].at is not None
        assert session.exec(select(Tenant).where(Tenant.name == "added-not-flushed")).first() is not None


def test_a_pooled_postgresql_connection_the_server_dropped_is_replaced(settings: Settings, postgres_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every pooled connection counts as idle
    engine = db.make_engine(settings.model_copy(update={"database_url": postgres_url}))
    admin = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.begin() as connection:  # the server drops the pooled connection (as a restart does)
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != backend
    finally:
        engine.dispose()
        admin.dispose()
