"""Cases where findings were lost from consultations heard rather than typed (benchmarks/asr_choice.py misses),
each reproduced on typed text."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse_text
from nlp.types import Finding


def findings(extractor: Extractor, text: str) -> dict[str, Finding]:
    return {f.code: f for f in extractor.extract(parse_text(text)).findings}


@pytest.mark.parametrize(("said", "code", "value"), [
    ("Doctor: Your potassium came back at 3.2m-l slash l.\n", "potassium", 3.2),
    ("Doctor: Your sodium was 131mmol per litre.\n", "sodium", 131),
])
def test_a_number_glued_to_its_unit_is_read(extractor: Extractor, said: str, code: str, value: float) -> None:
    assert findings(extractor, said)[code].value == pytest.approx(value)


@pytest.mark.parametrize(("said", "assertion"), [
    ("Doctor: We could try a lower dose or switch to rosuvastatin?\nPatient: Okay.\n", "hypothetical"),
    ("Doctor: We could switch you to pravastatin?\nPatient: Yes.\n", "hypothetical"),
    ("Doctor: Do you take rosuvastatin?\nPatient: Yes.\n", "present"),
    ("Doctor: You take rosuvastatin?\nPatient: No.\n", "absent"),
])
def test_a_plan_said_as_a_question_offers_the_drug(extractor: Extractor, said: str, assertion: str) -> None:
    drugs = [f for f in findings(extractor, said).values() if f.kind == "medication"]
    assert [f.assertion for f in drugs] == [assertion]


def test_a_drug_asked_about_and_not_answered_asserts_nothing(extractor: Extractor) -> None:
    assert not findings(extractor, "Doctor: Do you take rosuvastatin?\n")


@pytest.mark.parametrize(("said", "assertion"), [
    ("Doctor: I think the omeprazole may be lowering your magnesium.\n", "present"),
    ("Doctor: I think your lansoprazole is the cause.\n", "present"),
    ("Doctor: I think you might be on omeprazole.\n", "possible"),
    ("Doctor: We could try the omeprazole, maybe.\n", "hypothetical"),
])
def test_a_hedge_on_what_a_drug_does_is_not_on_taking_it(extractor: Extractor, said: str, assertion: str) -> None:
    drugs = [f for f in findings(extractor, said).values() if f.kind == "medication"]
    assert [f.assertion for f in drugs] == [assertion]


@pytest.mark.parametrize("asked", ["Doctor: And the cramps?\nDoctor: Where are they?\n",
                                   "Doctor: And the cramps? Where are they?\n"])
def test_a_question_followed_by_where_is_one_question(extractor: Extractor, asked: str) -> None:
    said = asked + "Patient: Both calves, they wake me up in the early hours.\n"
    assert {(f.code, f.assertion) for f in findings(extractor, said).values()} >= {
        ("leg_cramp", "present"), ("nocturnal", "present")}


def test_a_second_question_naming_its_own_finding_asks_both(extractor: Extractor) -> None:
    said = "Doctor: Any fever?\nDoctor: What about chills?\nPatient: No.\n"
    assert {(f.code, f.assertion) for f in findings(extractor, said).values()} == {
        ("fever", "absent"), ("chills", "absent")}


@pytest.mark.parametrize(("said", "code", "value"), [
    ("Doctor: I checked your CK.\nDoctor: It was 150, which is normal.\n", "creatine_kinase", 150),
    ("Doctor: I checked your CK. It was 150, which is normal.\n", "creatine_kinase", 150),
    ("Doctor: We repeated your potassium.\nDoctor: It came back at 3.2.\n", "potassium", 3.2),
    ("Doctor: We looked at your sodium.\nDoctor: That was 131.\n", "sodium", 131),
    ("Doctor: Your blood sugar is a little bit on the high side, it was 182 this morning.\n", "glucose", 182),
    ("Doctor: I looked at the creatinine because of the new tablets but it was fine at 0.9.\n", "creatinine", 0.9),
])
def test_a_result_said_right_after_its_test_is_its_value(extractor: Extractor, said: str, code: str,
                                                          value: float) -> None:
    assert findings(extractor, said)[code].value == pytest.approx(value)


def test_a_result_said_by_the_other_speaker_is_not_referred_back(extractor: Extractor) -> None:
    said = "Doctor: I checked your CK.\nPatient: It was 150 steps, I counted.\n"
    found = findings(extractor, said).get("creatine_kinase")  # nothing read from it: no result at all (labs.yaml cues)
    assert found is None or found.value is None
