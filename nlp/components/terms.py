"""Target and modifier matching: the lexicon's phrases found in a Doc, longest match first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nlp.components.extensions import MODIFIERS, TARGETS, register
from nlp.lexicon import EXCLUDE, TermPattern
from nlp.types import FindingKind

TARGET_KINDS = frozenset(get_args(FindingKind))


@Language.factory("soapscribe_terms")
def make_term_matcher(nlp: Language, name: str) -> TermMatcher:
    register()
    return TermMatcher(nlp)


class TermMatcher:
    """Writes `doc.spans["targets"]` (finding kinds) and `doc.spans["modifiers"]` (site, unit, ...).

    Targets never overlap (longest wins, and an `exclude` phrase such as "stomach cramps" swallows
    the target inside it); modifiers overlap only across kinds ("both legs" is a laterality and
    holds the site "legs").
    """

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.matchers = {False: PhraseMatcher(nlp.vocab, attr="LOWER"), True: PhraseMatcher(nlp.vocab, attr="ORTH")}
        self.patterns: list[TermPattern] = []

    def add(self, patterns: Iterable[TermPattern]) -> None:
        for pattern in patterns:
            key = str(len(self.patterns))
            self.patterns.append(pattern)
            self.matchers[pattern.case_sensitive].add(key, [self.nlp.make_doc(phrase) for phrase in pattern.phrases])

    def __call__(self, doc: Doc) -> Doc:
        targets: list[Span] = []
        modifiers: dict[str, list[Span]] = {}
        pattern_of: dict[tuple[int, int, str], TermPattern] = {}
        for matcher in self.matchers.values():
            for match_id, start, end in matcher(doc):
                pattern = self.patterns[int(self.nlp.vocab.strings[match_id])]
                span = Span(doc, start, end, label=pattern.kind)
                pattern_of[(start, end, pattern.kind)] = pattern
                if pattern.kind in TARGET_KINDS or pattern.kind == EXCLUDE:
                    targets.append(span)
                else:
                    modifiers.setdefault(pattern.kind, []).append(span)
        kept_targets = [span for span in filter_spans(targets) if span.label_ != EXCLUDE]
        for span in kept_targets:
            span._.pattern = pattern_of[(span.start, span.end, span.label_)]
        kept_modifiers = sorted((span for spans in modifiers.values() for span in filter_spans(spans)),
                                key=lambda span: (span.start, span.end))
        for span in kept_modifiers:
            span._.pattern = pattern_of[(span.start, span.end, span.label_)]
        doc.spans[TARGETS] = kept_targets
        doc.spans[MODIFIERS] = kept_modifiers
        return doc
