"""Drafting: a SOAP note from a transcript and its findings, every sentence linked to its evidence.

The clinician's own words drive Subjective, Objective and Plan; Assessment quotes the clinician's
impression and summarises what was said about the chief complaint and what may be behind it. Knowledge-base guidance goes only into
`suggestions`, never into the clinician's sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from knowledge.datafile import DEFAULT_TOPIC
from knowledge.guidance import ClinicianSaid, Guidance
from knowledge.note import SECTION_TITLES, Note, NoteEvidence, Section, SectionCode, Sentence
from knowledge.wording import Wording, indefinite, join_words
from nlp.types import Finding, Findings, Segment, Transcript
from nlp.words import span_times

# A decimal point between digits ("magnesium 0.1 mg") does not end a sentence: cut there, a quote would say "0.".
_SENTENCE = re.compile(r"(?:[^.!?]|(?<=\d)\.(?=\d))+[.!?]*")


def _evidence(findings: Iterable[Finding]) -> list[NoteEvidence]:
    spans = {}
    for finding in findings:
        for ev in finding.evidence:
            spans.setdefault((ev.segment, ev.start, ev.end),
                             NoteEvidence(segment=ev.segment, start=ev.start, end=ev.end, t0=ev.t0, t1=ev.t1))
    return [spans[key] for key in sorted(spans)]


def _evidence_by_segment(findings: list[Finding]) -> dict[int, list[tuple[int, int, int]]]:
    """(finding index, start, end) of every evidence span, by segment: a quoted sentence looks only at its own
    segment's spans, not at every span of the consultation (which made drafting quadratic in its length)."""
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for index, finding in enumerate(findings):
        for ev in finding.evidence:
            spans.setdefault(ev.segment, []).append((index, ev.start, ev.end))
    return spans


def _sentence(text: str, findings: list[Finding]) -> Sentence:
    return Sentence(text=text, finding_ids=[f.id for f in findings], evidence=_evidence(findings))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _current(finding: Finding) -> bool:
    return finding.assertion == "present" and not finding.historical


class Drafter:
    """Drafts notes for one topic; loads its data once, then `draft` is pure and thread-safe."""

    def __init__(self, topic: str = DEFAULT_TOPIC, root: Path | None = None) -> None:
        self.guidance = Guidance(topic, root=root)
        self.wording: Wording = self.guidance.wording
        self._plan_cue = self.wording.plan_cue()
        self._impression_cue = self.wording.impression_cue()

    def draft(self, transcript: Transcript, findings: Findings) -> Note:
        found = findings.findings
        impressions, plans, statements = self._clinician_statements(transcript, found)
        said = ClinicianSaid(statements=tuple(statements),
                             planned=frozenset(fid for sentence in plans for fid in sentence.finding_ids))
        sections: dict[SectionCode, list[Sentence]] = {
            "subjective": self._subjective(found, quoted={fid for sentence in impressions
                                                          for fid in sentence.finding_ids}),
            "objective": self._objective(found),
            "assessment": impressions + self._assessment(found),
            "plan": plans + self._proposed(found, plans),
        }
        return Note(sections=[Section(code=code, title=SECTION_TITLES[code], sentences=sentences)
                              for code, sentences in sections.items()],
                    suggestions=self.guidance.suggest(findings, said))

    # Subjective ---------------------------------------------------------------------------------

    def _subjective(self, found: list[Finding], quoted: set[str]) -> list[Sentence]:
        """The history; `quoted` are findings the clinician's quoted impression already states (a suspected
        condition belongs to Assessment in their words, not to the history as well)."""
        sentences = []
        chief = [f for f in found if f.kind == "symptom" and f.code in self.wording.file.chief_complaint]
        timings = [f for f in found if f.kind == "timing"]
        for symptom in chief:
            if _current(symptom):
                sentences.append(self._complaint(symptom, [t for t in timings if _current(t)]))
            elif symptom.assertion == "absent":
                sentences.append(_sentence(f"Denies {self.wording.name(symptom)}.", [symptom]))
            elif symptom.assertion == "present":
                sentences.append(_sentence(f"Previously had {self._symptom_words(symptom)}.", [symptom]))
        for timing in timings:
            if timing.assertion == "absent":
                sentences.append(_sentence(f"Not {self.wording.timing(timing.code)}.", [timing]))
        others = [f for f in found if f.kind == "symptom" and f not in chief]
        sentences += self._grouped([f for f in others if f.assertion != "absent"], present="Also reports {}.",
                                   possible="Possibly {}.", past="Previously had {}.", word=self._symptom_words)
        sentences += self._grouped([f for f in found if f.kind == "symptom"], family="Family history of {}.",
                                   word=self.wording.name)
        sentences += self._grouped(others, absent="Denies {}.", word=self.wording.name)
        sentences += self._medications([f for f in found if f.kind == "medication"])
        conditions = [f for f in found if f.kind == "condition"
                      and not (f.assertion == "possible" and f.id in quoted)]
        sentences += self._grouped(conditions, present="Relevant history: {}.", possible="Possible {}.",
                                   absent="No {}.", past="Past history of {}.", family="Family history of {}.",
                                   word=self._condition_words)
        return sentences

    def _complaint(self, symptom: Finding, timings: list[Finding]) -> Sentence:
        parts = [_capital(self.wording.name(symptom)) + self._where(symptom)]
        if timings:
            parts.append(join_words([self.wording.timing(t.code) for t in timings]))
        attributes = symptom.attributes
        if attributes.get("frequency"):
            parts.append(str(attributes["frequency"]))
        if attributes.get("onset"):
            parts.append(f"since {attributes['onset']}")
        if attributes.get("duration"):
            parts.append(f"each lasting {attributes['duration']}")
        return _sentence(", ".join(parts) + ".", [symptom, *timings])

    def _where(self, symptom: Finding) -> str:
        site, side = symptom.attributes.get("site"), symptom.attributes.get("laterality")
        if side == "bilateral":
            return f" in both {self.wording.sites(site or 'leg')}"
        if site and side:
            return f" in the {side} {site}"
        if site:
            return f" in the {site}"
        return f" in the {side} leg" if side else ""

    def _symptom_words(self, finding: Finding) -> str:
        return self.wording.name(finding) + self._where(finding)

    def _condition_words(self, finding: Finding) -> str:
        age = finding.attributes.get("age")
        return f"age {age}" if age is not None else self.wording.name(finding)

    def _grouped(self, found: list[Finding], word: Callable[[Finding], str], **phrases: str) -> list[Sentence]:
        """One sentence per assertion ("Denies numbness and tingling."), in the order of `phrases`."""
        sentences = []
        for key, phrase in phrases.items():
            group = [f for f in found if self._bucket(f) == key]
            if group:
                sentences.append(_sentence(_capital(phrase.format(join_words([word(f) for f in group]))), group))
        return sentences

    @staticmethod
    def _bucket(finding: Finding) -> str:
        if finding.assertion == "present":
            return "past" if finding.historical else "present"
        return finding.assertion

    def _medications(self, medications: list[Finding]) -> list[Sentence]:
        sentences = []
        for finding in medications:
            if finding.assertion == "hypothetical":
                continue  # proposed medicines belong to the plan
            described = self._dose(finding)
            if _current(finding):
                text = f"Takes {described}."
            elif finding.assertion == "present":
                text = f"Previously took {described}."
            elif finding.assertion == "absent":
                name = self.wording.name(finding)
                text = f"Not taking {indefinite(name) if self.wording.is_drug_class(finding.code) else name}."
            elif finding.assertion == "possible":
                text = f"May be taking {described}."
            else:
                continue
            sentences.append(_sentence(text, [finding]))
        return sentences

    def _dose(self, finding: Finding) -> str:
        if self.wording.is_drug_class(finding.code):
            return f"{indefinite(self.wording.name(finding))} (name not said)"
        words = [self.wording.name(finding)]
        said_as = self.wording.said_as(finding)
        if said_as:
            words.append(f"({said_as})")
        dose = finding.attributes.get("dose")
        if isinstance(dose, dict) and dose.get("value") is not None:
            words.append(f"{dose['value']:g} {dose.get('unit') or ''}".strip())
        for key in ("route", "frequency"):
            if finding.attributes.get(key):
                words.append(str(finding.attributes[key]))
        return " ".join(words)

    # Objective ----------------------------------------------------------------------------------

    def _objective(self, found: list[Finding]) -> list[Sentence]:
        sentences = []
        for finding in found:
            if finding.kind not in ("electrolyte", "lab") or finding.assertion != "present":
                continue
            name = _capital(self.wording.name(finding))
            interpretation = finding.attributes.get("interpretation")
            if finding.value is not None:
                text = f"{name} {finding.value:g} {finding.unit or ''}".rstrip()
                text += f" ({interpretation})." if interpretation else "."
            elif interpretation:
                text = f"{name} reported {interpretation}."
            else:
                continue
            sentences.append(_sentence(text, [finding]))
        return sentences

    # Assessment ---------------------------------------------------------------------------------

    def _assessment(self, found: list[Finding]) -> list[Sentence]:
        chief = [f for f in found if f.kind == "symptom" and f.code in self.wording.file.chief_complaint
                 and _current(f)]
        if not chief:
            return []
        timings = [f for f in found if f.kind == "timing" and _current(f)]
        abnormal = [f for f in found if f.kind in ("electrolyte", "lab") and f.assertion == "present"
                    and f.attributes.get("interpretation") in ("low", "high")]
        culprits = [f for f in found if f.kind == "medication" and _current(f) and f.attributes.get("cramp_mechanism")]
        conditions = [f for f in found if f.kind == "condition" and _current(f)]
        text = join_words([_capital(self.wording.name(f)) for f in chief])
        if timings:
            text += " " + join_words([self.wording.timing(t.code) for t in timings])
        factors = [f"{f.attributes['interpretation']} {self.wording.name(f)}" for f in abnormal]
        factors += [self._condition_words(f) for f in conditions]
        if factors:
            text += ", with " + join_words(factors)
        if culprits:
            text += ", taking " + join_words([self.wording.with_class(f) for f in culprits])
        return [_sentence(text + ".", [*chief, *timings, *abnormal, *conditions, *culprits])]

    # Plan ---------------------------------------------------------------------------------------

    def _clinician_statements(self, transcript: Transcript,
                              found: list[Finding]) -> tuple[list[Sentence], list[Sentence], list[str]]:
        """The clinician's own impression and plan sentences, quoted as said (not the patient's, not questions),
        and every sentence the clinician stated, for guidance to step back from what they decided.

        A sentence with an impression cue ("I think", "most likely") goes to Assessment, one with a plan cue
        ("we could", "I will recheck") to Plan; a sentence with both is an impression followed by its plan,
        so it goes to Plan, where the decision is.
        """
        impressions, plans, statements = [], [], []
        spans_in = _evidence_by_segment(found)
        for segment in transcript.segments:
            if segment.speaker == "patient":
                continue
            for match in _SENTENCE.finditer(segment.text):
                said = match.group().strip()
                if not said or said.endswith("?"):
                    continue
                statements.append(said)
                target = plans if self._plan_cue.search(said) else \
                    impressions if self._impression_cue.search(said) else None
                if target is None:
                    continue
                start = match.start() + match.group().index(said)
                end = start + len(said)
                hits = {index for index, ev_start, ev_end in spans_in.get(segment.id, ())
                        if ev_start < end and ev_end > start}
                inside = [found[index] for index in sorted(hits)]
                target.append(Sentence(text=f"\u201c{said}\u201d", finding_ids=[f.id for f in inside],
                                       evidence=[self._span(segment, start, end)]))
        return impressions, plans, statements

    def _proposed(self, found: list[Finding], plans: list[Sentence]) -> list[Sentence]:
        """Proposed medicines that no quoted plan sentence already covers."""
        covered = {finding_id for sentence in plans for finding_id in sentence.finding_ids}
        return [_sentence(f"Proposed: {self._dose(f)}.", [f]) for f in found
                if f.kind == "medication" and f.assertion == "hypothetical" and f.id not in covered]

    @staticmethod
    def _span(segment: Segment, start: int, end: int) -> NoteEvidence:
        """A character span of a segment, timed by its words when the transcript has them."""
        t0, t1 = span_times(segment, start, end) or (segment.start, segment.end)
        return NoteEvidence(segment=segment.id, start=start, end=end, t0=t0, t1=t1)


@lru_cache(maxsize=8)
def drafter(topic: str = DEFAULT_TOPIC, root: Path | None = None) -> Drafter:
    """The topic's drafter, built once per process and topics folder (`root`; None: knowledge/topics)."""
    return Drafter(topic, root)


def draft_note(transcript: Transcript, findings: Findings, topic: str = DEFAULT_TOPIC,
               root: Path | None = None) -> Note:
    """A draft SOAP note for a consultation, with knowledge-base suggestions kept apart."""
    return drafter(topic, root).draft(transcript, findings)
