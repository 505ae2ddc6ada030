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
