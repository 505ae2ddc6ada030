"""Guidance: knowledge-base suggestions (causes, work-up, treatment, prevention) from a consultation's findings.

Rules live in the topic's guidance.yaml and cite a section of its article.yaml; a suggestion names the
findings that triggered it (`reasons`), so the clinician sees why it is there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from pydantic import Field, model_validator

from knowledge.applies import load_applies
from knowledge.datafile import DEFAULT_TOPIC, load_model, topic_dir
from knowledge.errors import KnowledgeError
from knowledge.note import ICD10CM, Coding, Suggestion, SuggestionKind, SuggestionSource
from knowledge.wording import Wording, cue_pattern, join_words, load_wording
from nlp.strict import StrictModel
from nlp.types import Assertion, Finding, FindingKind, Findings

# The order a clinician reads suggestions in: what is urgent, then why, then what to check and do.
KIND_ORDER: tuple[SuggestionKind, ...] = ("red_flag", "cause", "workup", "treatment", "prevention", "code")
# ICD-10-CM's shape: letter, digit, digit or letter, then optionally a dot and up to four more (R25.2, E83.42, O26.899).
_ICD10CM_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


class ArticleSection(StrictModel):
    title: str = Field(min_length=1)
    intro: str | None = None  # the sentences before the section's list, when the article has them
    points: list[str] = Field(default_factory=list)


class ArticleFile(StrictModel):
    """article.yaml: the topic's source article."""

    title: str
    updated: date | None = None
    definition: str | None = None
    sections: list[ArticleSection] = Field(min_length=1)


def _affirmed() -> list[Assertion]:
    """A clause's assertions when it names none: the finding is present."""
    return ["present"]


class Clause(StrictModel):
    """Matches a finding when every field that is set agrees with it."""

    kind: FindingKind | None = None
    codes: list[str] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)
    interpretation: list[Literal["low", "normal", "high"]] = Field(default_factory=list)
    assertions: list[Assertion] = Field(default_factory=_affirmed)


class RuleCoding(StrictModel):
    """The code a rule of kind `code` suggests; the system defaults to ICD-10-CM, whose code shape is checked."""

    system: str = ICD10CM
    code: str = Field(min_length=1)
    display: str = Field(min_length=1)

    @model_validator(mode="after")
    def _icd10cm_shape(self) -> RuleCoding:
        if self.system == ICD10CM and not _ICD10CM_CODE.match(self.code):
            raise ValueError(f"'{self.code}' is not an ICD-10-CM code (like R25.2 or E83.42)")
        return self


class Rule(StrictModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: SuggestionKind
    when: list[Clause] = Field(min_length=1)
    unless: list[Clause] = Field(default_factory=list)
    text: str = Field(min_length=1)
    source: str
    # A suggestion must never contradict what the clinician decided: when the clinician already said one
    # of these phrases (ordering, declining or ruling out the same thing), or quoted a decision about the
    # findings behind it in their plan, the point is theirs to make and the rule stays silent.
    settled_by: list[str] = Field(default_factory=list)
    settled_by_plan: bool = False
    # Codes are rules of kind `code` rather than a codes file of their own: the same `when`/`unless` clauses
    # decide when a code applies (G47.62 instead of R25.2 when the cramps are nocturnal), so one matcher and
    # one loader serve advice and codes alike, and a code cites the article section that justifies it.
    coding: RuleCoding | None = None

    @model_validator(mode="after")
    def _coded_when_a_code(self) -> Rule:
        # A code suggestion without its code is prose a coder cannot use; a code on advice would be misread.
        if (self.kind == "code") != (self.coding is not None):
            raise ValueError("a rule has `coding` exactly when its kind is `code`")
        return self


class GuidanceFile(StrictModel):
    """guidance.yaml."""

    rules: list[Rule] = Field(default_factory=list)


@dataclass(frozen=True)
class ClinicianSaid:
    """What the clinician stated (not asked) in a consultation, for rules that step back from their decisions."""

    statements: tuple[str, ...] = ()
    planned: frozenset[str] = frozenset()  # ids of findings the clinician's quoted plan sentences are about


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    template: jinja2.Template
    settled_by: re.Pattern[str]

    def settled(self, said: ClinicianSaid, reasons: list[str]) -> bool:
        if self.rule.settled_by_plan and said.planned.intersection(reasons):
            return True
        return any(self.settled_by.search(text) for text in said.statements)


class Guidance:
    """The topic's guidance rules, validated and compiled once; `suggest` is pure and thread-safe."""

    def __init__(self, topic: str = DEFAULT_TOPIC, folder: Path | None = None, root: Path | None = None) -> None:
        """The topic's data come from `folder` if given, else from `root/topic` (default root: knowledge/topics)."""
        folder = folder or topic_dir(topic, root)
        self.topic = topic
        self.article = load_model(folder / "article.yaml", ArticleFile)
        self.wording: Wording = load_wording(topic, folder)
        self.applies = load_applies(folder)
        rules = load_model(folder / "guidance.yaml", GuidanceFile).rules
        self._rules = self._compile(rules, f"{folder.name}/guidance.yaml")

    def _compile(self, rules: list[Rule], label: str) -> list[_Compiled]:
        titles = {section.title for section in self.article.sections}
        env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
        env.globals.update(names=self._names, classes=self._classes, medicines=self._medicines,
                           several=self._several)
        compiled, seen = [], set()
        for index, rule in enumerate(rules):
            where = f"{label}: rules.{index} ({rule.id})"
            if rule.id in seen:
                raise KnowledgeError(f"{where}: id: duplicate rule id")
            seen.add(rule.id)
            if rule.source not in titles:
                raise KnowledgeError(f"{where}: source: '{rule.source}' is not a section of article.yaml "
                                     f"({', '.join(sorted(titles))})")
            try:
                compiled.append(_Compiled(rule, env.from_string(rule.text), cue_pattern(rule.settled_by)))
            except jinja2.TemplateSyntaxError as exc:
                raise KnowledgeError(f"{where}: text: {exc.message}") from exc
        return compiled

    def suggest(self, findings: Findings, said: ClinicianSaid | None = None) -> list[Suggestion]:
        """The suggestions whose rules match, red flags first, then by kind and file order; numbered s1, s2, ...

        `said` is what the clinician stated; a rule it settles (see `Rule.settled_by`) is left out. A consultation
        the topic does not apply to (applies.yaml) gets none.
        """
        if not self.applies.applies(findings.findings):
            return []
        said = said or ClinicianSaid()
        suggestions: list[Suggestion] = []
        for compiled in sorted(self._rules, key=lambda c: KIND_ORDER.index(c.rule.kind)):
            rule = compiled.rule
            matched = [self._matching(clause, findings.findings) for clause in rule.when]
            if not all(matched) or any(self._matching(clause, findings.findings) for clause in rule.unless):
                continue
            text = " ".join(compiled.template.render(when=matched).split())
            reasons = list(dict.fromkeys(f.id for group in matched for f in group))
            if compiled.settled(said, reasons):
                continue
            coding = Coding(**rule.coding.model_dump()) if rule.coding is not None else None
            suggestions.append(Suggestion(id=f"s{len(suggestions) + 1}", kind=rule.kind, text=text, reasons=reasons,
                                          source=SuggestionSource(topic=self.topic, section=rule.source),
                                          coding=coding))
        return suggestions

    def _matching(self, clause: Clause, findings: Sequence[Finding]) -> list[Finding]:
        return [finding for finding in findings if self._matches(clause, finding)]

    def _matches(self, clause: Clause, finding: Finding) -> bool:
        if clause.kind is not None and finding.kind != clause.kind:
            return False
        if finding.assertion not in clause.assertions or finding.historical:
            return False
        if clause.codes and finding.code not in clause.codes:
            return False
        if clause.classes and not (self.wording.classes_of(finding.code) & set(clause.classes)):
            return False
        interpretation = finding.attributes.get("interpretation")
        return not clause.interpretation or interpretation in clause.interpretation

    def _names(self, findings: Sequence[Finding]) -> str:
        return join_words(list(dict.fromkeys(self.wording.name(f) for f in findings)))

    def _classes(self, findings: Sequence[Finding]) -> str:
        codes = [f.attributes.get("drug_class", f.code) for f in findings]
        return join_words(list(dict.fromkeys(self.wording.label(code) for code in codes)))

    def _medicines(self, findings: Sequence[Finding]) -> str:
        """Each medicine with its class ("furosemide (loop diuretic)"), or "a statin" when only the class was said."""
        return join_words(list(dict.fromkeys(self.wording.with_class(f) for f in findings)))

    def _several(self, findings: Sequence[Finding]) -> bool:
        """More than one distinct thing is named, so the sentence needs a plural verb ("are low")."""
        return len({self.wording.name(f) for f in findings}) > 1

