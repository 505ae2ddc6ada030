"""Response bodies of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from knowledge.note import Note

Status = Literal["queued", "transcribing", "extracting", "drafting", "ready", "failed"]


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


class NoteDocument(Note):
    """The note as stored, with its version and review status."""

    version: int = 1
    status: Literal["draft", "signed"] = "draft"


class Health(BaseModel):
    status: Literal["ok"] = "ok"
