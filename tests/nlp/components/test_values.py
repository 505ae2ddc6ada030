"""Doses: a number with a dose unit is the same dose whether said with its drug (the soapscribe_values component) or
alone in an answer about the drug (nlp.pipeline.bare_dose): one search, nlp.components.spans.first_dose."""

from __future__ import annotations

from typing import Any

import pytest
from spacy.language import Language

from nlp.pipeline import bare_dose, mentions


@pytest.mark.parametrize(("words", "dose"), [
    ("forty milligrams", {"value": 40, "unit": "mg"}),
    ("20 mg twice a day", {"value": 20, "unit": "mg"}),
    ("twice a day, 80 mg", {"value": 80, "unit": "mg"}),  # the first number with a unit, not the first number
])
def test_a_dose_reads_the_same_with_its_drug_and_alone(nlp: Language, words: str, dose: dict[str, Any]) -> None:
    drug = next(m for m in mentions(nlp(f"Furosemide {words}.")) if m.code == "furosemide")
    assert drug.attributes["dose"] == dose
    assert bare_dose(nlp(f"Yes, {words}.")) == dose


def test_an_utterance_naming_its_own_drug_has_no_bare_dose(nlp: Language) -> None:
    assert bare_dose(nlp("Yes, furosemide forty milligrams.")) is None


def test_a_number_without_a_dose_unit_is_no_dose(nlp: Language) -> None:
    assert bare_dose(nlp("Yes, twice a day for 3 weeks.")) is None


@pytest.mark.parametrize(("text", "interpretation"), [
    ("I want to go ahead and order some thyroid labs, okay?", None),  # a tag asks; it says no result
    ("Your potassium was fine.", "normal"),
    ("Your potassium is okay.", "normal"),
    ("we'll send off a thyroid panel ok", None),  # unpunctuated, the tag still asks
    ("we'll also send off a thyroid panel okay do you have any questions", None),  # a tag the parser did not cut
    ("the thyroid panel came back okay", "normal"),
    ("we got your magnesium back, it's all ok", "normal"),
])
def test_a_tag_closing_the_sentence_is_no_interpretation(nlp: Language, text: str, interpretation: str | None) -> None:
    said = next(m for m in mentions(nlp(text)) if m.kind in ("lab", "electrolyte"))
    assert said.attributes.get("interpretation") == interpretation


def test_a_value_said_past_where_the_parser_cut_an_unpunctuated_run_is_the_terms(nlp: Language) -> None:
    text = ("alright so i've looked at your vitals and honestly they look great you know your blood pressure "
            "i see is one twenty five over seventy that's almost textbook respiratory rate we are seeing you at a "
            "smooth eighteen")
    assert any(sentence.end < len(sentence.doc) and sentence.text.endswith("blood pressure")
               for sentence in nlp(text).sents)  # the run is cut after the term, before its value
    pressure = next(m for m in mentions(nlp(text)) if m.code == "blood_pressure")
    assert (pressure.value, pressure.attributes.get("diastolic")) == (125, 70)

