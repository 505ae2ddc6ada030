"""medspaCy's ConText in place of ours (nlp/components/medspacy_context.py), with the real medspaCy."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import Mention, build, mentions
from tests.conftest import loaded_extractor

pytest.importorskip("medspacy.context", reason="`make install-dev` installs medspaCy (requirements/medspacy.txt)")


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build(loaded_extractor().knowledge.to_nlp(), context="soapscribe_medspacy_context")


def said(nlp: Language, text: str, code: str) -> Mention:
    return next(mention for mention in mentions(nlp(text)) if mention.code == code)


def test_a_negation_cue_makes_the_finding_absent(nlp: Language) -> None:
    assert said(nlp, "I have no chest pain.", "chest_pain").assertion == "absent"


def test_a_relative_makes_the_finding_family(nlp: Language) -> None:
    assert said(nlp, "My mother has diabetes.", "diabetes").assertion == "family"


def test_a_question_is_marked_as_one_so_the_answer_settles_it(nlp: Language) -> None:
    asked = said(nlp, "Do you have any chest pain?", "chest_pain")
    assert asked.in_question and asked.assertion == "present"


def test_our_cues_load_into_medspacy_with_the_assertion_our_marked_categories_give() -> None:
    with_ours = build(loaded_extractor().knowledge.to_nlp(), context="soapscribe_medspacy_context",
                      context_config={"own_cues": True})
    assert said(with_ours, "It might be something called Bell's palsy.", "bells_palsy").assertion == "hypothetical"
