"""Subsection builders, registered by name as spaCy registers pipeline components (`@Language.factory`).

A builder takes the visit and its subsection's plan and returns the subsections it drafted (none when nothing
was said; several for a problem-oriented part, one per problem). The note plan names builders; the drafter
looks them up here.
"""

from __future__ import annotations

from collections.abc import Callable

from knowledge.errors import KnowledgeError
from knowledge.note import LOINC, Coding, Sentence, Subsection
from knowledge.notes.plan import SubsectionPlan
from knowledge.notes.visit import Visit

Builder = Callable[[Visit, SubsectionPlan], list[Subsection]]
_BUILDERS: dict[str, Builder] = {}


def builder(name: str) -> Callable[[Builder], Builder]:
    """Register a subsection builder under `name` (the `builder:` of the note plan)."""
    def register(function: Builder) -> Builder:
        if name in _BUILDERS:
            raise KnowledgeError(f"two subsection builders named '{name}'")
        _BUILDERS[name] = function
        return function
    return register


def get_builder(name: str) -> Builder:
    if name not in _BUILDERS:
        raise KeyError(name)
    return _BUILDERS[name]


def builder_names() -> list[str]:
    return sorted(_BUILDERS)


def part(sub: SubsectionPlan, sentences: list[Sentence], problem: str | None = None,
         title: str | None = None) -> list[Subsection]:
    """The subsection of `sub` holding `sentences`; none when there are none (an empty part is left out)."""
    if not sentences:
        return []
    coding = Coding(system=LOINC, code=sub.loinc.code, display=sub.loinc.display)
    return [Subsection(code=sub.code, title=title if title is not None else sub.title, problem=problem,
                       coding=coding, sentences=sentences)]
