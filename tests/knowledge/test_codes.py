"""ICD-10-CM code suggestions: each code fires on a consultation that supports it, and on no other."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.datafile import topic_dir
from knowledge.drafting import draft_note
from knowledge.errors import KnowledgeError
from knowledge.extract import Extractor
from knowledge.guidance import Guidance
from knowledge.note import ICD10CM, Note
from knowledge.render import render
from nlp.transcript_io import parse


def note_of(extractor: Extractor, text: str) -> Note:
    transcript = parse(text)
    return draft_note(transcript, extractor.extract(transcript))


def codes(note: Note) -> set[str]:
    return {s.coding.code for s in note.suggestions if s.coding is not None}


DAYTIME = "Patient: I get cramps in my calf after I walk the dog.\n"
AT_NIGHT = "Patient: Cramps in my left calf wake me up at night.\n"


@pytest.mark.parametrize(("text", "expected"), [
    (DAYTIME, {"R25.2"}),
    (AT_NIGHT, {"G47.62"}),  # the sleep-related code replaces the general one
    (AT_NIGHT + "Doctor: Your potassium was 3.1 on the blood test.\n", {"G47.62", "E87.6"}),
    (DAYTIME + "Doctor: Your magnesium came back at 0.5.\n", {"R25.2", "E83.42"}),
    (DAYTIME + "Doctor: Your calcium was 7.9 milligrams per deciliter.\n", {"R25.2", "E83.51"}),
    (DAYTIME + "Doctor: The sodium was 128.\n", {"R25.2", "E87.1"}),
    (DAYTIME + "Patient: I was told I have peripheral artery disease.\n", {"R25.2", "I73.9"}),
], ids=["cramp", "night_cramp", "hypokalemia", "hypomagnesemia", "hypocalcemia", "hyponatremia", "pad"])
def test_a_code_fires_on_the_consultation_built_for_it(extractor: Extractor, text: str, expected: set[str]) -> None:
    assert codes(note_of(extractor, text)) == expected


@pytest.mark.parametrize("text", [
    "Doctor: Any cramps in your legs?\nPatient: No.\n",                                  # denied
    "Patient: I used to get cramps years ago.\n",                                       # historical only
    "Doctor: If you get cramps at night, stretch your calf.\n",                          # hypothetical
    "Doctor: Your potassium was 4.2, which is normal.\n",                                # normal value
    "Doctor: Your magnesium was 0.9 and your calcium 9.4.\nDoctor: Sodium 140.\n",       # normal values
    "Patient: Maybe it is peripheral artery disease?\nDoctor: Possibly, we will see.\n",  # not established
])
def test_no_code_fires_without_a_present_finding(extractor: Extractor, text: str) -> None:
    assert codes(note_of(extractor, text)) == set()


def test_a_code_suggestion_is_under_assessment_with_a_structured_coding(extractor: Extractor) -> None:
    note = note_of(extractor, AT_NIGHT + "Doctor: Your potassium was 3.1 on the blood test.\n")
    coded = [s for s in note.suggestions if s.kind == "code"]
    assert [s.coding.code for s in coded] == ["G47.62", "E87.6"]
    assert all(s.coding.system == ICD10CM for s in coded)
    assert coded[0].coding.display == "Sleep related leg cramps"
    assert all(s in note.suggestions_in("assessment") for s in coded)
    assert coded[0].source.section == "Symptoms" and coded[1].source.section == "Causes and Risk Factors"
    payload = json.loads(note.model_dump_json())
    assert payload["suggestions"][-1]["coding"] == {"system": ICD10CM, "code": "E87.6", "display": "Hypokalemia"}


def test_a_note_without_codings_still_reads() -> None:
    old = {"sections": [], "suggestions": [{"id": "s1", "kind": "cause", "text": "Low potassium.",
                                            "reasons": ["f1"], "source": {"topic": "leg_cramps",
                                                                          "section": "Causes and Risk Factors"}}]}
    assert Note.model_validate(old).suggestions[0].coding is None


@pytest.mark.parametrize(("fmt", "expected"), [
    ("markdown", "_Suggested code:_ E87.6 Hypokalemia."),
    ("text", "[Code] Suggested code: E87.6 Hypokalemia."),
    ("html", '<strong>Suggested code:</strong> <code class="soap-code" data-system="http://hl7.org/fhir/sid/icd-10-cm">'
             "E87.6</code> Hypokalemia."),
    ("fhir", "Suggested code: <code>E87.6</code> Hypokalemia (ICD-10-CM)."),
])
def test_each_format_shows_the_suggested_code(extractor: Extractor, fmt: str, expected: str) -> None:
    note = note_of(extractor, DAYTIME + "Doctor: Your potassium was 3.1 on the blood test.\n")
    rendered = render(note, fmt)
    if fmt == "fhir":
        composition = json.loads(rendered)["entry"][0]["resource"]
        rendered = composition["section"][-1]["text"]["div"]
    assert expected in rendered


@pytest.fixture
def topic_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "leg_cramps"
    shutil.copytree(topic_dir("leg_cramps"), folder)
    return folder


def edit_rule(folder: Path, rule_id: str, change: dict) -> None:
    path = folder / "guidance.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    [rule] = [r for r in data["rules"] if r["id"] == rule_id]
    rule.update(change)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.mark.parametrize(("rule_id", "change", "message"), [
    ("code_hypokalemia", {"coding": None}, "`coding` exactly when its kind is `code`"),
    ("low_electrolyte", {"coding": {"code": "E87.6", "display": "Hypokalemia"}}, "`coding` exactly when"),
    ("code_hypokalemia", {"coding": {"code": "E876", "display": "Hypokalemia"}}, "'E876' is not an ICD-10-CM code"),
    ("code_hypokalemia", {"coding": {"code": "E87.6"}}, "coding.display"),
])
def test_a_broken_code_rule_names_the_file_and_the_field(topic_copy: Path, rule_id: str, change: dict,
                                                         message: str) -> None:
    edit_rule(topic_copy, rule_id, change)
    with pytest.raises(KnowledgeError) as raised:
        Guidance("leg_cramps", folder=topic_copy)
    assert "leg_cramps/guidance.yaml: rules." in str(raised.value) and message in str(raised.value)
