"""Database tables (SQLModel). Results are stored as JSON text in the contract's own shape."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid4().hex


class Tenant(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(index=True, unique=True)
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
    transcript_json: str | None = None
    findings_json: str | None = None
    note_json: str | None = None
    note_markdown: str | None = None
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
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
