"""soapscribe_terms (nlp/components/terms.py): a phrase said with words repeated or hesitations between its words."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.components.terms import TermMatcher
from nlp.pipeline import mentions


@pytest.mark.parametrize(("text", "code", "said"), [
    # the evidence runs from the first to the last word said, the repeat inside it
    ("And I've had some discharge from, from down below as well.", "vaginal_discharge",
     "discharge from, from down below"),
    ("They told me it was high blood, blood pressure.", "hypertension", "high blood, blood pressure"),
    ("Any problems with your, with your eyesight?", "visual_disturbance", "problems with your, with your eyesight"),
    # a repeat before the phrase leaves the phrase as said (it matched before too)
    ("It's my, my chest pain that worries me.", "chest_pain", "chest pain"),
    ("I get short of, short of breath on the hill.", "shortness_of_breath", "short of breath"),
    ("I've got a, a rash on my arm.", "rash", "rash"),
])
def test_a_phrase_said_with_a_word_repeated_is_found(nlp: Language, text: str, code: str, said: str) -> None:
    assert [(m.code, m.text) for m in mentions(nlp(text)) if m.code == code] == [(code, said)]


def test_a_phrase_said_with_a_hesitation_inside_is_found(nlp: Language) -> None:
    # the pipeline gives the term matcher the context cues' hesitations (nlp.pipeline.build)
    found = mentions(nlp("My dad has high uh blood pressure."))
    assert [(m.code, m.text) for m in found] == [("hypertension", "high uh blood pressure")]


def test_a_comma_between_two_terms_keeps_them_two(nlp: Language) -> None:
    found = mentions(nlp("I had a fever, fever, cough and a sore throat."))
    assert [(m.code, m.text) for m in found] == [("fever", "fever"), ("fever", "fever"), ("cough", "cough"),
                                                 ("sore_throat", "sore throat")]


@pytest.mark.parametrize("text", [
    "I have a cough and some chest pain, but no fever.",
    "I've been very very tired, no, no chest pain though.",  # real, harmless repeats
])
def test_a_sentence_without_a_repeat_inside_a_phrase_reads_as_before(nlp: Language, text: str) -> None:
    terms = nlp.get_pipe("soapscribe_terms")
    assert isinstance(terms, TermMatcher)
    now = [(m.code, m.start, m.end) for m in mentions(nlp(text))]
    fluent = TermMatcher._fluent
    try:
        TermMatcher._fluent = lambda self, doc: None  # type: ignore[method-assign]
        plain = [(m.code, m.start, m.end) for m in mentions(nlp(text))]
    finally:
        TermMatcher._fluent = fluent  # type: ignore[method-assign]
    assert now == plain
    assert now
