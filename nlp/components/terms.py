"""Target and modifier matching: the lexicon's phrases found in a Doc, longest match first."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from typing import get_args

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from wordfreq import zipf_frequency

from nlp.components.context import PAUSES
from nlp.components.extensions import MODIFIERS, TARGETS, register
from nlp.lexicon import EXCLUDE, MEDICATION, TermPattern, normalise
from nlp.types import FindingKind

TARGET_KINDS = frozenset(get_args(FindingKind))
_LOOKED_UP = 50_000  # near-spelling lookups kept (a few MB); a two-hour consultation looks up a few hundred words
_REPEATED = (1, 2)  # words said twice over: "from, from", "short of, short of"
# Exam items one normal word is said of together ("motor and sensation are intact"): each side of the "and" is a head
# of one or two words, the words after it up to this many, the plural verb read as the singular the phrases use.
_SHARED_KINDS = frozenset({"exam"})
_SHARED_HEAD = (1, 2)
_SHARED_REST = 4
_SINGULAR_VERB = {"are": "is", "were": "was", "look": "looks", "seem": "seems", "appear": "appears"}


# A word this long or longer, spelt this near a name (rapidfuzz ratio, 0-1), is that name misheard ("furosmide")
FUZZY_MIN_LENGTH = 7
FUZZY_RATIO = 0.88


def spellings_by_start(names: Iterable[str], min_length: int) -> dict[str, list[str]]:
    """The one-word names of `min_length` letters or more, by their first two letters: where a word's near
    spelling is looked for."""
    found: dict[str, list[str]] = {}
    for name in names:
        if name.isalpha() and len(name) >= min_length:
            found.setdefault(name[:2], []).append(name)
    return found


def near_dictionary_name(word: str, spellings: Mapping[str, list[str]], names: Container[str],
                         ratio: float) -> str | None:
    """The dictionary name `word` is a near spelling of: `word` is no name and no English word (many names lie a
    letter from ordinary words), the name starts with the same two letters and is spelt within `ratio` of it."""
    if word in names or zipf_frequency(word, "en") != 0:
        return None
    best = process.extractOne(word, spellings.get(word[:2], ()), scorer=fuzz.ratio, score_cutoff=ratio * 100)
    return best[0] if best is not None else None


@Language.factory("soapscribe_terms", default_config={"fuzzy_kinds": ["medication"],
                                                     "fuzzy_min_length": FUZZY_MIN_LENGTH, "fuzzy_ratio": FUZZY_RATIO})
def make_term_matcher(nlp: Language, name: str, fuzzy_kinds: list[str], fuzzy_min_length: int,
                      fuzzy_ratio: float) -> TermMatcher:
    register()
    return TermMatcher(nlp, frozenset(fuzzy_kinds), fuzzy_min_length, fuzzy_ratio)


class TermMatcher:
    """Writes `doc.spans["targets"]` (finding kinds) and `doc.spans["modifiers"]` (site, unit, ...).

    Targets never overlap (longest wins, of two as long the later: `longest_then_last`; an `exclude` phrase such as "stomach cramps" swallows
    the target inside it); modifiers overlap only across kinds ("both legs" is a laterality and
    holds the site "legs").

    A long word that no phrase matches but that is spelt nearly like a one-word phrase of a
    `fuzzy_kinds` term (same first two letters, similarity >= `fuzzy_ratio`) is that term: speech
    recognisers misspell drug names ("furosimide", "atorvastin"). Beyond the topic's terms, such a word
    is a drug of the dictionary only when it is no English word at all (wordfreq knows it not): of
    110,000 drug names many lie one letter from an ordinary word ("phosphatate" is near an enzyme),
    while "cisplacin" and "lisonopril" are words of no language.

    A phrase is also found through the words said twice over and the hesitations between its words ("discharge
    from, from down below", "high, uh, blood pressure"), its span from the first to the last word said, when it names
    a term not found over those words as they stand.
    """

    def __init__(self, nlp: Language, fuzzy_kinds: frozenset[str] = frozenset(), fuzzy_min_length: int = FUZZY_MIN_LENGTH,
                 fuzzy_ratio: float = FUZZY_RATIO) -> None:
        self.nlp = nlp
        self.matchers = {False: PhraseMatcher(nlp.vocab, attr="LOWER"), True: PhraseMatcher(nlp.vocab, attr="ORTH")}
        self.patterns: list[TermPattern] = []
        self.fuzzy_kinds = fuzzy_kinds
        self.fuzzy_min_length = fuzzy_min_length
        self.fuzzy_ratio = fuzzy_ratio
        self.spellings: dict[str, dict[str, TermPattern]] = {}  # first two letters -> word -> term
        self.drug_spellings: dict[str, list[str]] = {}  # first two letters -> the dictionary's one-word names
        self.closest: dict[str, TermPattern | None] = {}  # words already looked up
        self.drug_names: Mapping[str, str] = {}
        self.drug_name_tokens = 0
        self.drug_patterns: dict[str, TermPattern] = {}
        self.drug_first_words: frozenset[str] = frozenset()
        self.fillers: frozenset[str] = frozenset()
        self.shared: dict[str, TermPattern] = {}  # an exam phrase, lower case words joined by spaces -> its term

    def add_fillers(self, fillers: Iterable[str]) -> None:
        """Hesitations ("uh", "um") a phrase is found through; of several words ("you know"), none."""
        self.fillers = self.fillers | {filler.lower() for filler in fillers if " " not in filler}

    def add_dictionary(self, names: Mapping[str, str], longest: int) -> None:
        """Drug names matched where no phrase is: normalised name -> medication code (nlp.lexicon.normalise)."""
        self.drug_names = names
        self.drug_name_tokens = longest
        self.drug_first_words = frozenset(name.split(" ", 1)[0] for name in names)  # most words start no name
        self.drug_spellings = spellings_by_start(names, self.fuzzy_min_length)
        self.closest.clear()

    def add(self, patterns: Iterable[TermPattern]) -> None:
        for pattern in patterns:
            key = str(len(self.patterns))
            self.patterns.append(pattern)
            self.matchers[pattern.case_sensitive].add(key, [self.nlp.make_doc(phrase) for phrase in pattern.phrases])
            if pattern.kind in _SHARED_KINDS and not pattern.case_sensitive and not pattern.attributes.get("negated"):
                for phrase in pattern.phrases:
                    self.shared.setdefault(" ".join(t.lower_ for t in self.nlp.make_doc(phrase)), pattern)
            if pattern.kind in self.fuzzy_kinds and not pattern.case_sensitive:
                for phrase in pattern.phrases:
                    word = phrase.lower()
                    if word.isalpha() and len(word) >= self.fuzzy_min_length:
                        self.spellings.setdefault(word[:2], {})[word] = pattern
        self.closest.clear()

    def _misspelt(self, word: str) -> TermPattern | None:
        """The term whose one-word phrase, or the drug whose name, `word` is a near spelling of (cached per word)."""
        if word not in self.closest:
            if len(self.closest) >= _LOOKED_UP:
                self.closest.clear()  # a service runs for months: its misheard names and surnames are not kept forever
            cutoff = self.fuzzy_ratio * 100
            topic = self.spellings.get(word[:2], {})
            best = process.extractOne(word, topic.keys(), scorer=fuzz.ratio, score_cutoff=cutoff)
            found = topic[best[0]] if best is not None else None
            if found is None and MEDICATION in self.fuzzy_kinds:
                name = near_dictionary_name(word, self.drug_spellings, self.drug_names, self.fuzzy_ratio)
                if name is not None:
                    found = self._drug_pattern(self.drug_names[name])
            self.closest[word] = found
        return self.closest[word]

    def _drug_pattern(self, code: str) -> TermPattern:
        pattern = self.drug_patterns.get(code)
        if pattern is None:
            pattern = self.drug_patterns[code] = TermPattern(MEDICATION, code, ())
        return pattern

    def __call__(self, doc: Doc) -> Doc:
        targets: list[Span] = []
        modifiers: dict[str, list[Span]] = {}
        pattern_of: dict[tuple[int, int, str], TermPattern] = {}
        plain: dict[str, list[tuple[int, int]]] = {}
        for matcher in self.matchers.values():
            for match_id, start, end in matcher(doc):
                key = self.nlp.vocab.strings[match_id]
                plain.setdefault(key, []).append((start, end))
                pattern = self.patterns[int(key)]
                span = Span(doc, start, end, label=pattern.kind)
                pattern_of[(start, end, pattern.kind)] = pattern
                if pattern.kind in TARGET_KINDS or pattern.kind == EXCLUDE:
                    targets.append(span)
                else:
                    modifiers.setdefault(pattern.kind, []).append(span)
        for span, pattern in self._disfluent(doc, plain):
            if pattern_of.setdefault((span.start, span.end, span.label_), pattern) is not pattern:
                continue
            if pattern.kind in TARGET_KINDS or pattern.kind == EXCLUDE:
                targets.append(span)
            else:
                modifiers.setdefault(pattern.kind, []).append(span)
        if self.spellings or self.drug_spellings:
            covered = {i for span in targets for i in range(span.start, span.end)}
            for token in doc:
                if token.i in covered or not token.is_alpha or len(token) < self.fuzzy_min_length:
                    continue
                misspelt = self._misspelt(token.lower_)
                if misspelt is not None:
                    targets.append(Span(doc, token.i, token.i + 1, label=misspelt.kind))
                    pattern_of[(token.i, token.i + 1, misspelt.kind)] = misspelt
        if self.drug_names:
            # Where no phrase is: "lisinopril hydrochlorothiazide" said as two known drugs stays two, not one combination.
            taken = {i for span in targets for i in range(span.start, span.end)}
            for span, pattern in self._dictionary_names(doc):
                if not taken.intersection(range(span.start, span.end)):
                    targets.append(span)
                    pattern_of.setdefault((span.start, span.end, span.label_), pattern)
        for span, pattern in self._shared(doc):
            if pattern_of.setdefault((span.start, span.end, span.label_), pattern) is pattern:
                targets.append(span)
        # An excluded phrase ("period cramps") hides the topic's target inside it, not a target that names it whole.
        targets.sort(key=lambda span: span.label_ == EXCLUDE)
        kept_targets = [span for span in longest_then_last(targets) if span.label_ != EXCLUDE]
        for span in kept_targets:
            span._.pattern = pattern_of[(span.start, span.end, span.label_)]
        kept_modifiers = sorted((span for spans in modifiers.values() for span in filter_spans(spans)
                                 if not pattern_of[(span.start, span.end, span.label_)].attributes.get("idiom")),
                                key=lambda span: (span.start, span.end))
        for span in kept_modifiers:
            span._.pattern = pattern_of[(span.start, span.end, span.label_)]
        doc.spans[TARGETS] = kept_targets
        doc.spans[MODIFIERS] = kept_modifiers
        return doc

    def _shared(self, doc: Doc) -> list[tuple[Span, TermPattern]]:
        """Two exam items said with one normal word ("motor and sensation is intact", "pulses and sensation intact"):
        the first head as a finding of its own, the second with the words after it, when each head with those words
        ("motor is intact", "sensation is intact") is a phrase of a different term."""
        found: list[tuple[Span, TermPattern]] = []
        if not self.shared:
            return found
        # Read off the doc once: this runs on every utterance, and indexing a Doc makes a Token each time
        lower = [token.lower_ for token in doc]
        if "and" not in lower:
            return found
        alpha = [token.is_alpha for token in doc]
        punct = [token.is_punct for token in doc]
        for i, word in enumerate(lower):
            if word != "and":
                continue
            for before in _SHARED_HEAD:
                if i - before < 0 or not all(alpha[i - before:i]):
                    continue
                head_a = " ".join(lower[i - before:i])
                for after in _SHARED_HEAD:
                    head_b = " ".join(lower[i + 1:i + 1 + after])
                    for rest in range(1, _SHARED_REST + 1):
                        end = i + 1 + after + rest
                        if end > len(doc) or any(punct[i + 1:end]):
                            break
                        words = " ".join(_SINGULAR_VERB.get(w, w) for w in lower[i + 1 + after:end])
                        first = self.shared.get(f"{head_a} {words}")
                        second = self.shared.get(f"{head_b} {words}")
                        if first is not None and second is not None and first.code != second.code:
                            found.append((Span(doc, i - before, i, label=first.kind), first))
                            found.append((Span(doc, i + 1, end, label=second.kind), second))
        return found

    def _disfluent(self, doc: Doc, plain: Mapping[str, list[tuple[int, int]]]) -> list[tuple[Span, TermPattern]]:
        """Phrases said with words repeated or hesitations between them, as spans of the words said; only those
        that name a term not found over the same words as they stand (`plain`: term key -> spans matched)."""
        fluent = self._fluent(doc)
        if fluent is None:
            return []
        words = Doc(doc.vocab, words=[doc[i].text for i in fluent])
        found = []
        for matcher in self.matchers.values():
            for match_id, start, end in matcher(words):
                first, last = fluent[start], fluent[end - 1] + 1
                if last - first == end - start:
                    continue  # nothing was left out inside it: the plain match has it
                key = self.nlp.vocab.strings[match_id]
                if any(first <= plain_start and plain_end <= last for plain_start, plain_end in plain.get(key, ())):
                    continue
                pattern = self.patterns[int(key)]
                found.append((Span(doc, first, last, label=pattern.kind), pattern))
        return found

    def _fluent(self, doc: Doc) -> list[int] | None:
        """The indices of the words as meant: without a hesitation and the pauses right after it ("a, uh, rash"),
        nor the second saying of a word or two said twice with only pauses and hesitations between ("from, from",
        "short of, short of"); None when nothing is left out (most utterances). A comma elsewhere stays: "fever,
        cough" is two things."""
        lowered = [token.lower_ for token in doc]
        said = [word for word in lowered if word not in PAUSES]
        if self.fillers.isdisjoint(said) and not any(a == b for a, b in zip(said, said[1:])) \
                and not any(a == b for a, b in zip(said, said[2:])):
            return None  # no hesitation, nothing said twice (most utterances): cheap
        left_out: set[int] = set()
        words = []
        for i, token in enumerate(doc):
            if token.is_punct:
                continue
            if lowered[i] not in self.fillers:
                words.append(i)
                continue
            left_out.add(i)
            after = i + 1
            while after < len(doc) and lowered[after] in PAUSES:
                left_out.add(after)
                after += 1
        spoken = [lowered[i] for i in words]
        for n in range(len(words)):
            for width in _REPEATED:
                if n + 2 * width > len(words) or spoken[n] != spoken[n + width] \
                        or spoken[n:n + width] != spoken[n + width:n + 2 * width]:
                    continue
                first, second = words[n:n + width], words[n + width:n + 2 * width]
                if first[-1] - first[0] != width - 1 or second[-1] - second[0] != width - 1:
                    continue  # each saying is said without a break inside
                between = range(first[-1] + 1, second[0])
                if all(lowered[i] in PAUSES or lowered[i] in self.fillers for i in between):
                    left_out.update(between)
                    left_out.update(second)
                    break
        if not left_out:
            return None
        return [i for i in range(len(doc)) if i not in left_out]

    def _dictionary_names(self, doc: Doc) -> list[tuple[Span, TermPattern]]:
        """The longest dictionary name starting at each word, as medication spans."""
        lowered = [token.lower_ for token in doc]
        if not self.drug_first_words.intersection(lowered) and all(word.isalnum() for word in lowered):
            return []  # no word starts a name (most utterances)
        keys = [word if word.isalnum() else normalise(word) for word in lowered]
        found = []
        start = 0
        while start < len(keys):
            if keys[start] not in self.drug_first_words or not keys[start][:1].isalpha():
                start += 1
                continue
            match = None
            for end in range(min(len(keys), start + self.drug_name_tokens), start, -1):
                if not keys[end - 1]:
                    continue
                code = self.drug_names.get(" ".join(key for key in keys[start:end] if key))
                if code is not None:
                    match = (end, code)
                    break
            if match is None:
                start += 1
                continue
            end, code = match
            found.append((Span(doc, start, end, label=MEDICATION), self._drug_pattern(code)))
            start = end
        return found


def longest_then_last(spans: Iterable[Span]) -> list[Span]:
    """Spans that do not overlap, in order: the longest wins, and of two as long the one that ends later, whose last
    word heads the phrase ("the flu vaccine" is a vaccine and "the flu test" a test, not "the flu"). Of two alike, the
    first given wins."""
    ordered = sorted(spans, key=lambda span: (span.end - span.start, span.start), reverse=True)  # stable: ties keep order
    kept: list[Span] = []
    taken: set[int] = set()
    for span in ordered:
        if taken.isdisjoint(range(span.start, span.end)):
            kept.append(span)
            taken.update(range(span.start, span.end))
    return sorted(kept, key=lambda span: span.start)
