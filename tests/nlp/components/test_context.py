"""soapscribe_context (nlp/components/context.py): each mention's assertion, history and question, from its cues."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import Mention, mentions


def said(nlp: Language, text: str, code: str) -> Mention:
    return next(mention for mention in mentions(nlp(text)) if mention.code == code)


@pytest.mark.parametrize(("text", "code", "assertion"), [
    ("I have cramps in my calf.", "leg_cramp", "present"),
    ("No numbness.", "numbness", "absent"),
    ("Maybe it is a statin.", "statin", "possible"),
    ("If the cramps get worse we could try magnesium.", "magnesium", "hypothetical"),
    ("My mother has diabetes.", "diabetes", "family"),
])
def test_the_cues_said_give_the_assertion(nlp: Language, text: str, code: str, assertion: str) -> None:
    assert said(nlp, text, code).assertion == assertion


def test_a_terminator_that_begins_before_a_target_ends_the_scope_there(nlp: Language) -> None:
    """", I" ends the negation even where the target's own words begin with "I" ("I do drink")."""
    assert said(nlp, "I don't smoke, I do drink, like on the weekends.", "alcohol_use").assertion == "present"
    assert said(nlp, "I don't smoke, I do drink, like on the weekends.", "smoking").assertion == "absent"


def test_a_past_cue_makes_the_mention_historical(nlp: Language) -> None:
    assert said(nlp, "I used to take simvastatin.", "simvastatin").historical
    assert not said(nlp, "I take simvastatin.", "simvastatin").historical


def test_a_question_asserts_nothing_yet_and_is_marked(nlp: Language) -> None:
    asked = said(nlp, "Do you have any tingling?", "tingling")
    assert asked.in_question and asked.assertion == "present"  # the answer decides (knowledge.dialogue)
