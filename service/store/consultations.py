"""Reading and writing consultations; every read is scoped to a tenant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session

from service.errors import NotFound
from service.jobs.queue import enqueue
from service.store.models import Consultation, utcnow
from service.store.recordings import StoredRecording

STAGES = ("queued", "transcribing", "extracting", "drafting", "ready", "failed")


def create(session: Session, tenant_id: str, *, recording: StoredRecording | None = None,
           content_type: str | None = None, transcript_json: str | None = None) -> Consultation:
    """Insert the consultation and its job in one transaction, so neither exists without the other."""
    consultation = Consultation(
        tenant_id=tenant_id,
        input_kind="audio" if recording else "transcript",
        recording_sha256=recording.sha256 if recording else None,
        recording_bytes=recording.size if recording else None,
        content_type=content_type,
        transcript_json=transcript_json,
    )
    session.add(consultation)
    session.flush()
    enqueue(session, consultation.id)
    session.commit()
    return consultation


def get(session: Session, tenant_id: str, consultation_id: str) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    # Another tenant's consultation is "not found", never "forbidden": its existence is not disclosed.
    if consultation is None or consultation.tenant_id != tenant_id:
        raise NotFound(f"no consultation {consultation_id}")
    return consultation


def load(engine: Engine, consultation_id: str) -> Consultation:
    with Session(engine, expire_on_commit=False) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            raise NotFound(f"no consultation {consultation_id}")
        return consultation


def set_fields(engine: Engine, consultation_id: str, **fields: Any) -> None:
    """Update a few columns without loading the row (progress is written often)."""
    with Session(engine) as session:
        session.execute(update(Consultation).where(Consultation.id == consultation_id)
                        .values(**fields, updated_at=utcnow()))
        session.commit()
