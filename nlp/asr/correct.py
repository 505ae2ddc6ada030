"""Correct drug names Whisper misheard, against the topic's lexicon ("furosmide" -> "furosemide").

A recognised word, or two adjacent words heard for one ("libid or" for Lipitor), is replaced only
when all of these hold: it is not an English word (spaCy's English vocabulary; for two words, at
least one is not), it is at least 5 letters long, it sounds like a drug name (their Metaphone keys
are at most one edit apart, two for a name whose key has 8 or more sounds) and it is spelled like it (Jaro-Winkler similarity at least
`MIN_SIMILARITY`, or `MIN_SIMILARITY_UNSURE` when Whisper itself was unsure of the word, `MIN_SIMILARITY_SOUND_ALONE`
when it was unsure and no other drug sounds as near, and no name of another drug nearly as close) and it has at most
`MAX_LETTERS_RATIO` times the name's letters, unless fewer sounds. The replaced word keeps what Whisper heard in `Word.original`, so
a reviewer sees both; two joined words become one word spanning both.

Just before a dose ("... 40 milligrams") a drug name is expected, and there Whisper, given an unfamiliar
name, writes common words ("met for me 1,000 milligrams" for metformin, "one to look at 10 milligrams" for
montelukast). In that slot only, up to `SLOT_MAX_WORDS` words, English ones too, are matched against the
drug names by sound (Metaphone keys close, relative to the longer key, and spelled alike unless very close)
when Whisper was unsure of them (one under `UNSURE_P`, the mean under `SLOT_MEAN_P`) and no other drug
sounds as close.

A consultation's own vocabulary (the clinic's terms, the upload's, the EHR chart's: `Corrector.preferring`) adds
preferred candidates: when one of them passes the gates it is chosen over the lexicon's terms. A term only that
vocabulary names replaces a heard word only when Whisper was unsure of it (under `UNSURE_P`): the vocabulary is
the clinic's word, not the lexicon's checked data, and a sure word that sounds like it was most likely said.
Toward the vocabulary's terms only (`Corrector.vocabulary_runs`), up to `RUN_MAX_WORDS` words Whisper was unsure
of are matched by sound with looser spelling gates ("noom per mole" for omeprazole), never a word that is a drug
name already, and only when no other drug sounds as close.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import jellyfish

from nlp.english import english_model_path
from nlp.numbers import scan
from nlp.types import Segment, Word
from nlp.words import word_spans

MIN_SIMILARITY = 0.88   # Jaro-Winkler between the heard word and the term
MIN_SIMILARITY_UNSURE = 0.85  # ... when Whisper gave the word a probability under UNSURE_P
UNSURE_P = 0.5
MIN_LETTERS = 5
# An unsure word whose sound only one drug's names come near (no other drug within the sound gate) is that drug when
# spelled this alike: "rasumastatin" (JW 0.81) is rosuvastatin, "listenapral" (0.85) lisinopril (tiny.en on Piper and
# espeak-ng); pravastatin is spelled nearer "rasumastatin" but sounds three edits away.
MIN_SIMILARITY_SOUND_ALONE = 0.8
# A heard word at most this many times the letters of the term, unless it has fewer sounds than the term (its extra
# letters are spelling: "lassick", LSK, is Lasix, LSKS): else a longer word has sounds the name lacks, though its
# first letters, which Jaro-Winkler weighs most, may match ("bumness", BMNS, said numbness, is no Bumex, BMKS).
MAX_LETTERS_RATIO = 1.25
MARGIN = 0.03           # the best term must beat the second best by this much, or nothing is changed
SAME_DRUG_MARGIN = 0.05  # a drug's first-given name replaces a synonym heard at most this much closer
LONG_SOUND_KEY = 8      # names with a Metaphone key this long may differ from the heard word in two sounds
SLOT_MAX_WORDS = 4      # words before a dose that may be one misheard drug name
# A slot's words name a drug when their Metaphone key is within SLOT_CLOSE_SOUND of the name's (edits over the
# longer key), or within SLOT_SOUND_DISTANCE and also spelled alike (Jaro-Winkler SLOT_MIN_SIMILARITY): on the
# rendered consultations "a better" (ABTR) is as far from albuterol (ALBTRL) as "imepentin" from gabapentin, and
# both are let go rather than risk writing the wrong drug.
SLOT_CLOSE_SOUND = 0.25
SLOT_SOUND_DISTANCE = 0.375  # three sounds in eight
SLOT_MIN_SIMILARITY = 0.72
# Across a comma Whisper heard a pause, so the words must sound closer: "Monday, Lucas" (MNTLKS) is montelukast
# (MNTLKST, one sound in seven), "leg, some" (LKSM) no Nexium (NKSM, one sound in four; spironolactone was said).
SLOT_ACROSS_COMMA_SOUND = 0.15
SLOT_MIN_LETTERS = 4  # "lasx 40 mg" for Lasix
SLOT_MEAN_P = 0.6  # a slot's words are matched when Whisper was unsure of one (under UNSURE_P) and of most
SLOT_MIN_LENGTH_RATIO = 0.6  # the slot's letters against the name's: "for me" is too short for furosemide
RUN_MAX_WORDS = 3  # words heard for one drug name ("Spiron Elect on" for spironolactone)
# Toward a term of the consultation's vocabulary only (never the whole lexicon), up to RUN_MAX_WORDS words Whisper was
# unsure of are matched by sound: their Metaphone key within VOCABULARY_CLOSE_SOUND of the term's (edits over the
# longer key), or within VOCABULARY_SOUND_DISTANCE and spelled alike (Jaro-Winkler VOCABULARY_MIN_SIMILARITY):
# "humidinide" for bumetanide, "amplerinone" for eplerenone, "noom per mole" for omeprazole.
VOCABULARY_CLOSE_SOUND = 0.2
VOCABULARY_SOUND_DISTANCE = 0.34
VOCABULARY_MIN_SIMILARITY = 0.78
# The heard letters against the term's: a long phrase is no drug name, and a much shorter word that sounds like
# one is more likely a word the lexicon does not know ("tendon" and tizanidine, "midline" and metolazone: a stress
# check with every word of the ACI-bench dialogues marked unsure).
VOCABULARY_MIN_LENGTH_RATIO = 0.8
VOCABULARY_MAX_LENGTH_RATIO = 1.6
_CORE = re.compile(r"^(?P<lead>\W*)(?P<core>[A-Za-z][A-Za-z'-]*[A-Za-z])(?P<tail>\W*)$")


def english_words() -> frozenset[str]:
    """Lower-case words of spaCy's English vocabulary (en_core_web_sm, about 80 000 strings). A load of about a
    second, so its caller keeps them (the service's Scribe, in its Corrector)."""
    import spacy

    unused = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer", "ner"]
    strings = spacy.load(english_model_path(), exclude=unused).vocab.strings
    return frozenset(text.lower() for text in strings if text.isalpha())


@dataclass(frozen=True)
class Corrector:
    """Matches misheard words to vocabulary terms (drug names, brands, synonyms, symptom words), a term of several
    words by its letters."""

    terms: Mapping[str, str]  # term -> the concept it names (a drug's names, brands and synonyms share one)
    english: frozenset[str]
    min_similarity: float = MIN_SIMILARITY
    dose_units: frozenset[str] = frozenset()  # words that name a dose unit ("milligrams"): a drug name comes before
    preferred: frozenset[str] = frozenset()  # lower-case terms of the consultation's vocabulary
    vocabulary_only: frozenset[str] = frozenset()  # ... of those, the ones the lexicon does not hold

    @classmethod
    def build(cls, vocabulary: Iterable[tuple[str, str]], english: frozenset[str],
              dose_units: Iterable[str] = ()) -> Corrector:
        """`vocabulary`: (term, concept) pairs; a term of several words ("mefenamic acid", "co-codamol") is matched
        by its letters as a one-word term is, one of digits or under 5 letters is not used.
        `dose_units`: single words naming a dose unit (the lexicon's), which mark where a drug name is due."""
        usable = {term: concept for term, concept in vocabulary if is_spellable(term)}
        return cls(usable, english, dose_units=frozenset(unit.lower() for unit in dose_units if unit.isalpha()))

    def preferring(self, vocabulary: Iterable[str]) -> Corrector:
        """This corrector with a consultation's terms as preferred candidates (of letters, 5 or more, in one word or
        several; a term the lexicon holds keeps its concept, any other is a concept of its own)."""
        known = {term.lower(): term for term in self.terms}
        terms = dict(self.terms)
        preferred: set[str] = set()
        added: set[str] = set()
        for term in vocabulary:
            if not is_spellable(term):
                continue
            lower = term.lower()
            preferred.add(lower)
            if lower not in known and lower not in added:
                terms[term] = f"vocabulary:{lower}"
                added.add(lower)
        if not preferred:
            return self
        return replace(self, terms=terms, preferred=frozenset(preferred), vocabulary_only=frozenset(added))

    @cached_property
    def _lower_terms(self) -> frozenset[str]:
        return frozenset(term.lower() for term in self.terms)

    @cached_property
    def _sound_keys(self) -> dict[str, str]:
        """Each term's metaphone key, computed once rather than for every term on every lookup."""
        return {term: jellyfish.metaphone(letters(term)) for term in self.terms}

    @cached_property
    def _letters(self) -> dict[str, str]:
        """Each term's letters, lower-case, without the spaces and hyphens between its words: what heard words
        joined are compared with ("methanamic acid" and mefenamic acid, "co codamol" and co-codamol)."""
        return {term: letters(term) for term in self.terms}

    @cached_property
    def _spoken_terms(self) -> frozenset[tuple[str, ...]]:
        """The words of each term of several words ("co-codamol": ("co", "codamol"))."""
        return frozenset(words for words in map(tuple, map(_words, self.terms)) if len(words) > 1)

    def _said_term(self, words: Sequence[Word], index: int) -> int:
        """How many words from `index` are a term of several words as said ("potassium chloride", "co -codamol"),
        0 when none."""
        longest = max(map(len, self._spoken_terms), default=0)
        cores = [plain(word.w).strip("-") for word in words[index:index + longest]]
        return next((size for size in range(len(cores), 1, -1) if tuple(cores[:size]) in self._spoken_terms), 0)

    def is_term(self, word: str) -> bool:
        """Whether the heard word (punctuation and case aside) is a term already."""
        return plain(word) in self._lower_terms

    def sound_alikes(self, heard: str, limit: int, max_distance: float, *, besides: str = "") -> list[str]:
        """Up to `limit` terms that sound most like `heard` (Metaphone keys within `max_distance` edits over the
        longer key), closest first, one term per concept, none of `besides`'s concept (a term) nor `besides`."""
        concept = next((c for t, c in self.terms.items() if t.lower() == besides.lower()), None)
        key = jellyfish.metaphone(heard.lower())
        # As close in sound, the one spelled more alike first.
        scored = sorted((sound_distance(key, other_key),
                         -jellyfish.jaro_winkler_similarity(heard.lower(), self._letters[other]), other)
                        for other, other_key in self._sound_keys.items()
                        if other.lower() != besides.lower() and (concept is None or self.terms[other] != concept))
        alikes: dict[str, str] = {}
        for distance, _, other in scored:
            if distance > max_distance or len(alikes) == limit:
                break
            alikes.setdefault(self.terms[other], other)
        return list(alikes.values())

    def match(self, heard: str, min_similarity: float | None = None, *, unsure: bool = False) -> str | None:
        """The term `heard` was meant to be, or None when it is a word, a term already, or not close enough.
        `unsure`: Whisper was unsure of the word, which a term only the consultation's vocabulary gives needs."""
        lower = heard.lower()
        if len(lower) < MIN_LETTERS or lower in self.english or lower in self._lower_terms:
            return None
        return self._closest(lower, min_similarity or self.min_similarity, unsure)

    def _closest(self, lower: str, min_similarity: float, unsure: bool = False) -> str | None:
        key = jellyfish.metaphone(lower)
        scored = sorted(((jellyfish.jaro_winkler_similarity(lower, self._letters[term]), term) for term in self.terms
                         if jellyfish.levenshtein_distance(key, self._sound_keys[term])
                         <= _sound_edits(self._sound_keys[term])
                         and (len(lower) <= MAX_LETTERS_RATIO * len(self._letters[term])
                              or len(key) < len(self._sound_keys[term]))
                         and (unsure or term.lower() not in self.vocabulary_only)),
                        reverse=True)
        if unsure and len({self.terms[term] for _, term in scored}) == 1:
            min_similarity = min(min_similarity, MIN_SIMILARITY_SOUND_ALONE)  # one drug sounds like it, none else
        # Of terms spelt about as close, the one that sounds exactly as heard wins, over the consultation's
        # vocabulary too ("prednisalone" is prednisolone, though spelt a little nearer prednisone, and a chart
        # listing prednisone does not make it prednisone).
        sounding = {self.terms[t] for score, t in scored if score >= min_similarity and self._sound_keys[t] == key}
        if len(sounding) == 1:
            scored = [(score, t) for score, t in scored if self.terms[t] in sounding]
        preferred = [(score, term) for score, term in scored
                     if score >= min_similarity and term.lower() in self.preferred]
        scored = preferred or scored
        if not scored or scored[0][0] < min_similarity:
            return None
        best, term = scored[0]
        exact = key == self._sound_keys[term]
        rivals = [score for score, other in scored[1:] if self.terms[other] != self.terms[term]
                  and not (exact and self._sound_keys[other] != key)]
        if rivals and best - rivals[0] < MARGIN:
            return None
        if term.lower() in self.preferred:
            return term  # the consultation's own name for the drug ("prednisolone", which drugs.yaml files as prednisone)
        # Among nearly as close spellings of the same concept, the first given (a drug's name before its synonyms,
        # some of which are misspellings kept for matching: "hydrochlorothiazine").
        close = {other for other in self.terms if self.terms[other] == self.terms[term]
                 and best - jellyfish.jaro_winkler_similarity(lower, self._letters[other]) < SAME_DRUG_MARGIN}
        return next(other for other in self.terms if other in close)

    def correct_word(self, word: Word) -> Word:
        parts = _CORE.match(word.w)
        term = self.match(parts["core"], self._threshold(word.p), unsure=word.p < UNSURE_P) if parts else None
        if parts is None or term is None:
            return word
        return word.model_copy(update={"w": f"{parts['lead']}{_cased(term, parts['core'])}{parts['tail']}",
                                       "original": word.w})

    def correct_pair(self, first: Word, second: Word) -> Word | None:
        """One word for two heard as parts of a drug name ("libid or" -> "Lipitor"), or None."""
        return self.correct_run([first, second])

    def correct_run(self, run: Sequence[Word]) -> Word | None:
        """One word for two or three heard as parts of a drug name ("libid or" -> "Lipitor", "Spiron Elect on" ->
        "spironolactone"), or None. Three words are joined only when Whisper was unsure of one of them."""
        parts = [_CORE.match(word.w) for word in run]
        if any(part is None for part in parts):
            return None
        matched = [part for part in parts if part is not None]
        if any(part["tail"] for part in matched[:-1]) or any(part["lead"] for part in matched[1:]):
            return None
        cores = [part["core"].lower() for part in matched]
        if all(core in self.english for core in cores) or any(core in self._lower_terms for core in cores):
            return None
        p = min(word.p for word in run)
        unsure = p < UNSURE_P
        if len(run) > 2 and not unsure:
            return None
        threshold = self._threshold(p)
        joined = "".join(cores)
        exact = [term for term in self.terms if self._letters[term] == joined]
        term = exact[0] if exact else self.match(joined, threshold, unsure=unsure)
        if term is None:
            return None
        # "lasex to": the drug is the first word alone, and "to" was said; joining would lose it. A word alone that
        # names a drug gives way only when the joined words sound closer to theirs ("Spiron" alone is buspirone,
        # "Spiron Elect on" spironolactone; "metanide" alone is bumetanide, "bu metanide" is it exactly).
        joined_distance = sound_distance(jellyfish.metaphone(joined), self._sound_keys[term])
        for index, core in enumerate(cores):
            if all(other in self.english for other in cores[:index] + cores[index + 1:]):
                alone = self.match(core, threshold, unsure=unsure)
                if alone is not None and \
                        sound_distance(jellyfish.metaphone(core), self._sound_keys[alone]) <= joined_distance:
                    return None
        return Word(w=f"{matched[0]['lead']}{_cased(term, matched[0]['core'])}{matched[-1]['tail']}",
                    start=run[0].start, end=run[-1].end, p=p, original=" ".join(word.w for word in run))

    def vocabulary_runs(self, words: Sequence[Word]) -> dict[int, tuple[int, Word]]:
        """Up to RUN_MAX_WORDS heard words that sound like a term of the consultation's vocabulary, as {first word
        index: (last word index, the term as one word)}, none overlapping.

        The gates are relaxed toward the vocabulary's terms only: Whisper was unsure (a word under UNSURE_P, the
        mean under SLOT_MEAN_P), at least one word is not English, none is a term already (a drug Whisper wrote,
        "atorvastatin" at p 0.34, stays, whichever sound-alike the chart lists), not across punctuation, sound close
        (VOCABULARY_*), and no other concept of the vocabulary or the lexicon sounds as close (as close in sound and
        spelled within MARGIN as alike)."""
        if not self.preferred:
            return {}
        preferred = {term: key for term, key in self._sound_keys.items() if term.lower() in self.preferred}
        spoken = {term: _words(term) for term in preferred}
        heard = [plain(word.w) for word in words]
        found: list[tuple[float, int, float, int, int, str]] = []  # (distance, words - 1, -similarity, first, last, term)
        for first in range(len(words)):
            for last in range(first, min(len(words), first + RUN_MAX_WORDS)):
                if not heard[last].isalpha() or heard[last] in self._lower_terms or \
                        (last > first and words[last - 1].w.rstrip()[-1:] in ".?!,;:"):
                    break
                run, cores = words[first:last + 1], heard[first:last + 1]
                if all(core in self.english for core in cores):
                    continue
                letters = "".join(cores)
                key = jellyfish.metaphone(letters)
                for term, term_key in preferred.items():
                    heard_rest, heard_key, said, said_key = letters, key, self._letters[term], term_key
                    if len(spoken[term]) > 1:
                        # A term of several words is matched when one of its words was heard as said ("acid" of
                        # "methanamic acid"), the others against the rest of the heard words: its letters alone
                        # are too loose ("vitals and" sounds like vitamin d, "vitamin E" would be it but for a
                        # letter).
                        if not any(core in spoken[term] for core in cores):
                            continue
                        heard_rest = "".join(core for core in cores if core not in spoken[term])
                        said = "".join(word for word in spoken[term] if word not in cores)
                        if not heard_rest or not said:
                            continue
                        heard_key, said_key = jellyfish.metaphone(heard_rest), jellyfish.metaphone(said)
                    if not VOCABULARY_MIN_LENGTH_RATIO <= len(heard_rest) / len(said) <= VOCABULARY_MAX_LENGTH_RATIO:
                        continue
                    # Those words heard as said are no doubt about the term: Whisper's unsureness is read on the
                    # other words, as for a one-word term.
                    doubted = [word.p for word, core in zip(run, cores, strict=True) if core not in spoken[term]]
                    if min(doubted) >= UNSURE_P or sum(doubted) / len(doubted) >= SLOT_MEAN_P:
                        continue
                    distance = sound_distance(heard_key, said_key)
                    similarity = jellyfish.jaro_winkler_similarity(heard_rest, said)
                    if distance <= VOCABULARY_CLOSE_SOUND or \
                            (distance <= VOCABULARY_SOUND_DISTANCE and similarity >= VOCABULARY_MIN_SIMILARITY):
                        found.append((distance, last - first, -similarity, first, last, term))
        runs: dict[int, tuple[int, Word]] = {}
        # The closest in sound first; as close, the fewest words ("amplerinone", not "to amplerinone").
        for distance, _, negative_similarity, first, last, term in sorted(found):
            if any(other <= last and first <= end for other, (end, _) in runs.items()):
                continue
            cores = heard[first:last + 1]
            letters = "".join(cores)
            key = jellyfish.metaphone(letters)
            rivals = [(sound_distance(key, other_key), jellyfish.jaro_winkler_similarity(letters, self._letters[other]))
                      for other, other_key in self._sound_keys.items()
                      if self.terms[other] != self.terms[term]]
            if any(other < distance or (other == distance and similarity > -negative_similarity - MARGIN)
                   for other, similarity in rivals):
                continue  # another drug sounds as close: the vocabulary does not decide between them
            runs[first] = (last, named(words[first:last + 1], term))
        return runs

    def dose_slots(self, words: Sequence[Word]) -> list[int]:
        """Indexes of the words where a dose begins: a number followed by a dose unit, or a unit straight after
        a word that is not English (the number lost in it: "lissinaproten milligrams"; "inhaler to puff" is no
        dose)."""
        heard = [plain(word.w) for word in words]
        runs = scan(heard)
        in_number = {index for run in runs for index in range(run.start, run.end)}
        starts = {run.start for run in runs if run.end < len(heard) and heard[run.end] in self.dose_units}
        starts |= {index for index, word in enumerate(heard)
                   if word in self.dose_units and index - 1 >= 0 and index - 1 not in in_number
                   and heard[index - 1].isalpha() and heard[index - 1] not in self.english}
        return sorted(starts)

    def correct_slot(self, words: Sequence[Word], end: int) -> tuple[int, Word] | None:
        """The drug name heard as the words just before `end` (a dose), as (first word index, new word)."""
        found: list[tuple[float, float, int, str]] = []  # (sound distance, -similarity, first index, term)
        for first in range(max(0, end - SLOT_MAX_WORDS), end):
            span = words[first:end]
            cores = [plain(word.w) for word in span]
            if any(not core.isalpha() or core in self._lower_terms for core in cores) or \
                    any(word.w.rstrip()[-1:] in ".?!;:" for word in span[:-1]):  # not across a sentence
                continue
            comma = any(word.w.rstrip().endswith(",") for word in span[:-1])
            probabilities = [word.p for word in span]
            if min(probabilities) >= UNSURE_P or sum(probabilities) / len(span) >= SLOT_MEAN_P:
                continue  # Whisper was sure of what it heard
            letters = "".join(cores)
            if len(letters) < SLOT_MIN_LETTERS:
                continue
            key = jellyfish.metaphone(letters)
            for term, term_key in self._sound_keys.items():
                distance = jellyfish.levenshtein_distance(key, term_key) / max(len(key), len(term_key))
                similarity = jellyfish.jaro_winkler_similarity(letters, self._letters[term])
                if not (distance <= SLOT_CLOSE_SOUND or
                        (distance <= SLOT_SOUND_DISTANCE and similarity >= SLOT_MIN_SIMILARITY)) or \
                        len(letters) < SLOT_MIN_LENGTH_RATIO * len(self._letters[term]) or \
                        (comma and distance > SLOT_ACROSS_COMMA_SOUND):
                    continue
                found.append((distance, -similarity, first, term))
        if not found:
            return None
        found = [candidate for candidate in found if candidate[3].lower() in self.preferred] or found
        rivals: dict[str, float] = {}  # concept -> its closest sound distance
        for candidate in found:
            concept = self.terms[candidate[3]]
            rivals[concept] = min(rivals.get(concept, 1.0), candidate[0])
        distance, _, first, term = min(found)
        concept = self.terms[term]
        if any(other <= distance for rival, other in rivals.items() if rival != concept):
            return None
        # The drug's first-given name that sounds the same ("furosemide", not its synonym "furosemid"), unless the
        # consultation's vocabulary names it.
        if term.lower() not in self.preferred:
            term = next(name for name in self.terms
                        if self.terms[name] == concept and self._sound_keys[name] == self._sound_keys[term])
        return first, named(words[first:end], term)

    def correct(self, segments: Sequence[Segment]) -> list[Segment]:
        """The segments with misheard terms corrected in their words and text."""
        return [self._segment(segment) for segment in segments]

    def _threshold(self, p: float) -> float:
        return MIN_SIMILARITY_UNSURE if p < UNSURE_P else self.min_similarity

    def _segment(self, segment: Segment) -> Segment:
        spans = word_spans(segment)
        words: list[Word] = []
        edits: list[tuple[int, int, str]] = []  # (first word, last word, new text), in order
        # first word -> (last word, the drug name heard there): the vocabulary's first, then before a dose
        slots: dict[int, tuple[int, Word]] = self.vocabulary_runs(segment.words)
        for end in self.dose_slots(segment.words):
            found = self.correct_slot(segment.words, end)
            if found is not None and not any(first <= end - 1 and found[0] <= last
                                             for first, (last, _) in slots.items()):
                slots[found[0]] = (end - 1, found[1])
        index = 0
        while index < len(segment.words):
            word = segment.words[index]
            if index in slots:
                last, named = slots[index]
                words.append(named)
                edits.append((index, last, named.w))
                index = last + 1
                continue
            said = self._said_term(segment.words, index)
            if said:  # a term of several words heard as said: neither joined nor its words corrected one by one
                words.extend(segment.words[index:index + said])
                index += said
                continue
            joined = None
            for size in range(RUN_MAX_WORDS, 1, -1):
                if index + size <= len(segment.words) and not any(index + n in slots for n in range(1, size)):
                    joined = self.correct_run(segment.words[index:index + size])
                    if joined is not None:
                        break
            if joined is not None:
                words.append(joined)
                edits.append((index, index + size - 1, joined.w))
                index += size
                continue
            fixed = self.correct_word(word)
            if fixed is not word:
                edits.append((index, index, fixed.w))
            words.append(fixed)
            index += 1
        if not edits:
            return segment
        return segment.model_copy(update={"words": words, "text": _edited_text(segment, spans, edits)})


def named(run: Sequence[Word], term: str) -> Word:
    """One word naming `term` for the heard words `run`, keeping the punctuation around them, their times, Whisper's
    lowest probability among them and what was heard (`Word.original`)."""
    lead, tail = _CORE.match(run[0].w), _CORE.match(run[-1].w)
    return Word(w=f"{lead['lead'] if lead else ''}{_cased(term, lead['core'] if lead else term)}"
                  f"{tail['tail'] if tail else ''}",
                start=run[0].start, end=run[-1].end, p=min(word.p for word in run),
                original=" ".join(word.w for word in run))


def with_runs(segment: Segment, runs: Mapping[int, tuple[int, Word]]) -> Segment:
    """`segment` with each run of its words ({first index: (last index, the word said)}) replaced, words and text."""
    if not runs:
        return segment
    words: list[Word] = []
    edits: list[tuple[int, int, str]] = []
    index = 0
    while index < len(segment.words):
        if index in runs:
            last, word = runs[index]
            words.append(word)
            edits.append((index, last, word.w))
            index = last + 1
        else:
            words.append(segment.words[index])
            index += 1
    return segment.model_copy(update={"words": words, "text": _edited_text(segment, word_spans(segment), edits)})


def _edited_text(segment: Segment, spans: list[tuple[int, int]] | None, edits: Sequence[tuple[int, int, str]]) -> str:
    """The segment's text with each edit's words (first, last, new text; in order) replaced."""
    text = segment.text
    for first, last, new in reversed(edits):
        if spans is None:
            heard = " ".join(w.w.strip() for w in segment.words[first:last + 1])
            text = text.replace(heard, new.strip(), 1)
        else:
            text = text[:spans[first][0]] + new.strip() + text[spans[last][1]:]
    return text


def _sound_edits(term_key: str) -> int:
    """How far apart two Metaphone keys may be: a long name ("hydrochlorophine" for hydrochlorothiazide,
    HTRXLRFN / HTRXLR0ST) is misheard in more sounds than a short one, and is also less easily confused."""
    return 2 if len(term_key) >= LONG_SOUND_KEY else 1


def sound_distance(key: str, term_key: str) -> float:
    """Edits between two Metaphone keys over the longer key's length."""
    return jellyfish.levenshtein_distance(key, term_key) / max(len(key), len(term_key), 1)


def letters(term: str) -> str:
    """A term's letters, lower-case, without the spaces and hyphens between its words ("Co-codamol" -> "cocodamol",
    "mefenamic acid" -> "mefenamicacid")."""
    return "".join(_words(term))


def _words(term: str) -> list[str]:
    """A term's words, lower-case, a hyphen read as a space ("co-codamol" -> ["co", "codamol"])."""
    return [part for part in re.split(r"[\s-]+", term.lower()) if part]


def is_spellable(term: str) -> bool:
    """Whether a term is matched by its letters: words of letters only (joined by spaces or hyphens), 5 letters or
    more in all."""
    parts = _words(term)
    return bool(parts) and all(part.isalpha() for part in parts) and len("".join(parts)) >= MIN_LETTERS


def plain(word: str) -> str:
    """A heard word lower-cased without the punctuation around it ("Met," -> "met", "1,000." -> "1,000")."""
    return word.strip().strip(".?!,;:\"'()-").lower()


def _cased(term: str, heard: str) -> str:
    """The term capitalised as the heard word was (a brand keeps its own capital)."""
    return term[0].upper() + term[1:] if heard[0].isupper() else term
