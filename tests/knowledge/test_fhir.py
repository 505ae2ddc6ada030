"""A note as a FHIR R4 Bundle: valid for fhir.resources, LOINC-coded SOAP sections, suggestions kept apart."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.fhir import SUGGESTIONS_TITLE, note_bundle
from knowledge.note import SECTION_TITLES, Note, Section, Sentence
from knowledge.render import render
from nlp.transcript_io import parse
from tests.conftest import script

XHTML = "{http://www.w3.org/1999/xhtml}"
SOAP_LOINC = ["61150-9", "61149-1", "51848-0", "18776-5"]


@pytest.fixture(scope="module")
def note(extractor: Extractor) -> Note:
    transcript = parse(script("furosemide_night_cramps"))
    return draft_note(transcript, extractor.extract(transcript))


def bundle_of(note: Note, **kwargs: Any) -> dict[str, Any]:
    return json.loads(render(note, "fhir", **kwargs))


def composition(bundle: dict[str, Any]) -> dict[str, Any]:
    return bundle["entry"][0]["resource"]


def narrative_items(section: dict[str, Any]) -> list[str]:
    """The text of each list item of a section's XHTML narrative (which must parse as XML)."""
    div = ET.fromstring(section["text"]["div"])
    assert div.tag == f"{XHTML}div"
    return ["".join(item.itertext()) for item in div.iter(f"{XHTML}li")]


def test_the_bundle_of_a_drafted_note_validates_with_fhir_resources(note: Note) -> None:
    bundle = bundle_of(note)
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert [entry.resource.get_resource_type() for entry in parsed.entry] == ["Composition", "DocumentReference"]
    assert composition(bundle)["type"]["coding"][0] == {"system": "http://loinc.org", "code": "11506-3",
                                                        "display": "Progress note"}


def test_an_invalid_bundle_is_rejected_by_the_same_validation(note: Note) -> None:
    bundle = bundle_of(note)
    del composition(bundle)["status"]
    with pytest.raises(ValueError, match="status"):
        Bundle.model_validate(bundle)


def test_the_composition_has_the_four_soap_sections_in_order_then_the_suggestions(note: Note) -> None:
    sections = composition(bundle_of(note))["section"]
    assert [section["code"]["coding"][0]["code"] for section in sections[:4]] == SOAP_LOINC
    assert [section["title"] for section in sections[:4]] == list(SECTION_TITLES.values())
    assert len(sections) == 5
    suggestions = sections[4]
    assert suggestions["title"] == SUGGESTIONS_TITLE and "not part of the clinician's note" in SUGGESTIONS_TITLE
    assert "code" not in suggestions, "no LOINC section code would be honest for knowledge-base guidance"
    items = narrative_items(suggestions)
    assert len(items) == len(note.suggestions)
    for item, suggestion in zip(items, note.suggestions, strict=True):
        assert suggestion.text in item and suggestion.source.section in item


def test_every_sentence_text_appears_in_its_section_narrative(note: Note) -> None:
    sections = composition(bundle_of(note))["section"]
    assert any(section.sentences for section in note.sections)
    for section, fhir_section in zip(note.sections, sections[:4], strict=True):
        assert narrative_items(fhir_section) == [sentence.text for sentence in section.sentences]


def test_html_in_a_sentence_is_escaped_in_the_xhtml() -> None:
    said = 'Says <b>"hi"</b> & <script>alert(1)</script> leaves'
    note = Note(sections=[Section(code="subjective", title="Subjective", sentences=[Sentence(text=said)])])
    section = composition(bundle_of(note))["section"][0]
    assert "<script>" not in section["text"]["div"] and "&lt;script&gt;" in section["text"]["div"]
    assert narrative_items(section) == [said], "the escaped narrative reads back as exactly what was said"
    assert not list(ET.fromstring(section["text"]["div"]).iter(f"{XHTML}b"))


@pytest.mark.parametrize(("status", "fhir_status"), [("draft", "preliminary"), ("signed", "final")])
def test_the_note_status_sets_the_composition_and_document_status(note: Note, status: str, fhir_status: str) -> None:
    bundle = bundle_of(note, status=status, version=3, consultation_id="c0ffee")
    Bundle.model_validate(bundle)
    assert composition(bundle)["status"] == fhir_status
    assert composition(bundle)["meta"]["versionId"] == "3"
    assert bundle["entry"][1]["resource"]["docStatus"] == fhir_status


def test_the_document_reference_carries_the_markdown_and_points_at_the_composition(note: Note) -> None:
    bundle = bundle_of(note, consultation_id="c0ffee")
    reference = bundle["entry"][1]["resource"]
    attachment = reference["content"][0]["attachment"]
    assert attachment["contentType"] == "text/markdown"
    assert base64.b64decode(attachment["data"]).decode("utf-8") == render(note, "markdown")
    assert reference["context"]["related"][0]["reference"] == bundle["entry"][0]["fullUrl"]
    assert reference["identifier"][0]["value"] == composition(bundle)["identifier"]["value"] == "c0ffee"


def test_the_patient_and_encounter_given_are_the_subject_of_both_resources(note: Note) -> None:
    bundle = note_bundle(note, markdown="", status="signed", subject="Patient/p1", encounter="Encounter/e1")
    parsed = Bundle.model_validate(bundle)
    written, reference = (entry.resource for entry in parsed.entry)
    assert written.subject.reference == reference.subject.reference == "Patient/p1"
    assert written.encounter.reference == "Encounter/e1"
    assert [e.reference for e in reference.context.encounter] == ["Encounter/e1"]
    assert reference.context.related[0].reference == bundle["entry"][0]["fullUrl"]


def test_without_an_ehr_the_note_names_no_patient_or_encounter(note: Note) -> None:
    written, reference = (entry["resource"] for entry in bundle_of(note)["entry"])
    assert "subject" not in written and "encounter" not in written
    assert "subject" not in reference and "encounter" not in reference["context"]


def test_one_version_of_a_consultations_note_keeps_its_full_urls(note: Note) -> None:
    urls = [[entry["fullUrl"] for entry in bundle_of(note, consultation_id="c0ffee", version=v)["entry"]]
            for v in (1, 1, 2)]
    assert urls[0] == urls[1] != urls[2]
    assert all(url.startswith("urn:uuid:") for url in urls[0])


def test_an_unknown_status_is_refused(note: Note) -> None:
    with pytest.raises(ValueError, match="unknown note status 'approved'"):
        note_bundle(note, markdown="", status="approved")  # type: ignore[arg-type]


def test_each_subsection_is_a_loinc_coded_section_nested_under_its_soap_section(note: Note) -> None:
    bundle = bundle_of(note)
    Bundle.model_validate(bundle)
    subjective = composition(bundle)["section"][0]
    nested = {part["code"]["coding"][0]["code"]: part["title"] for part in subjective["section"]}
    assert nested["10154-3"] == "Chief complaint"
    assert nested["10164-2"] == "History of present illness"
    history = next(part for part in subjective["section"] if part["code"]["coding"][0]["code"] == "10164-2")
    assert narrative_items(history)[0].startswith("The patient presents today for leg cramps")
