"""The SOAP note: sections of evidence-linked sentences, and knowledge-base suggestions kept apart.

The JSON form of these models is the public contract of `soapscribe draft --format json` and
`GET /v1/consultations/{id}/note` (DESIGN.md, "Notes").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SectionCode = Literal["subjective", "objective", "assessment", "plan"]
SuggestionKind = Literal["cause", "workup", "treatment", "prevention", "red_flag", "code"]
NoteStatus = Literal["draft", "signed"]
# How every rendering (templates, FHIR) titles a kind of suggestion.
KIND_TITLES: dict[SuggestionKind, str] = {
    "red_flag": "Red flag", "cause": "Possible cause", "workup": "Work-up", "treatment": "Treatment",
    "prevention": "Prevention", "code": "Code",
}


def topic_title(topic: str) -> str:
    """A topic id as a reader sees it: `leg_cramps` -> "Leg cramps"."""
    return topic.replace("_", " ").capitalize()


# Where a suggestion is shown: what may explain the case beside the clinician's assessment, what to do
# beside their plan. Suggestions are never inside a section's sentences.
SUGGESTION_PLACE: dict[SuggestionKind, SectionCode] = {
    "red_flag": "assessment", "cause": "assessment", "code": "assessment",
    "workup": "plan", "treatment": "plan", "prevention": "plan",
}
SECTION_TITLES: dict[SectionCode, str] = {
    "subjective": "Subjective", "objective": "Objective", "assessment": "Assessment", "plan": "Plan",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteEvidence(_Model):
    """Where in the consultation a sentence is supported: a character span of one segment, and its times."""

    segment: int
    start: int
    end: int
    t0: float | None = None
    t1: float | None = None


class Sentence(_Model):
    text: str = Field(min_length=1)
    finding_ids: list[str] = Field(default_factory=list)
    evidence: list[NoteEvidence] = Field(default_factory=list)


class SuggestionSource(_Model):
    """The knowledge-base section a suggestion comes from, so the clinician can read it there."""

    topic: str
    section: str


ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
# Short names of the code systems a reader knows, for rendering a coding ("R25.2 Cramp and spasm (ICD-10-CM)").
SYSTEM_NAMES = {ICD10CM: "ICD-10-CM", LOINC: "LOINC"}


class Coding(_Model):
    """A code of a terminology, as FHIR's Coding: the system's URI, the code, and the system's display text."""

    system: str = Field(min_length=1)
    code: str = Field(min_length=1)
    display: str = Field(min_length=1)


class Subsection(_Model):
    """A part of a SOAP section (chief complaint, physical exam, one problem's plan), as the note plan names it.

    `problem` is set on the problem-oriented subsections of Assessment and Plan: the clinician's name for the
    problem, the same in both sections. `coding` is the subsection's LOINC section code, for FHIR.
    """

    code: str = Field(min_length=1)
    title: str
    problem: str | None = None
    coding: Coding | None = None
    sentences: list[Sentence] = Field(default_factory=list)


class Section(_Model):
    """One SOAP section. `sentences` is every sentence of the section in order (the contract the API, the
    review app and edits rely on); `subsections` groups the same sentences as the note plan drafted them."""

    code: SectionCode
    title: str
    sentences: list[Sentence] = Field(default_factory=list)
    subsections: list[Subsection] = Field(default_factory=list)

    def subsections_coded(self, code: str) -> list[Subsection]:
        """The subsections with this code (several for a problem-oriented part), for a clinic's template."""
        return [part for part in self.subsections if part.code == code]

    def parts(self) -> list[Subsection]:
        """The subsections to show: the drafted ones while they still hold exactly the section's sentences,
        else (the sentences were edited as a flat list) one untitled part holding them all."""
        drafted = [sentence for part in self.subsections for sentence in part.sentences]
        if self.subsections and drafted == self.sentences:
            return self.subsections
        return [Subsection(code=self.code, title="", sentences=self.sentences)] if self.sentences else []


class Suggestion(_Model):
    id: str
    kind: SuggestionKind
    text: str
    reasons: list[str] = Field(default_factory=list)
    source: SuggestionSource
    # Set on suggestions of kind "code" (an ICD-10-CM code to consider); absent from notes drafted before codes.
    coding: Coding | None = None
    # The problem of the Assessment and Plan the suggestion concerns (its `problem` name), when the note has one.
    problem: str | None = None


class Note(_Model):
    sections: list[Section] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)

    @property
    def has_content(self) -> bool:
        """False when nothing clinical was found: the renderings then say so instead of showing empty headings."""
        return any(section.sentences for section in self.sections)

    def section(self, code: SectionCode) -> Section:
        """The section with this code (every drafted note has all four)."""
        return next(section for section in self.sections if section.code == code)

    def suggestions_in(self, code: SectionCode) -> list[Suggestion]:
        """The suggestions shown under a section: red flags, causes and codes under Assessment, the rest under Plan."""
        return [s for s in self.suggestions if SUGGESTION_PLACE[s.kind] == code]
