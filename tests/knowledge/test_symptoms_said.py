"""How patients say symptoms and answer the review of systems: a pain placed by the reply to "where", a pain of
two places, lay wordings, denials and yeses said in other words, and symptoms that are nobody's today."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse
from tests.conftest import loaded_extractor


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return loaded_extractor()


def symptoms(extractor: Extractor, text: str) -> set[tuple[str, str]]:
    return {(f.code, f.assertion) for f in extractor.extract(parse(text)).findings if f.kind == "symptom"}


@pytest.mark.parametrize(("text", "expected"), [
    ("Doctor: Where is the pain exactly?\nPatient: Just under my ribs on the right, in my tummy.",
     {("abdominal_pain", "present")}),
    ("Doctor: okay and where is the pain now\nPatient: my right knee mostly", {("knee_pain", "present")}),
    ("Doctor: Any pain at all?\nPatient: Yes, across my lower back.", {("low_back_pain", "present")}),
    ("Patient: It hurts.\nDoctor: Where?\nPatient: The left shoulder.", {("shoulder_pain", "present")}),
    ("Doctor: Where's the rash?\nPatient: On both forearms.", {("rash", "present")}),
])
def test_a_pain_is_placed_by_the_reply_to_where_it_is(extractor: Extractor, text: str,
                                                      expected: set[tuple[str, str]]) -> None:
    assert expected <= symptoms(extractor, text)


def test_a_place_said_after_an_acknowledgement_places_no_pain(extractor: Extractor) -> None:
    text = "Patient: Everything was hurting after the flu.\nDoctor: Okay.\nPatient: My hands were freezing too."
    assert not {code for code, _ in symptoms(extractor, text)} & {"hand_pain", "finger_pain"}


@pytest.mark.parametrize(("text", "expected"), [
    ("Patient: I've had pain in my hip and knee since the spring.", {"hip_pain", "knee_pain"}),
    ("Patient: There's upper back and neck pain when I wake up.", {"back_pain", "neck_pain"}),
    ("Patient: My elbows, wrists and knees ache in the cold.", {"elbow_pain", "wrist_pain", "knee_pain"}),
    ("Patient: Then my left shoulder and neck started to hurt.", {"shoulder_pain", "neck_pain"}),
])
def test_a_pain_of_places_listed_is_a_pain_of_each(extractor: Extractor, text: str, expected: set[str]) -> None:
    assert expected <= {code for code, assertion in symptoms(extractor, text) if assertion == "present"}


def test_a_place_opening_its_own_statement_is_not_the_pains(extractor: Extractor) -> None:
    said = {code for code, _ in symptoms(extractor, "Patient: I get pain in my hip and my knee is swollen.")}
    assert "hip_pain" in said and "knee_pain" not in said


@pytest.mark.parametrize(("text", "expected"), [
    ("Doctor: Do you get any burning while peeing?\nPatient: No.", ("dysuria", "absent")),
    ("Doctor: Any discomfort during urination?\nPatient: Nope.", ("dysuria", "absent")),
    ("Patient: Over the last month I have felt weaker than usual.", ("weakness", "present")),
])
def test_lay_wordings(extractor: Extractor, text: str, expected: tuple[str, str]) -> None:
    assert expected in symptoms(extractor, text)


@pytest.mark.parametrize("reply", ["Neither of them.", "Absolutely not.", "Thankfully not.", "Negative.",
                                   "Unfortunately not.", "None of these."])
def test_denials_said_in_other_words(extractor: Extractor, reply: str) -> None:
    text = f"Doctor: Any fevers or night sweats?\nPatient: {reply}"
    assert symptoms(extractor, text) == {("fever", "absent"), ("night_sweats", "absent")}


@pytest.mark.parametrize("reply", ["Every morning.", "Quite a lot, actually.", "Constantly.", "I'm afraid so."])
def test_a_yes_said_by_how_often(extractor: Extractor, reply: str) -> None:
    assert symptoms(extractor, f"Doctor: Do you get heartburn?\nPatient: {reply}") == {("heartburn", "present")}


@pytest.mark.parametrize("text", [
    "Patient: My wife has had a dreadful cough all week.",
    "Doctor: The usual symptoms are a fever, a cough and a runny nose.",
    "Doctor: It may give you an upset stomach at first.",
])
def test_symptoms_that_are_nobodys_today(extractor: Extractor, text: str) -> None:
    assert not {(c, a) for c, a in symptoms(extractor, text) if a == "present"}


def test_the_patients_own_symptom_beside_a_partners_stays(extractor: Extractor) -> None:
    assert ("headache", "present") in symptoms(extractor, "Patient: My husband has noticed my headaches getting worse.")


def test_a_list_of_symptoms_alone_cut_off_is_asked(extractor: Extractor) -> None:
    assert symptoms(extractor, "Doctor: Tremors or numbness or-\nPatient: No.") == {("tremor", "absent"),
                                                                                   ("numbness", "absent")}


def test_the_patients_list_asking_what_is_meant_asserts_nothing(extractor: Extractor) -> None:
    text = ("Doctor: Any symptoms of the flu?\nPatient: Like a fever or chills?\n"
            "Doctor: Those, or being sick or headaches.\nPatient: Oh no, nothing like that.")
    found = symptoms(extractor, text)
    assert ("fever", "present") not in found and ("chills", "present") not in found
    assert ("headache", "absent") in found
