"""Reading and writing consultations; every read is scoped to a tenant.

A deleted consultation keeps a tombstone row (status `deleted`, no content) so that its id answers
410 Gone rather than being reused or looking as if it never existed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only
from sqlmodel import Session, SQLModel, col, select

from service.consent import RecordingConsent
from service.errors import BadInput, Conflict, Gone, NotFound
from service.jobs.queue import enqueue
from service.store import notes
from service.store.audit import Actor, record
from service.store.encrypted_columns import bound
from service.store.models import Consultation, IdempotencyKey, Job, utcnow
from service.store.recordings import RecordingStore, StoredRecording

STAGES = ("queued", "transcribing", "extracting", "drafting", "ready", "failed")
DELETED = "deleted"


@dataclass(frozen=True)
class Idempotency:
    """An `Idempotency-Key` and the SHA-256 of the request it came with."""

    key: str
    request_sha256: str


def create(session: Session, tenant_id: str, *, recording: StoredRecording | None = None,
           content_type: str | None = None, transcript_json: str | None = None, actor: Actor | None = None,
           idempotency: Idempotency | None = None, callback_url: str | None = None,
           consent: RecordingConsent | None = None, speakers_json: str | None = None,
           vocabulary_json: str | None = None, with_row: Callable[[str], SQLModel] | None = None) -> Consultation:
    """Insert the consultation and its job in one transaction, so neither exists without the other.

    With `idempotency`, the key is inserted in the same transaction (see `create_once`); so is the row
    `with_row` makes from the new consultation's id (an EHR encounter link, which its job reads).
    """
    consultation = Consultation(
        tenant_id=tenant_id,
        input_kind="audio" if recording else "transcript",
        recording_sha256=recording.sha256 if recording else None,
        recording_bytes=recording.size if recording else None,
        content_type=content_type,
        transcript_json=transcript_json,
        callback_url=callback_url,
        speakers_json=speakers_json,
        vocabulary_json=vocabulary_json,
        **(consent.columns() if consent is not None else {}),
    )
    session.add(consultation)
    session.flush()
    if with_row is not None:
        session.add(with_row(consultation.id))
    enqueue(session, consultation.id)
    if idempotency is not None:
        session.add(IdempotencyKey(tenant_id=tenant_id, key=idempotency.key,
                                   request_sha256=idempotency.request_sha256, consultation_id=consultation.id))
    if actor is not None:
        record(session, actor, "create", consultation.id)
    session.commit()
    return consultation


def create_once(session: Session, actor: Actor, idempotency: Idempotency, **fields: Any) -> tuple[Consultation, bool]:
    """`create` guarded by an `Idempotency-Key`: (consultation, True) when an earlier request made it.

    The unique (tenant, key) constraint decides races: a concurrent retry that loses is rolled back
    whole (consultation, job and key) and answers with the winner's consultation.
    """
    # The caller has looked the key up already (intake's replay); only a concurrent retry can have made it since.
    try:
        return create(session, actor.tenant_id, actor=actor, idempotency=idempotency, **fields), False
    except IntegrityError:
        session.rollback()
        existing = find_idempotent(session, actor.tenant_id, idempotency)
        if existing is None:
            raise
        return existing, True


def find_idempotent(session: Session, tenant_id: str, idempotency: Idempotency) -> Consultation | None:
    """The consultation an earlier request with this key created, or None for a new key.

    The same key with a different upload is refused: it is a client bug, and answering with the first
    consultation would silently drop the second upload.
    """
    row = session.exec(select(IdempotencyKey).where(IdempotencyKey.tenant_id == tenant_id,
                                                    IdempotencyKey.key == idempotency.key)).first()
    if row is None:
        return None
    if row.request_sha256 != idempotency.request_sha256:
        raise BadInput(f"Idempotency-Key '{idempotency.key}' was already used with a different upload; "
                       "use a new key for a new consultation")
    return session.get(Consultation, row.consultation_id)


# What a note read needs of its consultation: whose it is, its status (why it failed, when it was deleted)
# and the recording consent; not the encrypted, possibly large transcript, findings and note, which would be
# fetched and decrypted for nothing. An attribute left out is loaded when it is read, by its own query.
# Built once, as it runs on every note read (building a statement costs more CPU time than running it).
_SUMMARY_COLUMNS = (Consultation.tenant_id, Consultation.status, Consultation.error, Consultation.updated_at,
                    Consultation.consent_method, Consultation.consent_confirmed_by, Consultation.consent_at)
_SUMMARY = (select(Consultation).where(Consultation.id == bindparam("consultation_id"))
            .options(load_only(*_SUMMARY_COLUMNS)))  # type: ignore[arg-type]  # SQLModel types a column as its value


def get(session: Session, tenant_id: str, consultation_id: str, *, deleted_ok: bool = False,
        summary: bool = False) -> Consultation:
    """The tenant's consultation; a deleted one is Gone unless `deleted_ok` (its tombstone, for the audit).

    `summary` loads only its tenant, status, error, update time and consent (`_SUMMARY`); the rest when read.
    """
    if summary:
        consultation = session.exec(_SUMMARY, params={"consultation_id": consultation_id}).first()
    else:
        consultation = session.get(Consultation, consultation_id)
    # Another tenant's consultation is "not found", never "forbidden": its existence is not disclosed.
    if consultation is None or consultation.tenant_id != tenant_id:
        raise NotFound(f"no consultation {consultation_id}")
    if consultation.status == DELETED and not deleted_ok:
        raise Gone(f"consultation {consultation_id} was deleted at {consultation.updated_at.isoformat()}")
    return consultation


def read(session: Session, actor: Actor, consultation_id: str, version: int | None = None) -> Consultation:
    """`get` for an API caller: the read is written to the audit log."""
    consultation = get(session, actor.tenant_id, consultation_id)
    record(session, actor, "read", consultation_id, version)
    session.commit()
    return consultation


def load(engine: Engine, consultation_id: str) -> Consultation:
    with Session(engine, expire_on_commit=False) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            raise NotFound(f"no consultation {consultation_id}")
        return consultation


def set_fields(engine: Engine, consultation_id: str, **fields: Any) -> None:
    """Update a few columns without loading the row (progress is written often).

    A deleted consultation is left alone: a job still running for it must not write content back.
    """
    with Session(engine) as session:
        session.execute(update(Consultation).where(col(Consultation.id) == consultation_id)
                        .where(col(Consultation.status) != DELETED)
                        .values(**bound(Consultation.__table__, [consultation_id], fields),  # type: ignore[attr-defined]
                                updated_at=utcnow()))
        session.commit()


def replace_results(session: Session, consultation_id: str, **fields: Any) -> bool:
    """In the session's transaction, replace stored results of a consultation that is still `ready`; False when
    it no longer is (deleted or re-queued meanwhile), so the caller rolls back instead of writing over it."""
    changed = session.exec(update(Consultation).where(col(Consultation.id) == consultation_id)
                           .where(col(Consultation.status) == "ready")
                           .values(**bound(Consultation.__table__, [consultation_id], fields),  # type: ignore[attr-defined]
                                   updated_at=utcnow()))
    return changed.rowcount == 1


@dataclass(frozen=True)
class Page:
    items: list[Consultation]
    next_cursor: str | None


def _encode_cursor(consultation: Consultation) -> str:
    raw = f"{consultation.created_at.isoformat()}|{consultation.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, consultation_id = raw.split("|", 1)
        return datetime.fromisoformat(created), consultation_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadInput("cursor: not a cursor this API returned") from exc


def list_page(session: Session, actor: Actor, *, limit: int = 20, cursor: str | None = None,
              status: str | None = None, created_after: datetime | None = None,
              created_before: datetime | None = None) -> Page:
    """The tenant's consultations, newest first, `limit` at a time; deleted ones only when asked for.

    Keyset pagination on (created_at, id): a page does not shift when new consultations arrive.
    """
    query = select(Consultation).where(Consultation.tenant_id == actor.tenant_id)
    query = query.where(Consultation.status == status) if status else query.where(Consultation.status != DELETED)
    if created_after is not None:
        query = query.where(col(Consultation.created_at) > created_after)
    if created_before is not None:
        query = query.where(col(Consultation.created_at) < created_before)
    if cursor is not None:
        created, consultation_id = _decode_cursor(cursor)
        query = query.where(or_(col(Consultation.created_at) < created,
                                (col(Consultation.created_at) == created) & (col(Consultation.id) < consultation_id)))
    rows = list(session.exec(query.order_by(col(Consultation.created_at).desc(), col(Consultation.id).desc())
                             .limit(limit + 1)).all())
    record(session, actor, "read", None)
    session.commit()
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items=items, next_cursor=_encode_cursor(items[-1]) if more and items else None)


def delete(session: Session, actor: Actor, consultation_id: str, recordings: RecordingStore) -> None:
    """Purge the consultation's content and keep a tombstone; audited as `delete`.

    The recording file goes too unless another live consultation (of any tenant: the store is
    content-addressed) was made from the same bytes.
    """
    consultation = get(session, actor.tenant_id, consultation_id)
    sha256 = consultation.recording_sha256
    session.execute(update(Consultation).where(col(Consultation.id) == consultation_id)
                    .values(status=DELETED, progress=0.0, error=None, transcript_json=None, findings_json=None,
                            recording_sha256=None, updated_at=utcnow()))
    notes.purge(session, consultation_id)
    record(session, actor, "delete", consultation_id)
    session.commit()
    if sha256 is not None and not recording_in_use(session, sha256):
        recordings.path_for(sha256).unlink(missing_ok=True)


def recording_in_use(session: Session, sha256: str) -> bool:
    """Whether a consultation that still needs the recording (neither deleted nor purged) was made from it."""
    return session.exec(select(Consultation.id).where(Consultation.recording_sha256 == sha256)
                        .where(Consultation.status != DELETED)
                        .where(col(Consultation.audio_purged_at).is_(None)).limit(1)).first() is not None


def retry(session: Session, actor: Actor, consultation_id: str) -> Consultation:
    """Queue a failed consultation's work again; audited as `retry`."""
    consultation = get(session, actor.tenant_id, consultation_id)
    if consultation.audio_purged_at is not None:
        raise Gone(f"the recording of consultation {consultation_id} was purged at "
                   f"{consultation.audio_purged_at.isoformat()} (audio retention), so it cannot be processed "
                   "again; upload the recording as a new consultation")
    result = session.execute(update(Consultation).where(col(Consultation.id) == consultation_id)
                             .where(col(Consultation.status) == "failed")
                             .values(status="queued", progress=0.0, error=None, updated_at=utcnow()))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(f"only a failed consultation can be retried (status: {consultation.status})")
    enqueue(session, consultation_id)
    record(session, actor, "retry", consultation_id)
    session.commit()
    session.refresh(consultation)
    return consultation


def count_by_status(session: Session) -> dict[str, int]:
    """Consultations per status, over all tenants (for /metrics)."""
    rows = session.exec(select(Consultation.status, func.count()).group_by(Consultation.status)).all()
    return {status: count for status, count in rows}


def count_queued_jobs(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Job).where(Job.state == "queued")).one()
