"""A note as a FHIR R4 Bundle: a Composition (one section per SOAP section, its subsections nested in it with
their LOINC codes) and a DocumentReference to it.

fhir.resources 8 ships R5 by default and R4B (4.3) beside it, no plain R4; Composition, DocumentReference and
Bundle did not change between R4 and R4B, so the R4B models validate what an R4 server expects.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any
from uuid import NAMESPACE_URL, uuid4, uuid5

from fhir.resources.R4B.bundle import Bundle

from knowledge.note import (KIND_TITLES, LOINC, SYSTEM_NAMES, Note, NoteStatus, Section, SectionCode, Subsection,
                            Suggestion, topic_title)

PROGRESS_NOTE = {"system": LOINC, "code": "11506-3", "display": "Progress note"}
SECTION_CODES: dict[SectionCode, dict[str, str]] = {
    "subjective": {"system": LOINC, "code": "61150-9", "display": "Subjective Narrative"},
    "objective": {"system": LOINC, "code": "61149-1", "display": "Objective Narrative"},
    "assessment": {"system": LOINC, "code": "51848-0", "display": "Assessment note"},
    "plan": {"system": LOINC, "code": "18776-5", "display": "Plan of care note"},
}
SUGGESTIONS_TITLE = "Suggestions from the knowledge base (not part of the clinician's note)"
# Identifies the consultation a note belongs to; a deployment that has an Encounter id maps it there.
CONSULTATION_SYSTEM = "urn:soapscribe:consultation"
_COMPOSITION_STATUS = {"draft": "preliminary", "signed": "final"}
_XHTML = "http://www.w3.org/1999/xhtml"
_AUTHOR = {"type": "Device", "display": "soapscribe (AI scribe)"}
_EMPTY = "Nothing recorded in the consultation."


@dataclass(frozen=True)
class _Context:
    """The patient and encounter a note is of, as FHIR references ("Patient/123"); None when not known."""

    subject: str | None
    encounter: str | None

    def subject_field(self) -> dict[str, dict[str, str]]:
        """`{"subject": {"reference": ...}}`, the same element in a Composition and a DocumentReference."""
        return {} if self.subject is None else {"subject": {"reference": self.subject}}


def _div(body: str) -> dict[str, str]:
    return {"status": "generated", "div": f'<div xmlns="{_XHTML}">{body}</div>'}


def _items(texts: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{text}</li>" for text in texts) + "</ul>"


def _subsection(part: Subsection) -> dict[str, Any]:
    """A subsection nested in its SOAP section, with the LOINC code the note plan gives it."""
    entry: dict[str, Any] = {"title": part.title or part.code.replace("_", " ").capitalize()}
    if part.coding is not None:
        entry["code"] = {"coding": [{"system": part.coding.system, "code": part.coding.code,
                                     "display": part.coding.display}]}
    entry["text"] = _div(_items([escape(sentence.text) for sentence in part.sentences]))
    return entry


def _soap_section(section: Section) -> dict[str, Any]:
    """A Composition section: LOINC code, title, the sentences as a narrative list (escaped: said, not markup),
    and one nested section per subsection (chief complaint, physical exam, a problem's plan)."""
    sentences = [escape(sentence.text) for sentence in section.sentences]
    body = _items(sentences) if sentences else f"<p>{_EMPTY}</p>"
    entry: dict[str, Any] = {"title": section.title, "code": {"coding": [SECTION_CODES[section.code]]},
                             "text": _div(body)}
    parts = [part for part in section.parts() if part.title or part.coding]
    if parts:
        entry["section"] = [_subsection(part) for part in parts]
    return entry


def _suggestions_section(note: Note) -> dict[str, Any]:
    """The knowledge-base suggestions, in a section of their own so they never read as the clinician's words."""
    items = [f"<b>{escape(KIND_TITLES[s.kind])}:</b> {_coded(s)}{escape(s.text)} "
             f"<i>(source: {escape(topic_title(s.source.topic))}, \"{escape(s.source.section)}\")</i>"
             for s in note.suggestions]
    warning = "<p>Generated from the knowledge base for the clinician to consider; not part of the note.</p>"
    return {"title": SUGGESTIONS_TITLE, "text": _div(warning + _items(items))}


def _coded(suggestion: Suggestion) -> str:
    """The 'Suggested code: R25.2 Cramp and spasm (ICD-10-CM). ' that opens a code suggestion; empty for advice."""
    coding = suggestion.coding
    if coding is None:
        return ""
    system = SYSTEM_NAMES.get(coding.system, coding.system)
    return f"Suggested code: <code>{escape(coding.code)}</code> {escape(coding.display)} ({escape(system)}). "


def _full_urls(consultation_id: str | None, version: int | None) -> tuple[str, str]:
    """urn:uuid fullUrls, stable for one version of one consultation's note so an EHR can recognise a resend."""
    if consultation_id is None:
        return f"urn:uuid:{uuid4()}", f"urn:uuid:{uuid4()}"
    base = uuid5(NAMESPACE_URL, f"{CONSULTATION_SYSTEM}:{consultation_id}:note:{version or 1}")
    return f"urn:uuid:{uuid5(base, 'Composition')}", f"urn:uuid:{uuid5(base, 'DocumentReference')}"


def _composition(note: Note, status: str, date: str, identifier: dict[str, str] | None, version: int | None,
                 context: _Context) -> dict[str, Any]:
    sections = [_soap_section(section) for section in note.sections]
    if note.suggestions:
        sections.append(_suggestions_section(note))
    composition: dict[str, Any] = {"resourceType": "Composition"}
    if version is not None:
        composition["meta"] = {"versionId": str(version)}
    if identifier is not None:
        composition["identifier"] = identifier
    composition.update(status=status, type={"coding": [PROGRESS_NOTE]}, **context.subject_field())
    if context.encounter is not None:
        composition["encounter"] = {"reference": context.encounter}
    composition.update(date=date, author=[_AUTHOR], title="Progress note", section=sections)
    return composition


def _document_reference(markdown: str, status: str, date: str, identifier: dict[str, str] | None,
                        composition_url: str, context: _Context) -> dict[str, Any]:
    attachment = {"contentType": "text/markdown", "language": "en", "title": "Progress note",
                  "data": base64.b64encode(markdown.encode("utf-8")).decode("ascii")}
    encounters = {} if context.encounter is None else {"encounter": [{"reference": context.encounter}]}
    reference: dict[str, Any] = {
        "resourceType": "DocumentReference", "status": "current", "docStatus": status,
        "type": {"coding": [PROGRESS_NOTE]}, **context.subject_field(), "date": date, "author": [_AUTHOR],
        "description": "SOAP note (Markdown) of the Composition in this bundle",
        "content": [{"attachment": attachment}],
        "context": {**encounters, "related": [{"reference": composition_url, "type": "Composition"}]},
    }
    if identifier is not None:
        reference["identifier"] = [identifier]
    return reference


def note_bundle(note: Note, *, markdown: str, status: NoteStatus = "draft", version: int | None = None,
                consultation_id: str | None = None, date: datetime | None = None, subject: str | None = None,
                encounter: str | None = None) -> dict[str, Any]:
    """The note as a FHIR R4 Bundle (a JSON-able dict), validated with fhir.resources before it is returned.

    `markdown` is the note's Markdown rendering (the clinic's template if it has one), carried as the
    DocumentReference's attachment. A draft is a `preliminary` Composition, a signed note a `final` one.
    `subject` and `encounter` ("Patient/123", "Encounter/456"): whom and which visit the note is of, as an EHR
    launch names them; both resources refer to them (none without an EHR).
    """
    if status not in _COMPOSITION_STATUS:
        raise ValueError(f"unknown note status '{status}' (one of {', '.join(_COMPOSITION_STATUS)})")
    fhir_status = _COMPOSITION_STATUS[status]
    when = (date or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    identifier = None if consultation_id is None else {"system": CONSULTATION_SYSTEM, "value": consultation_id}
    composition_url, reference_url = _full_urls(consultation_id, version)
    context = _Context(subject, encounter)
    # A "collection", not a "document": a document bundle is an attested, immutable whole whose every entry
    # the Composition references, with an identifier and timestamp; this one carries a possibly unsigned
    # draft and a DocumentReference that points at the Composition rather than being referenced by it.
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": when, "entry": [
        {"fullUrl": composition_url, "resource": _composition(note, fhir_status, when, identifier, version, context)},
        {"fullUrl": reference_url,
         "resource": _document_reference(markdown, fhir_status, when, identifier, composition_url, context)},
    ]}
    Bundle.model_validate(bundle)  # a bug here must fail loudly, not reach an EHR as an invalid resource
    return bundle

