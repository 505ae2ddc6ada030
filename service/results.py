"""A consultation's stored results and note versions, or a clear error saying why they are not there yet.

Reads and writes through here are the API's: each is written to the audit log.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from sqlmodel import Session

from knowledge.note import Note, NoteStatus, Section
from knowledge.render import NoteFormat, fhir_bundle, render
from service.consent import RecordingConsent, add_to_bundle
from service.errors import NotReady
from service.store import consultations, notes
from service.store.audit import Actor, record
from service.store.models import Consultation, NoteVersion


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


def latest_version(session: Session, consultation: Consultation) -> NoteVersion:
    """The consultation's latest note version, or NotReady saying why there is none (not ready, or failed)."""
    current = notes.latest_or_none(session, consultation.id)
    if current is None:
        _require(consultation, None, "note")
    return current  # type: ignore[return-value]


def read_note(session: Session, actor: Actor, consultation_id: str,
              version: int | None = None) -> tuple[Consultation, NoteVersion]:
    """The latest note version (or version `version`), audited as a read of that version."""
    consultation = consultations.get(session, actor.tenant_id, consultation_id, summary=True)
    row = (latest_version(session, consultation) if version is None
           else notes.one_version(session, consultation_id, version))
    record(session, actor, "read", consultation_id, row.version)
    session.commit()
    return consultation, row


def note_versions(session: Session, actor: Actor, consultation_id: str) -> list[NoteVersion]:
    consultation = consultations.read(session, actor, consultation_id)
    latest_version(session, consultation)  # no versions yet: say why (not ready, or failed)
    return notes.all_versions(session, consultation_id)


def edit_note(session: Session, actor: Actor, consultation_id: str, if_match: str | None, *,
              sections: list[Section] | None = None, markdown: str | None = None,
              templates_dir: Path | None = None) -> NoteVersion:
    """Add a version with the clinician's sections (rendered to Markdown) or Markdown text.

    A Markdown edit keeps the structured sections of the version it is based on (they still carry the
    evidence links); its Markdown is then what the clinician wrote and what every text form shows.
    """
    consultation = consultations.get(session, actor.tenant_id, consultation_id)
    current = latest_version(session, consultation)
    if sections is not None:
        based_on = Note.model_validate_json(current.note_json)
        edited = Note(sections=sections, suggestions=based_on.suggestions)
        markdown = render(edited, "markdown", templates_dir=templates_dir)
        return notes.add_version(session, actor, current, if_match, note_json=edited.model_dump_json(),
                                 markdown=markdown, edited_as="sections")
    return notes.add_version(session, actor, current, if_match, note_json=current.note_json,
                             markdown=markdown or "", edited_as="markdown")


def sign_note(session: Session, actor: Actor, consultation_id: str, if_match: str | None) -> NoteVersion:
    consultation = consultations.get(session, actor.tenant_id, consultation_id)
    return notes.sign(session, actor, latest_version(session, consultation), if_match)


def render_version(row: NoteVersion, fmt: NoteFormat, *, templates_dir: Path | None = None,
                   consent: RecordingConsent | None = None) -> str:
    """One version in a text form. A Markdown-edited version is shown as the clinician wrote it.

    `consent` (the consultation's recording consent) goes into the FHIR form: a Consent entry and a section.
    """
    if fmt == "fhir":
        return json.dumps(version_bundle(row, templates_dir=templates_dir, consent=consent), indent=2,
                          ensure_ascii=False)
    structured = Note.model_validate_json(row.note_json)
    if row.edited_as != "markdown":
        return render(structured, fmt, templates_dir=templates_dir)
    if fmt in ("markdown", "text"):
        return row.markdown
    if fmt == "html":
        return f'<article class="soap-note" data-edited-as="markdown">\n<pre>{html.escape(row.markdown)}</pre>\n' \
               '</article>\n'
    return render(structured, fmt, templates_dir=templates_dir)


def version_bundle(row: NoteVersion, *, templates_dir: Path | None = None, consent: RecordingConsent | None = None,
                   subject: str | None = None, encounter: str | None = None) -> dict[str, Any]:
    """One version as a FHIR Bundle (data): its Composition and DocumentReference, of `subject` and `encounter`
    when an EHR launch names them ("Patient/123", "Encounter/456"), with the recording `consent` when given.

    A Markdown-edited version's DocumentReference carries the Markdown the clinician wrote.
    """
    structured = Note.model_validate_json(row.note_json)
    status: NoteStatus = "signed" if row.status == "signed" else "draft"
    bundle = fhir_bundle(structured, templates_dir=templates_dir, status=status, version=row.version,
                         consultation_id=row.consultation_id,
                         markdown=row.markdown if row.edited_as == "markdown" else None,
                         subject=subject, encounter=encounter)
    return bundle if consent is None else add_to_bundle(bundle, consent, row.consultation_id)
