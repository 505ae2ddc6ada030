"""When a topic applies to a consultation (a topic's applies.yaml), and which concepts are the topic's alone.

A consultation about a wrist fracture is not about leg cramps: the leg-cramp topic's own concepts (timing of
the cramps, age as a risk factor) are no findings of it, and its guidance is not shown. The rule is data, so a
second topic says when it applies without code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from knowledge.datafile import load_model
from nlp.types import Assertion, Finding, FindingKind

APPLIES_FILE = "applies.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConceptRule(_Strict):
    """Findings of a kind, of a code when given, with one of the assertions when given."""

    kind: FindingKind
    code: str | None = None
    assertion: list[Assertion] = []

    def holds(self, finding: Finding) -> bool:
        return finding.kind == self.kind and (self.code is None or finding.code == self.code) \
            and (not self.assertion or finding.assertion in self.assertion)


class Applies(_Strict):
    """applies.yaml. No file: the topic applies to every consultation (a topic written before the rule)."""

    when_any: list[ConceptRule] = Field(default_factory=list)
    owned: list[ConceptRule] = Field(default_factory=list)

    def applies(self, findings: Iterable[Finding]) -> bool:
        return not self.when_any or any(rule.holds(f) for f in findings for rule in self.when_any)

    def owned_by_topic(self, finding: Finding) -> bool:
        return any(rule.holds(finding) for rule in self.owned)

    def visit_findings(self, findings: list[Finding]) -> list[Finding]:
        """The findings, without the topic's own concepts when the topic does not apply."""
        if self.applies(findings):
            return findings
        return [finding for finding in findings if not self.owned_by_topic(finding)]


def load_applies(folder: Path) -> Applies:
    path = folder / APPLIES_FILE
    return load_model(path, Applies) if path.is_file() else Applies()
