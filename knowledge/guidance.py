"""Guidance: knowledge-base suggestions (causes, work-up, treatment, prevention) from a consultation's findings.

Rules live in the topic's guidance.yaml and cite a section of its article.yaml; a suggestion names the
findings that triggered it (`reasons`), so the clinician sees why it is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field

from knowledge.datafile import DEFAULT_TOPIC, load_model, topic_dir
from knowledge.errors import KnowledgeError
from knowledge.note import Suggestion, SuggestionKind, SuggestionSource
from knowledge.wording import Wording, join_words, load_wording
from nlp.types import Assertion, Finding, FindingKind, Findings


# The order a clinician reads suggestions in: what is urgent, then why, then what to check and do.
KIND_ORDER: tuple[SuggestionKind, ...] = ("red_flag", "cause", "workup", "treatment", "prevention", "code")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArticleSection(_Strict):
    title: str = Field(min_length=1)
    points: list[str] = Field(default_factory=list)


class ArticleFile(_Strict):
    """article.yaml: the topic's source article."""

    title: str
    updated: date | None = None
    sections: list[ArticleSection] = Field(min_length=1)


class Clause(_Strict):
    """Matches a finding when every field that is set agrees with it."""

    kind: FindingKind | None = None
    codes: list[str] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)
    interpretation: list[Literal["low", "normal", "high"]] = Field(default_factory=list)
    assertions: list[Assertion] = Field(default_factory=lambda: ["present"])


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: SuggestionKind
    when: list[Clause] = Field(min_length=1)
    unless: list[Clause] = Field(default_factory=list)
    text: str = Field(min_length=1)
    source: str


class GuidanceFile(_Strict):
    """guidance.yaml."""

    rules: list[Rule] = Field(default_factory=list)


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    template: jinja2.Template


class Guidance:
    """The topic's guidance rules, validated and compiled once; `suggest` is pure and thread-safe."""

    def __init__(self, topic: str = DEFAULT_TOPIC, folder: Path | None = None) -> None:
        folder = folder or topic_dir(topic)
        self.topic = topic
        self.article = load_model(folder / "article.yaml", ArticleFile)
        self.wording: Wording = load_wording(topic, folder)
        rules = load_model(folder / "guidance.yaml", GuidanceFile).rules
        self._rules = self._compile(rules, f"{folder.name}/guidance.yaml")

    def _compile(self, rules: list[Rule], label: str) -> list[_Compiled]:
        titles = {section.title for section in self.article.sections}
        env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
        env.globals.update(names=self._names, classes=self._classes)
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
                compiled.append(_Compiled(rule, env.from_string(rule.text)))
            except jinja2.TemplateSyntaxError as exc:
                raise KnowledgeError(f"{where}: text: {exc.message}") from exc
        return compiled

    def suggest(self, findings: Findings) -> list[Suggestion]:
        """The suggestions whose rules match, red flags first, then by kind and file order; numbered s1, s2, ..."""
        suggestions = []
        for compiled in sorted(self._rules, key=lambda c: KIND_ORDER.index(c.rule.kind)):
            rule = compiled.rule
            matched = [self._matching(clause, findings.findings) for clause in rule.when]
            if not all(matched) or any(self._matching(clause, findings.findings) for clause in rule.unless):
                continue
            text = " ".join(compiled.template.render(when=matched).split())
            reasons = list(dict.fromkeys(f.id for group in matched for f in group))
            suggestions.append(Suggestion(id=f"s{len(suggestions) + 1}", kind=rule.kind, text=text, reasons=reasons,
                                          source=SuggestionSource(topic=self.topic, section=rule.source)))
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
