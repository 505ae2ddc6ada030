"""When a topic applies to a consultation (a topic's applies.yaml), and which concepts are the topic's alone.

A consultation about a wrist fracture is not about leg cramps: the leg-cramp topic's own concepts (timing of
the cramps, age as a risk factor) are no findings of it, and its guidance is not shown. The rule is data, so a
second topic says when it applies without code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import Field

from knowledge.datafile import load_model
from nlp.strict import StrictModel as _Strict
from nlp.types import Assertion, Finding, FindingKind

APPLIES_FILE = "applies.yaml"


class ConceptRule(_Strict):
    """Findings of a kind, of a code when given, with one of the assertions and sites when given."""

    kind: FindingKind
    code: str | None = None
    assertion: list[Assertion] = []
    sites: list[str] = []
    # Only when none of these words is in what was said for it: a cramp said of no leg ("is it cramping, the tummy
    # pain?") is the topic's alone, where "night cramps" or "muscle cramps" say what the general pack means too.
    said_with_none: list[str] = []

    def holds(self, finding: Finding) -> bool:
        return finding.kind == self.kind and (self.code is None or finding.code == self.code) \
            and (not self.assertion or finding.assertion in self.assertion) \
            and (not self.sites or finding.attributes.get("site") in self.sites) \
            and not (self.said_with_none and said_with(finding, self.said_with_none))


class AppliesRule(ConceptRule):
    """A concept that makes the topic apply, alone or only beside another (`with_any`): cramps said with no
    place are the topic's when their timing or the electrolytes are discussed too, not as a tummy's cramps."""

    with_any: list[ConceptRule] = []
    # Only when one of these words is in what was said for it ("charley horse", "leg cramps"; "cramps" alone may
    # be a tummy's).
    said_with_any: list[str] = []
    # The other concept said within this many utterances of this one ("I cramp up when I run"), when given.
    near: int | None = Field(default=None, ge=0)

    def holds_in(self, finding: Finding, findings: list[Finding]) -> bool:
        if self.said_with_any and not said_with(finding, self.said_with_any):
            return False
        return self.holds(finding) and (not self.with_any or any(
            rule.holds(other) and self._close(finding, other) for other in findings for rule in self.with_any))

    def _close(self, finding: Finding, other: Finding) -> bool:
        return self.near is None or any(abs(a.segment - b.segment) <= self.near
                                        for a in finding.evidence for b in other.evidence)


class Applies(_Strict):
    """applies.yaml. No file: the topic applies to every consultation (a topic written before the rule)."""

    when_any: list[AppliesRule] = Field(default_factory=list)
    owned: list[ConceptRule] = Field(default_factory=list)

    def applies(self, findings: Iterable[Finding]) -> bool:
        found = list(findings)
        return not self.when_any or any(rule.holds_in(f, found) for f in found for rule in self.when_any)

    def owned_by_topic(self, finding: Finding) -> bool:
        return any(rule.holds(finding) for rule in self.owned)

    def owns(self, kind: str, code: str) -> bool:
        """Whether a concept of this kind and code is the topic's alone, whatever its assertion and place."""
        return any(rule.kind == kind and rule.code in (None, code) for rule in self.owned)

    def visit_findings(self, findings: list[Finding]) -> list[Finding]:
        """The findings, without the topic's own concepts when the topic does not apply."""
        if self.applies(findings):
            return findings
        return [finding for finding in findings if not self.owned_by_topic(finding)]


def said_with(finding: Finding, words: list[str]) -> bool:
    """Whether one of `words` is a word of what was said for the finding."""
    return any(set(evidence.text.lower().split()) & set(words) for evidence in finding.evidence)


def load_applies(folder: Path) -> Applies:
    path = folder / APPLIES_FILE
    return load_model(path, Applies) if path.is_file() else Applies()
