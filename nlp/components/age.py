"""A stated age ("I'm 67", "sixty-eight years old") over the lexicon's threshold becomes a condition."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.extensions import MODIFIERS, NUMBERS, TARGETS, details, register
from nlp.components.spans import as_number, starting_at
from nlp.lexicon import AGE_BLOCKER, AGE_CUE, TermPattern

CONDITION = "condition"
MAX_AGE = 120


@Language.factory("soapscribe_age")
def make_age_finder(nlp: Language, name: str) -> AgeFinder:
    register()
    return AgeFinder()


class AgeFinder:
    """Reads ages next to an `age_cue` modifier.

    A cue's attributes say where the number sits (`position`: before "I am 67" / after "67 years
    old"), the condition `code` to give and the age it must be `over`. A number followed by an
    `age_blocker` ("thirty two weeks pregnant") is not an age.
    """

    def __call__(self, doc: Doc) -> Doc:
        numbers = list(doc.spans[NUMBERS])
        modifiers = list(doc.spans[MODIFIERS])
        targets = list(doc.spans[TARGETS])
        taken = {i for target in targets for i in range(target.start, target.end)}
        for cue in (m for m in modifiers if m.label_ == AGE_CUE):
            options = cue._.pattern.attributes
            number = self._number(doc, cue, numbers, options.get("position", "before"))
            if number is None or starting_at(modifiers, number.end, AGE_BLOCKER) is not None:
                continue
            age = number._.number
            start, end = min(cue.start, number.start), max(cue.end, number.end)
            if not 0 < age <= MAX_AGE or age <= options.get("over", 0) or taken & set(range(start, end)):
                continue
            span = Span(doc, start, end, label=CONDITION)
            span._.pattern = TermPattern(kind=CONDITION, code=options["code"], phrases=())
            details(span)["age"] = as_number(age)
            targets.append(span)
            taken |= set(range(start, end))
        doc.spans[TARGETS] = sorted(targets, key=lambda span: span.start)
        return doc

    @staticmethod
    def _number(doc: Doc, cue: Span, numbers: list[Span], position: str) -> Span | None:
        if position == "before":
            return next((n for n in numbers if n.start == cue.end), None)
        gap = cue.start - 1 if cue.start and doc[cue.start - 1].text == "-" else cue.start
        return next((n for n in numbers if n.end == gap), None)
