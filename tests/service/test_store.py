"""The durable parts: recordings on disk, API keys, and the job queue's leases."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from service import auth
from service.errors import BadInput, NotFound, TooLarge, Unauthorized
from service.jobs import queue
from service.settings import Settings
from service.store import consultations
from service.store.crypto import load_keyring
from service.store.db import make_engine
from service.store.models import ApiKey, Job, utcnow
from service.store.recordings import RecordingStore
from tests.service.api_client import CountingReader


@pytest.fixture
def tenant_id(engine) -> str:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        key = auth.create_key(session, "clinic-a")
        return auth.tenant_for_key(session, key).id


def test_a_recording_is_stored_under_its_sha256(settings: Settings) -> None:
    store = RecordingStore(settings.recordings_dir, load_keyring(settings))
    data = b"RIFF fake audio bytes" * 100
    stored = store.put(io.BytesIO(data), max_bytes=10_000)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.path == store.path_for(stored.sha256) and b"RIFF" not in stored.path.read_bytes()  # encrypted
    with store.open(stored.sha256) as recording:
        assert recording.read() == data


def test_a_recording_over_the_limit_is_refused_and_leaves_no_file(settings: Settings) -> None:
    store = RecordingStore(settings.recordings_dir, load_keyring(settings))
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"x" * 2048), max_bytes=1024)
    assert [p for p in settings.recordings_dir.rglob("*") if p.is_file()] == []


def test_an_empty_recording_is_refused(settings: Settings) -> None:
    with pytest.raises(BadInput, match="empty"):
        RecordingStore(settings.recordings_dir, load_keyring(settings)).put(io.BytesIO(b""), max_bytes=1024)


def test_staging_reads_the_upload_once_for_its_hash_head_and_encrypted_file(settings: Settings) -> None:
    store = RecordingStore(settings.recordings_dir, load_keyring(settings))
    data = b"RIFF fake audio bytes" * 100_000  # two read chunks
    upload = CountingReader(data)
    with store.stage(upload, max_bytes=len(data)) as staged:
        assert upload.bytes_read == len(data)
        assert (staged.sha256, staged.size, staged.head) == (hashlib.sha256(data).hexdigest(), len(data), data[:512])
        stored = staged.keep()
    assert upload.bytes_read == len(data)
    with store.open(stored.sha256) as recording:
        assert recording.read() == data


def test_a_staged_recording_not_kept_leaves_no_file(settings: Settings) -> None:
    store = RecordingStore(settings.recordings_dir, load_keyring(settings))
    with store.stage(io.BytesIO(b"RIFF fake audio bytes"), max_bytes=1024) as staged:
        assert staged.tmp.is_file()
    assert [p for p in settings.recordings_dir.rglob("*") if p.is_file()] == []
    assert not store.path_for(staged.sha256).exists()


def test_api_keys_are_stored_only_as_hashes(engine) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        key = auth.create_key(session, "clinic-a")
        rows = session.exec(select(ApiKey)).all()
    assert key.startswith("ss_") and len(key) > 40
    assert [row.key_hash for row in rows] == [hashlib.sha256(key.encode()).hexdigest()]
    assert all(key not in (row.prefix + row.key_hash) or row.prefix == key[:8] for row in rows)


@pytest.mark.parametrize("key", [None, "", "ss_not-a-real-key"])
def test_a_missing_or_unknown_key_is_unauthorized(engine, key: str | None) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session, pytest.raises(Unauthorized):
        auth.tenant_for_key(session, key)


def test_a_revoked_key_no_longer_works(engine) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        key = auth.create_key(session, "clinic-a")
        auth.revoke(session, key)
        with pytest.raises(Unauthorized):
            auth.tenant_for_key(session, key)


def test_another_tenants_consultation_is_not_found(engine, tenant_id: str) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        other = auth.tenant_for_key(session, auth.create_key(session, "clinic-b"))
        consultation = consultations.create(session, tenant_id, transcript_json="{}")
        assert consultations.get(session, tenant_id, consultation.id).id == consultation.id
        with pytest.raises(NotFound):
            consultations.get(session, other.id, consultation.id)


def test_creating_a_consultation_queues_exactly_one_job(engine, tenant_id: str) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        consultation = consultations.create(session, tenant_id, transcript_json="{}")
        jobs = session.exec(select(Job).where(Job.consultation_id == consultation.id)).all()
    assert [(job.state, job.attempts) for job in jobs] == [("queued", 0)]


def test_a_claimed_job_is_not_claimed_twice(engine, tenant_id: str) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        consultations.create(session, tenant_id, transcript_json="{}")
    first = queue.claim_next(engine, "worker-1", lease_seconds=60)
    assert first is not None and first.state == "running" and first.attempts == 1
    assert queue.claim_next(engine, "worker-2", lease_seconds=60) is None


def test_a_job_whose_lease_expired_is_taken_over(engine, tenant_id: str) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        consultations.create(session, tenant_id, transcript_json="{}")
    job = queue.claim_next(engine, "dead-worker", lease_seconds=60)
    assert job is not None
    with Session(engine) as session:
        row = session.get(Job, job.id)
        row.lease_until = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    again = queue.claim_next(engine, "worker-2", lease_seconds=60)
    assert again is not None and again.id == job.id
    assert again.lease_owner == "worker-2" and again.attempts == 2
    assert queue.renew(engine, job.id, "dead-worker", 60) is False
    assert queue.renew(engine, job.id, "worker-2", 60) is True


def test_migrations_are_idempotent_and_create_every_table(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    from service.store.db import upgrade

    upgrade(engine)
    assert {"tenant", "apikey", "consultation", "job", "alembic_version", "note_version", "audit_event",
            "idempotency_key"} <= set(inspect(engine).get_table_names())


def test_notes_drafted_before_note_versions_become_version_1(store_settings: Settings) -> None:
    from service.store import notes
    from service.store.db import upgrade
    from sqlalchemy import MetaData, Table

    from service.store.models import NoteVersion

    engine = make_engine(store_settings)
    upgrade(engine, "0002")
    with Session(engine) as session:
        # Rows as the 0002 schema holds them: the models' later columns do not exist yet.
        tenant_id = "clinic-a"
        session.execute(Table("tenant", MetaData(), autoload_with=engine).insert(),
                        [{"id": tenant_id, "name": "clinic-a", "created_at": utcnow()}])
        table = Table("consultation", MetaData(), autoload_with=engine)
        old_id, pending_id = "old-consultation", "pending-consultation"
        session.execute(table.insert(), [
            {"id": old_id, "tenant_id": tenant_id, "input_kind": "transcript", "status": "ready", "progress": 1.0,
             "note_json": '{"sections": [], "suggestions": []}', "note_markdown": "## Plan\n",
             "created_at": utcnow(), "updated_at": utcnow()},
            {"id": pending_id, "tenant_id": tenant_id, "input_kind": "transcript", "status": "queued",
             "progress": 0.0, "note_json": None, "note_markdown": None, "created_at": utcnow(),
             "updated_at": utcnow()}])
        session.commit()
    upgrade(engine)
    with Session(engine) as session:
        rows = session.exec(select(NoteVersion)).all()
    engine.dispose()
    assert [(row.consultation_id, row.version, row.status, row.markdown, row.author) for row in rows] == [
        (old_id, 1, "draft", "## Plan\n", "soapscribe")]
    assert rows[0].etag == notes.etag_for(old_id, 1, "draft") and pending_id not in {r.consultation_id for r in rows}


def test_the_audit_log_refuses_updates_and_deletes(engine, tenant_id: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from service.store.audit import Actor, record

    with Session(engine) as session:
        record(session, Actor(tenant_id=tenant_id, api_key_id="k1"), "read", None)
        session.commit()
    for statement in ("UPDATE audit_event SET action = 'delete'", "DELETE FROM audit_event"):
        with engine.connect() as connection, pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_event")).scalars().all() == ["read"]
