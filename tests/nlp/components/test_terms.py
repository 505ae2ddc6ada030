"""soapscribe_terms (nlp/components/terms.py): the lexicon's terms found, brands and misspellings normalised."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import mentions


@pytest.mark.parametrize(("text", "code"), [
    ("I take furosemide.", "furosemide"),
    ("I take Lasix.", "furosemide"),  # a brand is its generic ingredient
    ("Salbutamol inhaler.", "albuterol"),  # a synonym too
    ("I take furosmide every day.", "furosemide"),  # a misspelt drug name of 7 letters or more (fuzzy match)
])
def test_a_drug_said_any_way_is_its_generic_code(nlp: Language, text: str, code: str) -> None:
    assert [(m.kind, m.code) for m in mentions(nlp(text))] == [("medication", code)]


def test_a_short_misspelling_is_not_matched(nlp: Language) -> None:
    assert mentions(nlp("I take lasx.")) == []


@pytest.mark.parametrize(("text", "code"), [
    ("She is on the cisplacin every three weeks.", "cisplatin"),  # a dictionary drug outside the topic, misheard
    ("He takes lisonopril in the morning.", "lisinopril"),
    ("Then we stopped the methothrexate.", "methotrexate"),
])
def test_a_misheard_drug_of_the_dictionary_is_that_drug(nlp: Language, text: str, code: str) -> None:
    assert [(m.kind, m.code) for m in mentions(nlp(text))] == [("medication", code)]


@pytest.mark.parametrize("text", [
    "His alkaline phosphatate was a little high.",  # no English word, but 0.87 from "phosphatases": too far
    # English words one letter from a dictionary name ("attentin", "informatin", "complamin") are never drugs
    "Thanks for the information, and pay attention to that complaint.",
    "The infection is performing as expected.",
])
def test_an_english_word_or_a_far_spelling_is_no_drug(nlp: Language, text: str) -> None:
    assert [m.code for m in mentions(nlp(text)) if m.kind == "medication"] == []
