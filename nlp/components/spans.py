"""Small span queries shared by the components (which spans of a group lie in a token range)."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span


def within(spans: Iterable[Span], start: int, end: int, label: str | None = None) -> list[Span]:
    """Spans that start in tokens [start, end) (and, when given, have `label`), in text order."""
    return sorted((span for span in spans if start <= span.start < end and (label is None or span.label_ == label)),
                  key=lambda span: span.start)


def starting_at(spans: Iterable[Span], index: int, label: str) -> Span | None:
    """The span of `label` that starts exactly at token `index`, if any."""
    return next((span for span in spans if span.start == index and span.label_ == label), None)


def distance(a: Span, b: Span) -> int:
    """Tokens between two spans (0 when adjacent or overlapping)."""
    return max(0, b.start - a.end, a.start - b.end)


def as_number(value: float) -> int | float:
    """40.0 -> 40, so doses read as said."""
    return int(value) if value == int(value) else value


def first_dose(numbers: Iterable[Span], modifiers: Iterable[Span], unit_label: str) -> dict[str, int | float | str] | None:
    """The first number followed by a dose unit ("40 mg"), as a dose; None when no number has one."""
    said = list(modifiers)
    for number in numbers:
        unit = starting_at(said, number.end, unit_label)
        if unit is not None:
            return {"value": as_number(number._.number), "unit": unit._.pattern.code}
    return None
