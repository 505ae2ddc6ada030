"""Drafting: a SOAP note from a transcript and its findings, a loop over the note plan.

Each subsection of the plan (knowledge/note_plan/plan.yaml) is drafted by the builder it names, registered
in knowledge/notes/; every sentence cites the findings and the words it was written from. The clinician's words
drive the Assessment and Plan; knowledge-base guidance goes only into `suggestions`, each attached to the
problem it concerns, never into the clinician's sections.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Imported for their registrations: each module registers its builders by name.
import knowledge.notes.history  # noqa: F401
import knowledge.notes.objective_plan  # noqa: F401
from knowledge.datafile import DEFAULT_TOPIC
from knowledge.errors import KnowledgeError
from knowledge.guidance import ClinicianSaid, Guidance
from knowledge.note import SECTION_TITLES, Note, Section, Subsection, Suggestion
from knowledge.notes.plan import NotePlan, load_plan
from knowledge.notes.registry import builder_names, get_builder
from knowledge.notes.register import Writer
from knowledge.notes.visit import Visit
from knowledge.wording import Wording
from nlp.types import Findings, Transcript


class Drafter:
    """Drafts notes for one topic and one note plan; loads the data once, then `draft` is pure and thread-safe."""

    def __init__(self, topic: str = DEFAULT_TOPIC, root: Path | None = None, plan_dir: Path | None = None) -> None:
        self.guidance = Guidance(topic, root=root)
        self.wording: Wording = self.guidance.wording
        self.plan: NotePlan = load_plan(plan_dir)
        self.writer = Writer(self.plan.language)
        for s, section in enumerate(self.plan.sections):
            for i, sub in enumerate(section.subsections):
                try:
                    get_builder(sub.builder)
                except KeyError:
                    raise KnowledgeError(
                        f"note_plan/plan.yaml: sections.{s}.subsections.{i}.builder: no builder '{sub.builder}' "
                        f"(known: {', '.join(builder_names())})") from None

    def draft(self, transcript: Transcript, findings: Findings) -> Note:
        found = self.guidance.applies.visit_findings(findings.findings)
        visit = Visit(transcript, found, self.plan, self.writer, self.wording,
                      topical=self.guidance.applies.applies(findings.findings))
        sections = []
        for section in self.plan.sections:
            parts: list[Subsection] = []
            for sub in section.subsections:
                parts += get_builder(sub.builder)(visit, sub)
            sections.append(Section(code=section.code, title=SECTION_TITLES[section.code],
                                    sentences=[s for p in parts for s in p.sentences], subsections=parts))
        plan_sentences = [s for p in sections[3].subsections for s in p.sentences]
        said = ClinicianSaid(statements=tuple(c.said for c in visit.clauses if c.speaker != "patient"
                                              and not c.question),
                             planned=frozenset(fid for s in plan_sentences for fid in s.finding_ids))
        return Note(sections=sections, suggestions=_attached(self.guidance.suggest(findings, said), visit))


def _attached(suggestions: list[Suggestion], visit: Visit) -> list[Suggestion]:
    """Each suggestion with the problem it concerns: the problem whose findings or words hold one of its
    reasons, else the first problem (the topic applies to the visit's complaint)."""
    named = [p for p in visit.problems if p.name]
    if not named:
        return suggestions
    attached = []
    for suggestion in suggestions:
        reasons = set(suggestion.reasons)
        problem = next((p for p in named if reasons & {f.id for f in p.findings}), None) or \
            next((p for p in named if reasons & {f.id for c in p.clauses for f in c.findings}), named[0])
        attached.append(suggestion.model_copy(update={"problem": problem.name}))
    return attached


@lru_cache(maxsize=8)
def drafter(topic: str = DEFAULT_TOPIC, root: Path | None = None, plan_dir: Path | None = None) -> Drafter:
    """The topic's drafter, built once per process, topics folder (`root`; None: knowledge/topics) and note plan
    folder (`plan_dir`, a clinic's; None: knowledge/note_plan)."""
    return Drafter(topic, root, plan_dir)


def draft_note(transcript: Transcript, findings: Findings, topic: str = DEFAULT_TOPIC,
               root: Path | None = None, plan_dir: Path | None = None) -> Note:
    """A draft SOAP note for a consultation, with knowledge-base suggestions kept apart."""
    return drafter(topic, root, plan_dir).draft(transcript, findings)
