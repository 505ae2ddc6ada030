"""soapscribe_age (nlp/components/age.py): a stated age over the lexicon's threshold is a condition."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import mentions


@pytest.mark.parametrize(("said", "age"), [
    ("I'm 67.", 67),  # the number after the cue
    ("She is sixty-eight years old.", 68),  # the number before it, in words
])
def test_an_age_over_fifty_is_the_condition_with_the_age(nlp: Language, said: str, age: int) -> None:
    [found] = mentions(nlp(said))
    assert (found.kind, found.code, found.attributes) == ("condition", "age_over_50", {"age": age})


def test_an_age_under_the_threshold_is_no_finding(nlp: Language) -> None:
    assert mentions(nlp("I'm 35.")) == []


def test_weeks_pregnant_is_no_age(nlp: Language) -> None:
    assert [m.code for m in mentions(nlp("I am thirty two weeks pregnant."))] == ["pregnancy"]
