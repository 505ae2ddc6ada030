"""Vitals, results and exam findings as they are said in conversation (docs/findings.md): read out in passing, far from
their name, beside a denial, or said as a change or a threshold that is no reading. Our own sentences."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse
from nlp.types import Finding


def of_kind(extractor: Extractor, said: str, kind: str) -> dict[str, Finding]:
    return {f.code: f for f in extractor.extract(parse(said)).findings if f.kind == kind}


# --- vitals --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("said", "systolic", "diastolic"), [
    # a pair said later in the statement is the pressure's reading however far, and "over" may be said twice
    ("Doctor: Your blood pressure is up a bit today, probably the pain, we're looking at like a hundred and forty two "
     "over over eighty eight.", 142, 88),
    ("Doctor: Your BP was 210 over 100 in the ER, so have you taken your pills? Your blood pressure in the office "
     "today is a lot better, it looks like it's one thirty four over eighty two.", 134, 82),
])
def test_a_pressure_read_out_in_passing_is_its_reading(extractor: Extractor, said: str, systolic: float,
                                                       diastolic: float) -> None:
    pressure = of_kind(extractor, said, "vital")["blood_pressure"]
    assert (pressure.value, pressure.attributes.get("diastolic")) == (systolic, diastolic)


@pytest.mark.parametrize(("said", "code", "value"), [
    ("Doctor: Your oxygenation is ninety six percent.", "oxygen_saturation", 96),
    ("Doctor: Your o2 is ninety seven on room air.", "oxygen_saturation", 97),
])
def test_a_vital_is_named_as_it_is_said(extractor: Extractor, said: str, code: str, value: float) -> None:
    assert of_kind(extractor, said, "vital")[code].value == value


def test_a_number_read_is_no_denial(extractor: Extractor) -> None:
    said = "Doctor: No fever today, your temperature is ninety eight point four."
    temperature = of_kind(extractor, said, "vital")["temperature"]
    assert (temperature.assertion, temperature.value) == ("present", 98.4)


@pytest.mark.parametrize("said", [
    "Doctor: If your temperature goes above thirty eight, give us a ring.",  # a threshold
    "Doctor: Get a scale and weigh yourself daily, call me if you gain two pounds.",  # a threshold, and a change
    "Doctor: Your weight has gone down, you've lost about four pounds.",  # a change
    "Doctor: You shouldn't weight-bear on it for four to six weeks.",  # bearing weight, for a time
    "Doctor: Your blood pressure is fine, there is a two over six murmur.",  # a murmur's grade
])
def test_what_is_no_reading_is_no_vital(extractor: Extractor, said: str) -> None:
    assert of_kind(extractor, said, "vital") == {}


@pytest.mark.parametrize(("said", "code", "value", "diastolic"), [
    ("Doctor: What was your temperature?\nPatient: Um, thirty eight point two.", "temperature", 38.2, None),
    ("Doctor: Did you take your temperature?\nPatient: Yes, it was about thirty seven and a half.", "temperature",
     37.5, None),
    ("Doctor: What was your blood pressure when you checked it at home?\nPatient: It was around 145 over 95.",
     "blood_pressure", 145, 95),
    ("Doctor: And how much do you weigh?\nPatient: About seventy kilos.", "weight", 70, None),
])
def test_a_number_answering_a_vital_asked_is_its_reading(extractor: Extractor, said: str, code: str, value: float,
                                                         diastolic: float | None) -> None:
    vital = of_kind(extractor, said, "vital")[code]
    assert (vital.value, vital.attributes.get("diastolic")) == (value, diastolic)


@pytest.mark.parametrize("said", [
    "Doctor: When did you last have your blood pressure checked?\nPatient: About six months ago.",  # a time
    "Doctor: Do you check your blood pressure at home?\nPatient: Yeah, two or three times a week.",  # how often
    "Doctor: What's your weight been doing?\nPatient: I've lost about 5 pounds.",  # a change
    "Doctor: Do you take anything for your blood pressure?\nPatient: Yes, 10 mg of amlodipine.",  # a dose
])
def test_a_reply_without_a_reading_gives_the_vital_asked_none(extractor: Extractor, said: str) -> None:
    assert of_kind(extractor, said, "vital") == {}


# --- results read aloud --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("said", "kind", "code", "interpretation"), [
    # a reading negated says normal; "not normal" says neither way
    ("Doctor: Your white blood cell count is not elevated, which is good.", "lab", "white_blood_cell_count", "normal"),
    ("Doctor: Your potassium isn't low anymore.", "electrolyte", "potassium", "normal"),
    ("Doctor: Your TSH was not normal.", "lab", "tsh", None),
    # the clinician's reading said beside a value with no reference range
    ("Doctor: Your hemoglobin is 8.4, which is quite low for you.", "lab", "hemoglobin", "low"),
    ("Doctor: Your ferritin was really low, about 8.", "lab", "ferritin", "low"),
    # the words a result is read with
    ("Doctor: The CBC was unremarkable.", "lab", "complete_blood_count", "normal"),
    ("Doctor: Your kidney numbers look great.", "lab", "metabolic_panel", "normal"),
])
def test_a_result_read_aloud_keeps_the_clinicians_reading(extractor: Extractor, said: str, kind: str, code: str,
                                                         interpretation: str | None) -> None:
    assert of_kind(extractor, said, kind)[code].attributes.get("interpretation") == interpretation


def test_doing_well_with_a_result_orders_nothing(extractor: Extractor) -> None:
    assert of_kind(extractor, "Doctor: So you're doing well with your kidney function.", "order") == {}


# --- examination said aloud ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("said", "code", "assertion"), [
    ("Doctor: I don't hear any wheezing.", "wheezing", "absent"),
    ("Doctor: I don't appreciate any swelling of the ankle.", "swelling", "absent"),
    ("Doctor: I do appreciate some redness over the joint.", "erythema", "present"),
    ("Doctor: I see some redness at the back of your throat.", "erythema", "present"),
])
def test_what_the_examiner_hears_sees_or_appreciates_is_an_exam_finding(extractor: Extractor, said: str, code: str,
                                                                        assertion: str) -> None:
    assert of_kind(extractor, said, "exam")[code].assertion == assertion


def test_an_appreciation_of_the_patient_starts_no_examination(extractor: Extractor) -> None:
    said = "Doctor: I appreciate you coming in today. Any swelling in your legs?\nPatient: No."
    assert of_kind(extractor, said, "exam") == {}
