"""Question forms that are not yes/no questions about what they name: tags and presupposing questions."""

from __future__ import annotations


import pytest

from knowledge.extract import Extractor
from tests.conftest import loaded_extractor
from nlp.types import Segment, Transcript


def extractor() -> Extractor:
    return loaded_extractor()  # the run's one, which the `extractor` fixture gives too


def assertions(*turns: tuple[str, str]) -> dict[str, str]:
    transcript = Transcript(segments=[Segment(id=i, speaker=speaker, text=text)
                                      for i, (speaker, text) in enumerate(turns)])
    return {f.code: f.assertion for f in extractor().extract(transcript).findings}


@pytest.mark.parametrize(("said", "expected"), [
    ("I'm going to prescribe meloxicam 15 milligrams once a day, okay?", {"meloxicam": "hypothetical"}),
    ("You have been on the Lasix for a year now, right?", {"furosemide": "present"}),
    ("and then i'm gon na prescribe you some ultram , 50 milligrams as needed , okay ?", {"tramadol": "hypothetical"}),
])
def test_a_statement_ending_in_a_tag_is_not_an_unanswered_question(said: str, expected: dict[str, str]) -> None:
    assert assertions(("clinician", said)) == expected


def test_a_real_question_without_an_answer_still_yields_nothing() -> None:
    assert assertions(("clinician", "Do you take furosemide?")) == {}
    assert assertions(("clinician", "Do you take furosemide, okay?")) == {}


@pytest.mark.parametrize(("question", "code"), [
    ("How long have you had diabetes?", "diabetes"),
    ("Which tablets do you take for your heart failure?", "heart_failure"),
    ("How is your kidney disease these days?", "kidney_disease"),
])
def test_a_presupposing_question_takes_its_concept_as_present(question: str, code: str) -> None:
    found = assertions(("clinician", question), ("patient", "About ten years."))
    assert found[code] == "present"


def test_a_presupposing_question_answered_no_is_still_not_negated_by_the_answer() -> None:
    found = assertions(("clinician", "How long have you had diabetes?"), ("patient", "Not long, two years."))
    assert found["diabetes"] == "present"
