"""Request and response bodies of the REST API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.note import Note, Section
from nlp.types import SpeakerRole
from service.consent import RecordingConsent
from service.store.models import Consultation, NoteVersion

Status = Literal["queued", "transcribing", "extracting", "drafting", "ready", "failed", "deleted"]
NoteStatus = Literal["draft", "signed"]
EditedAs = Literal["draft", "sections", "markdown"]


class Accepted(BaseModel):
    id: str
    status: Status


class ConsultationStatus(BaseModel):
    id: str
    status: Status
    progress: float
    error: str | None
    input_kind: Literal["audio", "transcript"]
    created_at: datetime
    updated_at: datetime
    consent: RecordingConsent | None = Field(default=None, description="the patient's consent to the recording "
                                             "(null: none recorded)")
    audio_purged_at: datetime | None = Field(default=None, description="when the retention policy deleted the "
                                             "recording; transcript, findings and note remain")
    warnings: list[str] = Field(default_factory=list, description="what the job worked around without failing, "
                                "e.g. an EHR chart that could not be read for its vocabulary")

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        """A stored consultation keeps its consent in three columns and its warnings as JSON; here they are
        one object and a list."""
        if not isinstance(data, Consultation):
            return data
        fields = {name: getattr(data, name) for name in cls.model_fields if hasattr(data, name)}
        return {**fields, "consent": RecordingConsent.of(data), "warnings": json.loads(data.warnings_json or "[]")}


class ConsultationPage(BaseModel):
    items: list[ConsultationStatus]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class NoteDocument(Note):
    """One version of the note: its sections and suggestions, with its number and review status.

    `markdown` is the version's Markdown; for a version edited as Markdown (`edited_as: markdown`) it is the
    clinician's text and authoritative, and `sections` are those of the last structured version.
    """

    version: int = 1
    status: NoteStatus = "draft"
    edited_as: EditedAs = "draft"
    markdown: str | None = None
    author: str = "soapscribe"
    created_at: datetime | None = None
    signed_at: datetime | None = None

    @classmethod
    def of(cls, row: NoteVersion) -> NoteDocument:
        note = Note.model_validate_json(row.note_json)
        return cls(sections=note.sections, suggestions=note.suggestions, version=row.version,
                   status=row.status, edited_as=row.edited_as, markdown=row.markdown,  # type: ignore[arg-type]
                   author=row.author, created_at=row.created_at, signed_at=row.signed_at)


class NoteEdit(BaseModel):
    """A new version: either structured `sections` or `markdown` text, not both."""

    model_config = ConfigDict(extra="forbid")

    sections: list[Section] | None = None
    markdown: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> NoteEdit:
        if (self.sections is None) == (self.markdown is None):
            raise ValueError("send exactly one of 'sections' or 'markdown'")
        if self.sections is not None:
            codes = [section.code for section in self.sections]
            if len(codes) != len(set(codes)):
                raise ValueError("each section code may appear only once")
        return self


class NoteVersionSummary(BaseModel):
    version: int
    status: NoteStatus
    edited_as: EditedAs
    author: str
    created_at: datetime
    signed_at: datetime | None


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    api_key_id: str | None
    action: Literal["read", "create", "update", "sign", "delete", "retry", "purge", "reconcile", "vocabulary"]
    consultation_id: str | None
    version: int | None


class AuditPage(BaseModel):
    events: list[AuditEventOut]
    next_before: int | None = Field(description="pass as `before` for older events; null when there are none")


class SpeakersCorrected(BaseModel):
    """The roles after a correction, and the note version drafted from them (its ETag is in the header)."""

    speakers: list[SpeakerRole]
    note_version: int


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok"] = "ok"
    checks: dict[str, str]
