"""Database tables (SQLModel). Results are stored as JSON text in the contract's own shape."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from service.store.encrypted_columns import ROW_IDENTITY, EncryptedText


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid4().hex


class Tenant(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(index=True, unique=True)
    # Signs this tenant's webhooks instead of SOAPSCRIBE_WEBHOOK_SECRET; a secret, so encrypted at rest.
    webhook_secret: str | None = Field(default=None, sa_type=EncryptedText)
    # The clinic's own words for recognition (drug names, local brands, clinicians' names): a JSON list; like the
    # tenant's other settings it holds no patient data, so it is stored as it is.
    vocabulary_json: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    """Only a hash of the key is kept; `prefix` lets an operator tell keys apart."""

    id: str = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True)
    prefix: str
    key_hash: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class Consultation(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True)
    status: str = Field(default="queued", index=True)
    progress: float = 0.0
    error: str | None = None
    input_kind: str  # "audio" | "transcript"
    recording_sha256: str | None = None
    recording_bytes: int | None = None
    content_type: str | None = None
    # Patient text: encrypted at rest (AES-256-GCM, service/store/encrypted_columns.py).
    transcript_json: str | None = Field(default=None, sa_type=EncryptedText)
    findings_json: str | None = Field(default=None, sa_type=EncryptedText)
    # The note is not here: it is its versions (NoteVersion), the drafted one version 1.
    callback_url: str | None = None  # where the webhook goes when the consultation is ready or failed
    speakers_json: str | None = None  # the uploader's voice -> role JSON ({"ch1": "clinician"}), for the job
    # The upload's and the clinic's terms for recognition (JSON list), for the job; encrypted because an upload's
    # terms may name what the patient takes.
    vocabulary_json: str | None = Field(default=None, sa_type=EncryptedText)
    # What the job could not do but worked around (JSON list of sentences, no patient data): "the chart could not
    # be read, so ...".
    warnings_json: str | None = None
    # The patient's consent to being recorded (see service/consent.py): how it was given, who confirmed it, when.
    consent_method: str | None = None  # verbal | written | ehr
    consent_confirmed_by: str | None = None
    consent_at: datetime | None = None
    audio_purged_at: datetime | None = None  # when the retention policy deleted the recording (service/retention.py)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Job(SQLModel, table=True):
    """A durable unit of work: claimed with a lease, so a dead worker's job is taken again."""

    id: str = Field(default_factory=new_id, primary_key=True)
    consultation_id: str = Field(foreign_key="consultation.id", index=True)
    state: str = Field(default="queued", index=True)  # queued | running | done | failed
    attempts: int = 0
    lease_owner: str | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    # With a broker: when a message for this job was last sent and not yet taken (None: no message out).
    dispatched_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One webhook POST for one job's outcome, retried with backoff until delivered or out of attempts."""

    __tablename__ = "webhook_delivery"

    id: str = Field(default_factory=new_id, primary_key=True)
    job_id: str = Field(foreign_key="job.id", unique=True)
    consultation_id: str = Field(foreign_key="consultation.id", index=True)
    url: str
    body: str  # the exact JSON that is signed and sent
    state: str = Field(default="pending", index=True)  # pending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_status: int | None = None
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class NoteVersion(SQLModel, table=True):
    """One version of a consultation's note; version 1 is the draft, later ones are clinicians' edits.

    `note_json` always holds structured sections (for a Markdown edit: those of the last structured
    version); `edited_as` says which form the author wrote, and so which one is authoritative.
    """

    __tablename__ = "note_version"
    # Its encrypted text is bound to (consultation, version): the id is only known once the row is inserted.
    __table_args__ = (UniqueConstraint("consultation_id", "version", name="uq_note_version_consultation_version"),
                      {"info": {ROW_IDENTITY: ("consultation_id", "version")}})

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: str = Field(foreign_key="consultation.id", index=True)
    version: int
    status: str = "draft"  # draft | signed
    edited_as: str = "draft"  # draft (drafted by soapscribe) | sections | markdown
    note_json: str = Field(sa_type=EncryptedText)  # encrypted at rest, like the consultation's text
    markdown: str = Field(sa_type=EncryptedText)
    author: str  # "soapscribe", or "apikey:<id>" of the key that wrote this version
    etag: str
    created_at: datetime = Field(default_factory=utcnow)
    signed_at: datetime | None = None
    signed_by: str | None = None


class AuditEvent(SQLModel, table=True):
    """Append-only: who read or changed which consultation and note version, and when. Never any text."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True)
    api_key_id: str | None = None
    action: str  # read | create | update | sign | delete | retry | purge | reconcile
    consultation_id: str | None = Field(default=None, index=True)
    version: int | None = None


class IdempotencyKey(SQLModel, table=True):
    """An `Idempotency-Key` a tenant sent with an upload; unique per tenant, so retries cannot race."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_idempotency_key_tenant_key"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id")
    key: str
    request_sha256: str
    consultation_id: str = Field(foreign_key="consultation.id")
    created_at: datetime = Field(default_factory=utcnow)
