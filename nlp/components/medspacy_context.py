"""Assertion by medspaCy's ConText (its default rules), in place of `soapscribe_context`: for comparison only.

medspaCy (requirements/medspacy.txt) is imported when the component is made, so the default pipeline never
needs it. ConText decides `_.assertion` and `_.historical` on `doc.spans["targets"]`; `_.in_question` comes from
our question detection as in `soapscribe_context`, so the dialogue rules (a question asserts nothing, the
answer settles it) are the same for both. `own_cues` adds our cue list (knowledge/general/cues.yaml) as
ConText rules on top of the default ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.context import (
    ATTRIBUTIVE, CIRCUMSTANCE, CONCERN, CONCERNS, CONDITIONAL, FILLER, HISTORICAL, IMPRESSION, OPTION, OTHERS, PSEUDO,
    RISK, TERMINATE,
    QuestionMarker, apply, right_after,
)
from nlp.components.extensions import TARGETS, register
from nlp.lexicon import NO_QUESTION_CUES, ContextRule, QuestionCues

# medspaCy's categories in our words; a category not listed (none of the default rules has one) is ignored.
CATEGORIES = {
    "NEGATED_EXISTENCE": "absent", "POSSIBLE_EXISTENCE": "possible", "HYPOTHETICAL": "hypothetical",
    "FAMILY": "family", "HISTORICAL": HISTORICAL, "CONDITIONAL": CONDITIONAL,
}
OURS = {ours: theirs for theirs, ours in CATEGORIES.items()} | {TERMINATE: "TERMINATE", PSEUDO: "PSEUDO",
                                                                 # our marked categories, as the assertion they give
                                                                 IMPRESSION: "POSSIBLE_EXISTENCE",
                                                                 CONCERN: "POSSIBLE_EXISTENCE",
                                                                 OPTION: "HYPOTHETICAL", RISK: "HYPOTHETICAL",
                                                                 OTHERS: "HYPOTHETICAL",
                                                                 CIRCUMSTANCE: "HYPOTHETICAL"}
DIRECTIONS = {"forward": "FORWARD", "backward": "BACKWARD", "both": "BIDIRECTIONAL"}


@Language.factory("soapscribe_medspacy_context", default_config={"own_cues": False})
def make_medspacy_context(nlp: Language, name: str, own_cues: bool) -> MedspacyContext:
    register()
    return MedspacyContext(nlp, own_cues)


class MedspacyContext:
    """Sets `_.assertion` and `_.historical` from medspaCy's ConText, `_.in_question` from our question detection."""

    def __init__(self, nlp: Language, own_cues: bool = False) -> None:
        from medspacy.context import ConText

        # span_attrs=None: read each target's `_.modifiers` rather than medspaCy's own is_negated etc.
        self.context = ConText(nlp, rules="default", span_attrs=None, input_span_type="group",
                               span_group_name=TARGETS)
        self.questions = QuestionMarker(nlp)
        self.own_cues = own_cues

    def add(self, rules: Iterable[ContextRule], questions: QuestionCues = NO_QUESTION_CUES) -> None:
        """The same arguments as `soapscribe_context`; `rules` are used only with `own_cues`."""
        if self.own_cues:
            self.context.add([converted for rule in rules for converted in as_medspacy(rule)])
        self.questions.add(questions)

    def __call__(self, doc: Doc) -> Doc:
        targets, marks = self.questions.begin(doc)
        if not targets:
            return doc
        self.context(doc)
        for target in targets:
            for modifier in target._.modifiers:
                category = CATEGORIES.get(modifier.category)
                if category is not None:
                    apply(target, category)
        self.questions(doc, targets, marks)
        return doc


def as_medspacy(rule: ContextRule) -> list[Any]:
    """One of our cue rules as medspaCy ConTextRules, one per phrase; fillers have no medspaCy rule."""
    from medspacy.context import ConTextRule

    if rule.category in (FILLER, ATTRIBUTIVE):  # a hesitation; a place's word qualifying only the word said before it,
        return []  # which medspaCy's scopes cannot say
    if rule.category in (TERMINATE, PSEUDO):
        direction = OURS[rule.category]
    else:
        direction = DIRECTIONS[rule.direction]

    def modifies(target: Span, modifier: Span, between: Span) -> bool:
        following = modifier.doc[modifier.end].lower_ if modifier.end < len(modifier.doc) else ""
        return following not in rule.not_followed_by and not right_after(target, rule.not_after)

    return [ConTextRule(phrase, OURS[rule.category], direction=direction, max_scope=rule.max_scope,
                        on_modifies=modifies if rule.not_followed_by or rule.not_after else None,
                        allowed_types={CONCERNS} if rule.category == CONCERN else None)
            for phrase in rule.phrases]
