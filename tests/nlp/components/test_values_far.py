"""Values said in real talk away from their analyte: a vital's number in its own unit later in its statement, a
height in feet and inches said before "in height", and a result whose referring clause comes after a drug."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import Mention, mentions


def said(nlp: Language, text: str, code: str) -> Mention:
    return next(m for m in mentions(nlp(text)) if m.code == code)


@pytest.mark.parametrize(("text", "code", "value"), [
    ("and your heart rate, well, honestly you're you're sitting at maybe around seventy two beats a minute today.",
     "heart_rate", 72),
    ("now the pulse so that's a bit fast you know it's running at about one hundred and ten beats per minute.",
     "heart_rate", 110),
])
def test_a_number_in_the_vitals_own_unit_later_in_its_statement_is_its_reading(
        nlp: Language, text: str, code: str, value: float) -> None:
    assert said(nlp, text, code).value == pytest.approx(value)


def test_a_threshold_after_if_is_no_reading(nlp: Language) -> None:
    text = "keep checking your weight every morning and then ring us if you put on more than four pounds in a week."
    assert all(m.code != "weight" or m.value is None for m in mentions(nlp(text)))


@pytest.mark.parametrize(("text", "value"), [
    ("She is a friendly 40-year-old who is five feet, four inches in height.", 64),
    ("He is six foot two tall.", 74),
    ("Your height is five feet and eleven inches.", 71),
])
def test_a_height_in_feet_and_inches_is_one_value_in_inches(nlp: Language, text: str, value: float) -> None:
    height = said(nlp, text, "height")
    assert height.value == pytest.approx(value)
    assert height.unit == "[in_i]"


def test_a_drug_between_a_test_and_its_referring_clause_does_not_cut_it_off(nlp: Language) -> None:
    text = "I looked at your potassium level since the lisinopril can push it up but it was fine at 4.8 today."
    assert said(nlp, text, "potassium").value == pytest.approx(4.8)


def test_a_number_in_a_drugs_unit_in_that_clause_stays_the_drugs_dose(nlp: Language) -> None:
    text = "I looked at your potassium level since the lisinopril, it is 20 milligrams, and that's okay."
    assert said(nlp, text, "potassium").value is None


def test_a_result_said_in_a_that_clause_is_the_tests(nlp: Language) -> None:
    text = "we did your hemoglobin a1c back in the spring and the report says that it was you know six . eight"
    assert said(nlp, text, "hba1c").value == pytest.approx(6.8)


def test_a_number_said_right_after_its_reading_is_the_result_however_far(nlp: Language) -> None:
    text = "and your last ferritin level came back somewhere around the lower end of normal at 31 this time."
    assert said(nlp, text, "ferritin").value == pytest.approx(31)
