"""The plain, nlp-level form of a topic's lexicon: what the spaCy components are told to look for.

The knowledge base validates its YAML and hands these frozen types to `nlp.pipeline.build`, so the
pipeline never reads knowledge files itself (nlp/ must not import knowledge/).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["forward", "backward", "both"]

# Modifier kinds: phrases that qualify a target rather than being findings themselves.
SITE = "site"
LATERALITY = "laterality"
FREQUENCY = "frequency"
DOSE_UNIT = "dose_unit"
LAB_UNIT = "lab_unit"
INTERVAL_UNIT = "interval_unit"  # days, weeks, months: the unit of a follow-up interval, never of a lab value
INTERPRETATION = "interpretation"
INTAKE = "intake"
CORRECTION = "correction"
ACTION = "action"
ORDER_CUE = "order_cue"
ORDER_LIST = "order_list"  # "and", "like a": words that join tests in a list, each ordered by the first one's cue
EXAM_CUE = "exam_cue"
MANOEUVRE = "manoeuvre"  # "if I bend your knee": what the examiner does; the patient's "that hurts" says the finding
DURATION_CUE = "duration_cue"
ONSET_CUE = "onset_cue"
ONSET_TIME = "onset_time"  # "yesterday", "last night": a time that says when a symptom began, alone
ONSET_QUESTION = "onset_question"  # "when did this start?": the answer's time is the asked symptom's onset
ALLERGY_CUE = "allergy_cue"
AGE_CUE = "age_cue"
AGE_BLOCKER = "age_blocker"
EXCLUDE = "exclude"
MEDICATION = "medication"
ALLERGY = "allergy"

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(phrase: str) -> str:
    """The lookup key of a dictionary name: lower case, runs of anything but letters and digits as one space."""
    return _NOT_WORD.sub(" ", phrase.lower()).strip()


def any_phrase(phrases: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """One word-bounded pattern of `phrases`, the longest first ("half brother" before "brother"); an empty list
    matches nothing."""
    words = sorted(set(phrases) - {""}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b" if words else r"(?!)", flags)


@dataclass(frozen=True)
class TermPattern:
    """Phrases naming one concept.

    `kind` is a finding kind (symptom, medication, ...) for targets, or a modifier kind (site,
    laterality, frequency, dose_unit, lab_unit, interpretation, intake, age_cue, age_blocker) or
    `exclude` (phrases that must not yield a target, e.g. "stomach cramps"). `attributes` carries
    per-pattern options the components understand (`requires_value`, `as_medication`,
    `interpretation`, `generic`, `needs_site`, `position`, ...) and is copied onto findings otherwise.
    """

    kind: str
    code: str
    phrases: tuple[str, ...]
    attributes: dict[str, Any] = field(default_factory=dict)
    case_sensitive: bool = False


@dataclass(frozen=True)
class ContextRule:
    """A ConText-style cue: its phrases set `category` on targets in its scope within the sentence.

    `category` is an assertion (absent, possible, hypothetical, family), `historical`, `terminate`
    (ends other cues' scope), `pseudo` (looks like a cue but is not: "not only") or `filler` (a hesitation a
    cue's scope passes: "no, um, fracture").
    """

    category: str
    phrases: tuple[str, ...]
    direction: Direction = "forward"
    max_scope: int | None = None
    not_followed_by: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()  # a target right after one of these phrases is out of scope ("from your X")
    passes: tuple[str, ...] = ()  # terminators the scope reads through ("my mum had X, and she has Y": family)
    # family: the pronouns that speak of the relative again in the speaker's next sentences ("My sister ... She has Y")
    pronouns: tuple[str, ...] = ()
    # words that, said between the cue and a target after it, leave the target out of its reach ("I think it could be
    # gout": the doubt of "could", not the impression of "I think")
    yields_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionCues:
    """The words that make an utterance a question, or not (nlp/components/context.py QuestionMarker)."""

    openers: tuple[str, ...] = ()
    presupposing: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    lead_ins: tuple[str, ...] = ()
    openers_anywhere: tuple[str, ...] = ()
    confirmations: tuple[str, ...] = ()


NO_QUESTION_CUES = QuestionCues()


@dataclass(frozen=True)
class Lexicon:
    """Everything the pipeline needs for one topic."""

    terms: tuple[TermPattern, ...]
    context: tuple[ContextRule, ...] = ()
    question_openers: tuple[str, ...] = ()
    presupposing: tuple[str, ...] = ()  # "how long have you had": what follows is taken as said
    question_tags: tuple[str, ...] = ()  # "..., okay?": a statement with a tag, not a question
    clause_questions: tuple[str, ...] = ()  # "You started X, how is it going?": only the clause is asked
    question_lead_ins: tuple[str, ...] = ()  # "okay, alright, so": words before a question's opener
    question_openers_anywhere: tuple[str, ...] = ()  # "... so have you had": a question starts mid-sentence
    confirmations: tuple[str, ...] = ()  # "Is that right?": a sentence that puts the one before it to the patient
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    answer_fillers: tuple[str, ...] = ()
    acknowledgements: tuple[str, ...] = ()  # "OK", "right": what may follow an answer said alone ("No, OK.")
    # The drug dictionary: normalised name -> medication code, matched where no phrase of `terms` is.
    drug_names: Mapping[str, str] = field(default_factory=dict)
    drug_name_tokens: int = 5  # the longest name, in words

    @property
    def questions(self) -> QuestionCues:
        return QuestionCues(self.question_openers, self.presupposing, self.question_tags, self.clause_questions,
                            self.question_lead_ins, self.question_openers_anywhere, self.confirmations)
