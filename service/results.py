"""A consultation's stored results, or a clear error saying why they are not there yet."""

from __future__ import annotations

from knowledge.note import Note
from service.errors import NotReady
from service.store.models import Consultation


def _require(consultation: Consultation, value: str | None, what: str) -> str:
    if value is not None:
        return value
    if consultation.status == "failed":
        raise NotReady(f"the consultation failed, so it has no {what}: {consultation.error}")
    raise NotReady(f"the {what} is not ready yet (status: {consultation.status})")


def transcript_json(consultation: Consultation) -> str:
    return _require(consultation, consultation.transcript_json, "transcript")


def findings_json(consultation: Consultation) -> str:
    return _require(consultation, consultation.findings_json, "findings")


def note(consultation: Consultation) -> Note:
    return Note.model_validate_json(_require(consultation, consultation.note_json, "note"))
