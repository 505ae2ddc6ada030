"""How findings read in a note (note.yaml): display names, timing phrases, site plurals, plan cues."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from knowledge.datafile import DEFAULT_TOPIC, load_model, topic_dir
from knowledge.lexicon import Drug, TopicLexicon, load_lexicon
from nlp.strict import StrictModel
from nlp.types import Finding


class NoteWordingFile(StrictModel):
    """note.yaml."""

    labels: dict[str, str] = Field(default_factory=dict)
    # What a topic's code is called where the topic does not apply (applies.yaml): cramps said of no leg in a
    # consultation about a tummy ache are "cramps", not "leg cramps".
    off_topic_labels: dict[str, str] = Field(default_factory=dict)
    timing: dict[str, str] = Field(default_factory=dict)
    site_plurals: dict[str, str] = Field(default_factory=dict)
    # Read by no code since the note plan (knowledge/note_plan/register.yaml holds the cues, the visit decides
    # its chief complaint); accepted so that a topic written before still loads.
    plan_cues: list[str] = Field(default_factory=list)
    chief_complaint: list[str] = Field(default_factory=list)
    impression_cues: list[str] = Field(default_factory=list)
    # What the consultation is about, in prose ("Leg cramps"): opens the speech recogniser's prompt. Unset:
    # the article's title, which may be cased as a heading.
    topic_name: str | None = Field(default=None, min_length=1)


@dataclass(frozen=True)
class Wording:
    """Words for findings, from the topic's note.yaml and drug names."""

    file: NoteWordingFile
    lexicon: TopicLexicon

    def label(self, code: str) -> str:
        """What a code is called in prose: `furosemide`, `leg cramps`, `peripheral artery disease`."""
        if code in self.file.labels:
            return self.file.labels[code]
        drug = self._drug(code)
        return drug.display_name if drug else code.replace("_", " ")

    def _drug(self, code: str) -> Drug | None:
        return next((d for d in self.lexicon.drugs.drugs if d.code == code), None)

    def name(self, finding: Finding, topical: bool = True) -> str:
        """`topical`: the topic applies to the consultation (applies.yaml)."""
        if not topical and finding.code in self.file.off_topic_labels:
            return self.file.off_topic_labels[finding.code]
        return self.label(finding.code)

    def said_as(self, finding: Finding) -> str | None:
        """The brand or other name a drug was said by ("Ventolin" for albuterol), so a reader can match the
        note's generic name to the transcript; None when the generic itself was said."""
        drug = self._drug(finding.code)
        if drug is None:
            return None
        said = finding.text.lower()
        # A brand before a synonym, and the shortest phrase that was said: "Ventolin", not "Ventolin inhaler".
        for phrase in [*sorted(drug.brands, key=len), *sorted(drug.synonyms, key=len)]:
            if re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", said):
                return phrase
        return None

    def is_drug_class(self, code: str) -> bool:
        """True for a class code ("diuretic"): the patient named the kind of medicine, not the medicine."""
        return any(cls.code == code for cls in self.lexicon.drugs.classes)

    def with_class(self, medication: Finding) -> str:
        """`furosemide (loop diuretic)`; a class said without a drug reads "a statin", never "statin (statin)"."""
        name = self.name(medication)
        if self.is_drug_class(medication.code):
            return indefinite(name)
        return f"{name} ({self.label(medication.attributes.get('drug_class', medication.code))})"

    def timing(self, code: str) -> str:
        return self.file.timing.get(code, self.label(code))

    def sites(self, site: str) -> str:
        return self.file.site_plurals.get(site, f"{site}s")

    @staticmethod
    def place(site: str) -> str:
        """A site code in words ("low_back" -> "low back"), as a note writes where something is."""
        return site.replace("_", " ")

    def classes_of(self, code: str) -> set[str]:
        return self.lexicon.classes_of(code)


def cue_pattern(phrases: list[str]) -> re.Pattern[str]:
    """A pattern matching any of `phrases` as whole words, case-insensitively; never matches when empty."""
    if not phrases:
        return re.compile(r"(?!)")
    cues = sorted(phrases, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(cue) for cue in cues) + r")(?!\w)", re.IGNORECASE)


def indefinite(noun: str) -> str:
    """`a statin`, `an inhaler`."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def capital(text: str) -> str:
    """The text with its first letter capital (the rest as said: "COPD", "iPhone" stay)."""
    return text[:1].upper() + text[1:]


def join_words(words: list[str], conjunction: str = "and") -> str:
    """`a`, `a and b`, `a, b and c` (a negated list joins with "or": "Denies fever, chills or nausea.")."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def load_wording(topic: str = DEFAULT_TOPIC, folder: Path | None = None) -> Wording:
    folder = folder or topic_dir(topic)
    return Wording(file=load_model(folder / "note.yaml", NoteWordingFile), lexicon=load_lexicon(topic, folder))
