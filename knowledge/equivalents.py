"""Codings that say the same clinical fact, and codes that are a more specific form of a broader one.

The data is `general/relations/equivalents.yaml`: `same` groups codings (kind, code, assertion) a clinician reads
as one fact ("sensation intact" = "no sensory deficit"); `narrower` lists, under a broad code, codes that are
that finding at a place or of a type (leg swelling is a swelling). A found finding matches a gold one when it
says at least as much: one fact either way, or a narrower code asserted (a broader one denied). Every code named
must be one the knowledge base can give for its kind, so a typo or a renamed term stops the load with the file,
the entry and its line.

The evaluator matches through them (docs/evaluation.md); the drafting of a note could use the same declarations
to avoid saying one fact twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

from pydantic import Field, model_validator

from knowledge.datafile import GENERAL_DIR, line_of, load_model
from knowledge.errors import KnowledgeError
from nlp.strict import StrictModel
from nlp.types import Assertion, FindingKind

EQUIVALENTS_FILE = GENERAL_DIR / "relations" / "equivalents.yaml"
# Denying the specific form does not deny the broad one ("no low back pain" is not "no back pain"), but denying the
# broad one denies every specific form: for a denied finding the narrower rule runs the other way.
DENIED: Assertion = "absent"

Concept = tuple[str, str]  # (kind, code)
Coded = tuple[str, str, str]  # (kind, code, assertion)


class Coding(StrictModel):
    """One way to code a fact: a kind, a code and, when the fact depends on it, the assertion."""

    kind: FindingKind
    code: str
    assertion: Assertion | None = None  # None: any assertion, the same on every coding of the group

    def label(self) -> str:
        return f"{self.kind} {self.code}" + ("" if self.assertion is None else f" {self.assertion}")


class SameFact(StrictModel):
    """Codings a clinician reads as one fact; `why` says why (it is the reviewer's evidence)."""

    why: str = Field(min_length=10)
    codings: list[Coding] = Field(min_length=2)

    @model_validator(mode="after")
    def _assertions_all_or_none(self) -> SameFact:
        stated = {coding.assertion is None for coding in self.codings}
        if len(stated) > 1:
            raise ValueError("either every coding of a group states its assertion or none does")
        return self


class Narrower(StrictModel):
    """Codes of one kind that are the `broad` finding at a place or of a type; `why` says why."""

    why: str = Field(min_length=10)
    kind: FindingKind
    broad: str
    narrow: list[str] = Field(min_length=1)


class EquivalentsFile(StrictModel):
    same: list[SameFact] = []
    narrower: list[Narrower] = []


@dataclass(frozen=True)
class Equivalents:
    """Which codings are one fact (both ways) and which codes are narrower than another (one way)."""

    same: dict[Coded, frozenset[Coded]] = field(default_factory=dict)
    broader: dict[Concept, frozenset[str]] = field(default_factory=dict)  # (kind, narrow code) -> broad codes

    @classmethod
    def none(cls) -> Equivalents:
        """No declarations: codings match only when identical."""
        return cls()

    def matches(self, gold: Coded, found: Coded) -> bool:
        """Whether `found` says at least what `gold` says: the same coding, a coding declared the same fact, or,
        with the same assertion, a code that entails the gold's. An asserted narrow finding entails its broad one
        (leg swelling present: swelling present); a denied broad finding entails its narrow ones (no allergies:
        no drug allergy); never the other way."""
        if gold == found or found in self.same.get(gold, frozenset()):
            return True
        kind, code, assertion = found
        if kind != gold[0] or assertion != gold[2]:
            return False
        if assertion == DENIED:
            return code in self.broader.get((kind, gold[1]), frozenset())
        return gold[1] in self.broader.get((kind, code), frozenset())


def load_equivalents(known: set[Concept], path: Path = EQUIVALENTS_FILE) -> Equivalents:
    """Read and check the declarations; `known` is every (kind, code) the knowledge base can give.

    A code the knowledge base does not know, a group that repeats a coding, or a code narrower than itself stops
    the load with a KnowledgeError naming the file, the entry and its line.
    """
    data = load_model(path, EquivalentsFile)
    label = f"{path.parent.name}/{path.name}"

    def fail(loc: tuple[int | str, ...], what: str) -> KnowledgeError:
        where = ".".join(str(part) for part in loc)
        return KnowledgeError(f"{label}: {where}: {what}{line_of(path, loc)}")

    def check(loc: tuple[int | str, ...], kind: str, code: str) -> None:
        if (kind, code) not in known:
            raise fail(loc, f"'{code}' is no {kind} code of the knowledge base")

    same: dict[Coded, set[Coded]] = {}
    for index, group in enumerate(data.same):
        for position, coding in enumerate(group.codings):
            check(("same", index, "codings", position), coding.kind, coding.code)
        for facts in _facts(group):
            for one in facts:
                if one in same:
                    raise fail(("same", index), f"'{' '.join(one)}' is in two groups (merge them)")
            for one in facts:
                same[one] = facts - {one}
    broader: dict[Concept, set[str]] = {}
    for index, entry in enumerate(data.narrower):
        check(("narrower", index, "broad"), entry.kind, entry.broad)
        for position, code in enumerate(entry.narrow):
            check(("narrower", index, "narrow", position), entry.kind, code)
            if code == entry.broad:
                raise fail(("narrower", index, "narrow", position), f"'{code}' is not narrower than itself")
            broader.setdefault((entry.kind, code), set()).add(entry.broad)
    return Equivalents({key: frozenset(value) for key, value in same.items()},
                       {key: frozenset(value) for key, value in broader.items()})


def _facts(group: SameFact) -> list[set[Coded]]:
    """The sets of (kind, code, assertion) that are one fact: the group itself when it states assertions, else
    one set per assertion (a code that is another for every assertion is so with the assertion kept)."""
    if group.codings[0].assertion is not None:
        return [{(c.kind, c.code, c.assertion) for c in group.codings if c.assertion is not None}]
    return [{(c.kind, c.code, assertion) for c in group.codings} for assertion in get_args(Assertion)]
