"""Results said aloud, allergies, follow-up and social history in the words patients and clinicians use
(docs/findings.md). Every sentence here is written for the test."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse


def found(extractor: Extractor, text: str) -> set[tuple[str, str, str]]:
    return {(f.kind, f.code, f.assertion) for f in extractor.extract(parse(text)).findings}


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: Her white counts were up at fourteen.", "white_blood_cell_count"),
    ("Doctor: The sugar numbers you brought in look good.", "glucose"),
    ("Doctor: Your U&Es came back normal.", "metabolic_panel"),
    ("Doctor: The coagulation was normal too.", "coagulation_panel"),
    ("Doctor: Your PTH was a bit high.", "pth"),
    ("Doctor: The celiac panel came back negative.", "celiac_panel"),
    ("Doctor: Your IgA level is slightly low.", "immunoglobulins"),
])
def test_a_test_said_with_its_result_is_a_lab(extractor: Extractor, said: str, code: str) -> None:
    assert ("lab", code, "present") in found(extractor, said)


@pytest.mark.parametrize("said", [
    "Doctor: So we did do an x-ray of the ankle and nothing is broken.",
    "Doctor: Earlier we had you do an x-ray, and it shows a small fracture.",
])
def test_a_study_done_before_the_visit_is_a_result_not_an_order(extractor: Extractor, said: str) -> None:
    kinds = {(kind, code) for kind, code, _ in found(extractor, said)}
    assert ("imaging", "x_ray") in kinds
    assert ("order", "x_ray") not in kinds


@pytest.mark.parametrize("said", [
    "Doctor: It would be an upper endoscopy.\nPatient: Okay.\nDoctor: If those tests come back fine, we'll stop there.",
    "Patient: I'd like to hold off on the colonoscopy and wait to see if I get worse.",
])
def test_a_reading_under_a_condition_reads_no_study(extractor: Extractor, said: str) -> None:
    assert not {f for f in found(extractor, said) if f[0] == "imaging"}


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: I have an amoxicillin allergy.", "amoxicillin"),
    ("Patient: There's a penicillin allergy on my record.", "penicillin"),
    ("Patient: I'm allergic to kiwi.", "kiwi"),
    ("Patient: Strawberries, I'm allergic to those and they give me hives.", "strawberry"),
])
def test_an_allergen_said_with_its_allergy(extractor: Extractor, said: str, code: str) -> None:
    assert ("allergy", code, "present") in found(extractor, said)
    assert ("medication", code, "present") not in found(extractor, said)


@pytest.mark.parametrize(("said", "value", "unit"), [
    ("Doctor: Why don't you come back in a month and we'll see how it's going.", 1, "mo"),
    ("Doctor: Let's have you come in in three weeks.", 3, "wk"),
    ("Doctor: Pop back in a week if you can.", 1, "wk"),
])
def test_a_follow_up_said_as_a_suggestion_or_a_visit(extractor: Extractor, said: str, value: int, unit: str) -> None:
    follow = [f for f in extractor.extract(parse(said)).findings if f.kind == "follow_up"]
    assert follow and follow[0].value == value and follow[0].unit == unit


def test_why_dont_you_suggests_no_denial(extractor: Extractor) -> None:
    assert ("medication", "ibuprofen", "absent") not in found(
        extractor, "Doctor: Why don't you take some ibuprofen for a few days.")


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: I'm a nurse, so I'm on my feet all day.", "occupation"),
    ("Patient: I'm a stay at home mom with three kids.", "occupation"),
    ("Patient: I try to eat healthy most of the time.", "diet"),
    ("Patient: I do a lot of walking with the dog.", "exercise"),
    ("Patient: I smoke pot at the weekends.", "drug_use"),
])
def test_social_history_as_patients_say_it(extractor: Extractor, said: str, code: str) -> None:
    assert ("social", code, "present") in found(extractor, said)


def test_a_clinician_teaching_has_no_occupation(extractor: Extractor) -> None:
    assert ("social", "occupation", "present") not in found(
        extractor, "Doctor: I teach all my patients to check their feet.")


@pytest.mark.parametrize(("said", "value"), [
    ("Doctor: Your pressure is 142 over 88 today.", 142),
    ("Patient: My pressure was 150 over 95 at the pharmacy.", 150),
])
def test_the_pressure_said_alone_with_its_reading(extractor: Extractor, said: str, value: int) -> None:
    vitals = [f for f in extractor.extract(parse(said)).findings if f.kind == "vital"]
    assert [(f.code, f.value) for f in vitals] == [("blood_pressure", value)]


def test_a_pressure_felt_is_no_blood_pressure(extractor: Extractor) -> None:
    assert not [f for f in extractor.extract(parse("Patient: The pressure is about a 6 out of 10.")).findings
                if f.kind == "vital"]
