"""The custom attributes the soapscribe components write, registered in one place.

Targets (`doc.spans["targets"]`) and modifiers (`doc.spans["modifiers"]`) carry `pattern`, the
TermPattern that matched; targets also carry `assertion`, `historical`, `in_question`, `value`,
`unit` and `details`; numbers (`doc.spans["numbers"]`) carry `number`. `Doc._.answer` says whether
an utterance opens with yes/no, `Doc._.echoes` which of its sentences after the first are an answer alone
("No, OK."); `Doc._.follows_up` whether it opens asking about what was just named ("Where are
they?").
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

from nlp.lexicon import TermPattern

TARGETS = "targets"
MODIFIERS = "modifiers"
NUMBERS = "numbers"

_SPAN_DEFAULTS: dict[str, Any] = {
    "assertion": "present", "historical": False, "in_question": False,
    "value": None, "unit": None, "details": None, "number": None,
}


def _get_pattern(span: Span) -> TermPattern | None:
    return _patterns(span.doc).get((span.label_, span.start, span.end))


def _set_pattern(span: Span, pattern: TermPattern) -> None:
    # Keyed by label too: a modifier span may be a dose unit and an age blocker at once ("milligrams").
    span.doc._.patterns[(span.label_, span.start, span.end)] = pattern


def register() -> None:
    """Declare the extensions once; safe to call from every component factory."""
    if not Doc.has_extension("patterns"):
        Doc.set_extension("patterns", getter=_patterns)
    if not Span.has_extension("pattern"):
        Span.set_extension("pattern", getter=_get_pattern, setter=_set_pattern)
    for name, default in _SPAN_DEFAULTS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    if not Doc.has_extension("answer"):
        Doc.set_extension("answer", default=None)
    if not Doc.has_extension("echoes"):
        Doc.set_extension("echoes", default=())
    if not Doc.has_extension("follows_up"):
        Doc.set_extension("follows_up", default=False)


def _patterns(doc: Doc) -> dict[tuple[str, int, int], TermPattern]:
    patterns: dict[tuple[str, int, int], TermPattern] = doc.user_data.setdefault("soapscribe_patterns", {})
    return patterns


def details(span: Span) -> dict[str, Any]:
    """The span's attribute dict (site, dose, ...), created on first use."""
    if span._.details is None:
        span._.details = {}
    found: dict[str, Any] = span._.details
    return found
