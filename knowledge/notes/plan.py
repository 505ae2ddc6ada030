"""The note plan, the clinic's style and the written register: data files, validated at load.

`load_plan()` reads knowledge/note_plan/plan.yaml (or a clinic's folder) and the style and register files it
names; every error names the file and field ("note_plan/plan.yaml: sections.0.subsections.2.builder: ...").
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from knowledge.datafile import load_model
from knowledge.errors import KnowledgeError
from knowledge.note import SectionCode
from nlp.strict import StrictModel as _Strict
from nlp.types import Assertion, FindingKind

PLAN_DIR = Path(__file__).resolve().parent.parent / "note_plan"


class Loinc(_Strict):
    code: str = Field(pattern=r"^\d{1,7}-\d$")
    display: str = Field(min_length=1)


class SubsectionPlan(_Strict):
    """One subsection: its builder, the findings that feed it, its phrase patterns and its LOINC code."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    builder: str = Field(min_length=1)
    kinds: list[FindingKind] = Field(default_factory=list)
    assertions: list[Assertion] = Field(default_factory=list)
    exclude_codes: list[str] = Field(default_factory=list)
    # ICD-10-CM code starts of conditions taken only when said of the past ("S", "T14.8": an injury said today is
    # today's problem, "twisted my knee" no medical history; "I broke my wrist in 2010" is).
    past_only_icd10: list[str] = Field(default_factory=list)
    # Per kind, the only codes taken ("condition: [smoking]"); kinds not named take every code.
    codes_for_kind: dict[FindingKind, list[str]] = Field(default_factory=dict)
    phase: str | None = None
    phrases: dict[str, str] = Field(default_factory=dict)
    # Codes that name a topic, not a fact ("occupation", "living situation"): written as the clause that says it
    # ("He works part-time as a lorry driver."), where one holds the finding, rather than "Reports occupation."
    told_codes: list[str] = Field(default_factory=list)
    loinc: Loinc


class SectionPlan(_Strict):
    code: SectionCode
    subsections: list[SubsectionPlan] = Field(min_length=1)


class Style(_Strict):
    """A clinic's house style: subsection titles, their order within each SOAP section, sentence patterns."""

    name: str = Field(min_length=1)
    titles: dict[str, str] = Field(default_factory=dict)
    order: dict[SectionCode, list[str]] = Field(default_factory=dict)
    lengths: dict[str, int] = Field(default_factory=dict)
    # Per subsection code, sentence patterns overriding the plan's; `history` holds the openings of the history.
    phrases: dict[str, dict[str, str]] = Field(default_factory=dict)


class PhaseCues(_Strict):
    exam: list[str] = Field(default_factory=list)
    exam_start: list[str] = Field(default_factory=list)
    exam_elsewhere: list[str] = Field(default_factory=list)
    results: list[str] = Field(default_factory=list)
    reading: list[str] = Field(default_factory=list)
    plan_start: list[str] = Field(default_factory=list)
    impression: list[str] = Field(default_factory=list)
    plan_items: list[str] = Field(default_factory=list)
    problem_openers: list[str] = Field(default_factory=list)


class Register(_Strict):
    """How speech becomes written note language (register.yaml)."""

    fillers: list[str] = Field(default_factory=list)
    pleasantries: list[str] = Field(default_factory=list)
    greetings: list[str] = Field(default_factory=list)
    assistant_cues: list[str] = Field(default_factory=list)
    openers: list[str] = Field(default_factory=list)
    clinician_openers: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    contractions: dict[str, str] = Field(default_factory=dict)
    patient_person: dict[str, str] = Field(default_factory=dict)
    we_kept_before: list[str] = Field(default_factory=list)
    clinician_person: dict[str, str] = Field(default_factory=dict)
    subject_after: list[str] = Field(default_factory=list)
    subject_before: list[str] = Field(default_factory=list)
    dangling: list[str] = Field(default_factory=list)
    observed: list[str] = Field(default_factory=list)
    broken_off: list[str] = Field(default_factory=list)
    paused_after: list[str] = Field(default_factory=list)
    restarts: list[str] = Field(default_factory=list)
    broken_off_words: int = Field(default=6, ge=1)
    paused_words: int = Field(default=3, ge=1)
    repeat_ignored: list[str] = Field(default_factory=list)
    identity_checks: list[str] = Field(default_factory=list)
    report_openers: list[str] = Field(default_factory=list)
    reported: list[str] = Field(default_factory=list)
    report_opener_words: int = Field(default=6, ge=1)
    negators: list[str] = Field(default_factory=list)
    meta: list[str] = Field(default_factory=list)
    transitions: list[str] = Field(default_factory=list)
    answer_qualifiers: list[str] = Field(default_factory=list)
    agreement: dict[str, str] = Field(default_factory=dict)
    phase_cues: PhaseCues = Field(default_factory=PhaseCues)
    written: dict[str, str] = Field(default_factory=dict)
    question_openers: list[str] = Field(default_factory=list)
    questions_whatever_the_mark: list[str] = Field(default_factory=list)
    instructed: list[str] = Field(default_factory=list)
    asks_within: list[str] = Field(default_factory=list)
    clause_markers: list[str] = Field(default_factory=list)


class PlanFile(_Strict):
    style: str = Field(min_length=1)
    language: str = Field(min_length=1)
    sections: list[SectionPlan] = Field(min_length=4, max_length=4)


class NotePlan(_Strict):
    """The plan with its style applied: sections in SOAP order, subsections in the style's order and titles."""

    sections: list[SectionPlan]
    style: Style
    language: Register

    def subsection(self, code: str) -> SubsectionPlan | None:
        return next((sub for section in self.sections for sub in section.subsections if sub.code == code), None)

    def phrase(self, subsection: SubsectionPlan, key: str, default: str = "{}") -> str:
        """A sentence pattern: the style's if it has one, else the plan's, else `default`."""
        styled = self.style.phrases.get(subsection.code, {}).get(key)
        return styled or subsection.phrases.get(key, default)


def _styled(plan: PlanFile, style: Style, label: str) -> list[SectionPlan]:
    """The plan's sections with the style's titles and order; a style naming a subsection the plan lacks is an
    error naming both (a clinic's typo must not silently drop a part of every note)."""
    known = {sub.code for section in plan.sections for sub in section.subsections}
    named = [("titles", list(style.titles)), ("lengths", list(style.lengths)), ("phrases", [k for k in style.phrases if k != "history"]),
             *((f"order.{k}", v) for k, v in style.order.items())]
    for where, codes in named:
        missing = [code for code in codes if code not in known]
        if missing:
            raise KnowledgeError(f"{label}: {where}: no subsection {', '.join(missing)} in the note plan "
                                 f"(known: {', '.join(sorted(known))})")
    sections = []
    for section in plan.sections:
        subs = [sub.model_copy(update={"title": style.titles.get(sub.code, sub.title)}) for sub in section.subsections]
        order = style.order.get(section.code)
        if order:
            rank = {code: i for i, code in enumerate(order)}
            subs.sort(key=lambda sub: rank.get(sub.code, len(rank)))
        sections.append(SectionPlan(code=section.code, subsections=subs))
    return sections


@lru_cache(maxsize=8)
def load_plan(folder: Path | None = None) -> NotePlan:
    """The note plan of `folder` (default: the built-in knowledge/note_plan), its style and register applied."""
    folder = folder or PLAN_DIR
    plan = load_model(folder / "plan.yaml", PlanFile)
    codes = [section.code for section in plan.sections]
    if codes != ["subjective", "objective", "assessment", "plan"]:
        raise KnowledgeError(f"note_plan/plan.yaml: sections: must be subjective, objective, assessment, plan "
                             f"in that order (got {', '.join(codes)})")
    style = load_model(folder / plan.style, Style)
    language = load_model(folder / plan.language, Register)
    return NotePlan(sections=_styled(plan, style, f"{folder.name}/{plan.style}"), style=style, language=language)
