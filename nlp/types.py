"""Domain types shared by every stage: the transcript and the findings contract.

The JSON form of these models is the public contract (see DESIGN.md): field
names here are the field names in the API, the CLI output and the database.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from nlp.attributes import BY_KIND, check
from nlp.strict import StrictModel

Role = Literal["clinician", "patient", "other"]
FindingKind = Literal["symptom", "timing", "medication", "electrolyte", "lab", "condition", "allergy", "vital",
                      "exam", "imaging", "order", "follow_up", "social"]
Assertion = Literal["present", "absent", "possible", "hypothetical", "family"]


class Word(StrictModel):
    """One recognised word with its time span and the recogniser's confidence."""

    w: str
    start: float
    end: float
    p: float = 1.0
    original: str | None = None  # what the recogniser heard, when vocabulary correction changed `w`


class Segment(StrictModel):
    """One utterance: a speaker's turn (text input) or an ASR segment (audio)."""

    id: int
    speaker: Role = "other"
    voice: str | None = None  # which diarized voice spoke ("S1", "S2", ... or "ch1", "ch2"), for audio
    start: float | None = None
    end: float | None = None
    text: str
    words: list[Word] = Field(default_factory=list)


class SpeakerRole(StrictModel):
    """A diarized voice's role, and whether the caller said it or it was inferred from what the voice said."""

    voice: str
    role: Role
    source: Literal["caller", "inferred"] = "inferred"


class Transcript(StrictModel):
    language: str = "en"
    duration: float | None = None
    segments: list[Segment] = Field(default_factory=list)
    speakers: list[SpeakerRole] = Field(default_factory=list)  # one per voice of a diarized recording

    @property
    def text(self) -> str:
        return "\n".join(segment.text for segment in self.segments)


class Evidence(StrictModel):
    """Where a finding was said: character offsets into one segment's text, and its times."""

    segment: int
    start: int
    end: int
    text: str
    t0: float | None = None
    t1: float | None = None


class Finding(StrictModel):
    """One clinical concept of the consultation, merged over all its mentions."""

    id: str
    kind: FindingKind
    code: str
    text: str
    assertion: Assertion = "present"
    historical: bool = False
    value: float | None = None
    unit: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)  # the kind's model in nlp/attributes.py
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _attributes_fit_the_kind(self) -> Finding:
        check(self.kind, self.attributes)
        return self

    @property
    def typed(self) -> BaseModel:
        """The attributes as the kind's typed model (nlp/attributes.py)."""
        return BY_KIND[self.kind].model_validate(self.attributes)


class Findings(StrictModel):
    findings: list[Finding] = Field(default_factory=list)
