"""Findings from a transcript: the public entry point of the findings contract (DESIGN.md, "Findings").

The spaCy pipeline finds mentions in each segment; here they are placed in the consultation
(questions take their assertion from the answer), interpreted with the topic's data (drug
classes, reference ranges) and merged into one finding per concept, every mention kept as evidence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from spacy.language import Language

from knowledge.base import MEASURED_KINDS, KnowledgeBase
from knowledge.datafile import DEFAULT_TOPIC, load_model, topic_dir
from knowledge.guidance import ArticleFile
from knowledge.lexicon import TopicLexicon, load_lexicon
from knowledge.ranges import ReferenceRanges
from knowledge.wording import NoteWordingFile
from nlp.lexicon import Lexicon
from nlp.lexicon import normalise
from nlp.pipeline import Answer, Mention, answer, bare_dose, build, examined_from, mentions, places
from nlp.types import Evidence, Finding, Findings, Segment, Transcript

# When a concept's mentions disagree, the higher rank is the finding's assertion. A drug not taken
# now but proposed ("Are you on a statin?" "No." ... "I'd like to start a statin") is a proposal.
RANK = {"present": 5, "possible": 4, "absent": 3, "hypothetical": 2, "family": 1}
RANK_BY_KIND = {"medication": RANK | {"absent": 2, "hypothetical": 3}}
ANSWER_REACH = 2  # an answer is one of the next two segments
BRIEF_ANSWER_WORDS = 12  # a patient's turn this short ("okay", "yes that hurts") does not end an examination
# A plan said plainly ("I'd like to get an X-ray", "see you in two weeks") is placed today: present, unless said
# under a condition ("if it gets worse").
PLAN_KINDS = ("order", "follow_up")
ORDERABLE = {"lab": "lab", "imaging": "imaging"}  # a test proposed by the clinician is an order of this type
# A decision about a drug says the patient takes it ("keep taking your lisinopril", "let's stop the statin").
TAKEN_ACTIONS = frozenset({"continue", "change", "stop"})
# A drug the clinician starts or proposes is not taken yet (unless the patient says otherwise elsewhere).
PROPOSED_ACTIONS = frozenset({"start", "consider", "decline"})


@dataclass
class _Placed:
    """A mention in its segment, with the assertion it contributes (None: an unanswered question)."""

    segment: Segment
    mention: Mention
    assertion: str | None
    extra: list[Evidence] = field(default_factory=list)
    historical: bool | None = None  # set by an answer ("Do you smoke?" "I quit."), else the mention's own

    @property
    def in_past(self) -> bool:
        return self.mention.historical if self.historical is None else self.historical


class Extractor:
    """Loads the spaCy pipeline and the topic's data once; thread-safe to call extract() after load."""

    def __init__(self, topic: str = DEFAULT_TOPIC, root: Path | None = None, *,
                 knowledge: KnowledgeBase | None = None, builder: Callable[[Lexicon], Language] = build) -> None:
        """`root` is a folder of topic folders (SOAPSCRIBE_TOPICS_DIR); None: the built-in knowledge/topics.

        `knowledge`: the process's loaded KnowledgeBase (else one is loaded for `topic` and `root`).
        `builder`: makes the spaCy pipeline from the lexicon (benchmarks/context_compare.py swaps the assertion).
        """
        self.knowledge = knowledge if knowledge is not None else KnowledgeBase.load(topic, root)
        self.topic = self.knowledge.topic
        self._lexicon: TopicLexicon = self.knowledge.lexicon
        self._ranges: ReferenceRanges = self.knowledge.ranges
        self._drug_attributes = self.knowledge.drug_attributes
        self._classes = {code: self._lexicon.classes_of(code) for code in self._lexicon.drug_attributes()}
        self._builder = builder
        self._nlp: Language | None = None
        self._lock = threading.Lock()

    def load(self) -> Extractor:
        """Build the spaCy pipeline now rather than on the first `extract`."""
        with self._lock:
            if self._nlp is None:
                self._nlp = self._builder(self.knowledge.to_nlp())
        return self

    def extract(self, transcript: Transcript) -> Findings:
        """One finding per concept of the consultation, in order of first mention."""
        self.load()
        segments = transcript.segments
        with self._lock:  # one Language object, used by one thread at a time
            docs = list(self._nlp.pipe(segment.text for segment in segments))
        found = [self._tidy(mentions(doc), bare_dose(doc) is not None) for doc in docs]
        found = [self._sited(mentions) for mentions in found]
        found = _sited_by_reply(segments, found, [places(doc) for doc in docs])
        found = self._examined(segments, found, [examined_from(doc) for doc in docs])
        placed = [planned for item in _place(segments, found, [answer(doc) for doc in docs])
                  if (planned := _planned(item)) is not None]
        findings = self.knowledge.applies.visit_findings(self._fold_classes(self._merge(placed)))
        return Findings(findings=[f.model_copy(update={"id": f"f{n}"}) for n, f in enumerate(findings, start=1)])

    def _sited(self, said: list[Mention]) -> list[Mention]:
        """A generic pain named by its place ("my knees were killing me": knee_pain); one of nowhere is dropped."""
        kept = []
        for mention in said:
            code = self.knowledge.sited(mention.kind, mention.code, mention.attributes.get("site"))
            if code is not None:
                kept.append(mention if code == mention.code else replace(mention, code=code))
        return kept

    def _examined(self, segments: list[Segment], found: list[list[Mention]],
                  cues: list[int | None]) -> list[list[Mention]]:
        """Symptoms the clinician names while examining are exam findings ("on exam I see some swelling").

        The examination runs from an exam cue to the end of that turn and through the clinician's turns that
        follow while the patient only answers briefly ("okay", "ouch"). Only words the exam lexicon knows change
        ("edema", "tenderness"): a fever the clinician asks about meanwhile stays a symptom.
        """
        exam_codes = self.knowledge.exam_codes
        result = [list(mentions) for mentions in found]
        examining = False
        for index, segment in enumerate(segments):
            if segment.speaker == "patient":
                examining = examining and len(segment.text.split()) <= BRIEF_ANSWER_WORDS
                continue
            start = 0 if examining else cues[index]
            examining = start is not None
            if start is None:
                continue
            result[index] = [replace(m, kind="exam", code=exam_codes[normalise(m.text)])
                             if m.kind == "symptom" and m.start >= start and normalise(m.text) in exam_codes
                             else m for m in found[index]]
        return result

    def _tidy(self, said: list[Mention], dose_said: bool = False) -> list[Mention]:
        """Drop a timing said about a dose ("I take it at night", "Eighty milligrams at bedtime.") and a class
        said with its drug."""
        kept = []
        for mention in said:
            same = [m for m in said if m.sentence == mention.sentence and m is not mention]
            if mention.kind == "timing" and (dose_said or any(m.kind == "medication" for m in same)) \
                    and not any(m.kind == "symptom" for m in same):
                continue
            if mention.kind == "medication" and any(
                    m.kind == "medication" and mention.code in self._classes.get(m.code, ()) for m in same):
                continue
            kept.append(mention)
        return kept

    def _fold_classes(self, findings: list[Finding]) -> list[Finding]:
        """A class said of a drug named elsewhere ("the inhaler" and albuterol) is evidence of that drug.

        Only when the two have the same assertion: "not on any water pills" stays apart from a diuretic taken.
        """
        extra: dict[int, list[Evidence]] = {}
        kept = []
        for index, finding in enumerate(findings):
            drug = next((i for i, d in enumerate(findings)
                         if finding.kind == d.kind == "medication" and not self._is_class(d.code)
                         and d.assertion == finding.assertion and finding.code in self._classes.get(d.code, ())), None)
            if drug is None:
                kept.append(index)
            else:
                extra.setdefault(drug, []).extend(finding.evidence)
        return [findings[i].model_copy(update={"evidence": sorted(
                    {(e.segment, e.start, e.end): e for e in findings[i].evidence + extra[i]}.values(),
                    key=lambda e: (e.segment, e.start))}) if i in extra else findings[i] for i in kept]

    def _is_class(self, code: str) -> bool:
        return self._drug_attributes.get(code, {}).get("drug_class") == code

    def _merge(self, placed: list[_Placed]) -> list[Finding]:
        """One finding per concept; what a relative has ("my father has diabetes") is a concept of its own."""
        groups: dict[tuple[str, str, bool], list[_Placed]] = {}
        for item in sorted(placed, key=lambda p: (p.segment.id, p.mention.start)):
            groups.setdefault((item.mention.kind, item.mention.code, item.assertion == "family"), []).append(item)
        findings = []
        for (kind, code, _), items in groups.items():
            asserted = [item for item in items if item.assertion is not None]
            if not asserted:
                continue
            rank = RANK_BY_KIND.get(kind, RANK)
            assertion = max((item.assertion for item in asserted), key=rank.__getitem__)
            winners = [item for item in asserted if item.assertion == assertion]
            ordered = winners + [item for item in asserted if item.assertion != assertion]
            attributes = _merge_attributes(item.mention for item in ordered)
            decided = [item.mention.attributes["action"] for item in asserted if "action" in item.mention.attributes]
            if decided:
                attributes["action"] = decided[-1]  # the decision comes last, as the visit closes
            finding = Finding(
                id=f"f{len(findings) + 1}", kind=kind, code=code, text=winners[0].mention.text,
                assertion=assertion, historical=all(item.in_past for item in winners),
                attributes=attributes,
                evidence=_evidence(items, assertion),
            )
            if kind in MEASURED_KINDS:
                finding = self._measured(finding, [item.mention for item in ordered])
            elif kind == "medication":
                attributes = self._drug_attributes.get(code, {}) | finding.attributes
                finding = finding.model_copy(update={"attributes": attributes})
            elif kind == "condition" and code in self.knowledge.icd10:
                finding = finding.model_copy(update={"attributes": finding.attributes | {
                    "icd10": self.knowledge.icd10[code]}})
            findings.append(finding)
        return findings

    def _measured(self, finding: Finding, said: list[Mention]) -> Finding:
        """Value, unit (said, else inferred from the magnitude), interpretation and LOINC code of an analyte."""
        code = finding.code
        readings = []
        for mention in said:
            if mention.value is None:
                continue
            unit = self._ranges.unit_spelling(code, mention.unit) if mention.unit else \
                self._ranges.infer_unit(code, mention.value) or self.knowledge.general.usual_units().get(code)
            if unit is not None:
                readings.append((mention.unit is not None, mention.value, unit))
        attributes = dict(finding.attributes)
        second = attributes.pop("second_value", None)
        if second is not None and code in self.knowledge.general.paired():
            attributes[self.knowledge.general.paired()[code]] = second
        best = max(readings, key=lambda reading: reading[0]) if readings else None  # a said unit is the most specific
        loinc = self._ranges.loinc(code, best[2] if best else None)  # a mass and a molar result differ in LOINC
        if loinc is not None:
            attributes["loinc"] = loinc
        if best is None:
            return finding.model_copy(update={"attributes": attributes})
        _, value, unit = best
        interpretation = self._ranges.interpret(code, value, unit)
        if interpretation is not None:
            attributes["interpretation"] = interpretation
        return finding.model_copy(update={"value": value, "unit": unit, "attributes": attributes})


def _place(segments: list[Segment], found: list[list[Mention]], answers: list[Answer | None]) -> list[_Placed]:
    """Give every mention its assertion; a question's mentions take theirs from the answer that follows."""
    placed = []
    for index, segment in enumerate(segments):
        for mention in found[index]:
            if not (mention.in_question and segment.speaker != "patient"):
                placed.append(_Placed(segment, mention, mention.assertion))
                continue
            reply = _answer_to(segments, index)
            opening = answers[reply] if reply is not None else None
            own_kinds = {m.kind for m in found[reply]} if reply is not None else set()
            if opening is None or not (opening.bare or mention.kind not in own_kinds):
                placed.append(_Placed(segment, mention, None))
                continue
            assertion, historical = opening.assertion, None
            if assertion == "historical":  # "Do you smoke?" "I quit years ago."
                assertion, historical = "present", True
            if mention.assertion == "family" and assertion == "present":
                assertion = "family"
            asked_drugs = [m for m in found[index] if m.kind == "medication"]
            if opening.dose and asked_drugs == [mention] and "dose" not in mention.attributes:
                mention = replace(mention, attributes=mention.attributes | {"dose": opening.dose})  # "Yes, 40 mg."
            answered = segments[reply]
            extra = Evidence(segment=answered.id, start=opening.start, end=opening.end, text=opening.text,
                             **_times(answered, opening.start, opening.end))
            placed.append(_Placed(segment, mention, assertion, [extra], historical))
    return placed


def by_clinician_of(item: _Placed) -> bool:
    return item.segment.speaker != "patient"


def _planned(item: _Placed) -> _Placed | None:
    """Read a mention as a plan where the clinician makes one: tests proposed are orders, plans said plainly are
    placed today, and a decision about a drug says whether the patient takes it. The patient decides nothing
    ("I stopped it" is history, not an action). None: no finding ("on the last blood test": a panel with no
    result, not ordered; "I had a knee replacement": a past procedure, not an order)."""
    mention, assertion = item.mention, item.assertion
    attributes = dict(mention.attributes)
    conditional = attributes.pop("conditional", False)
    impression = attributes.pop("impression", False)
    if impression and by_clinician_of(item) and mention.kind == "condition" and assertion == "possible":
        assertion = "present"  # "I think you have a knee sprain": the clinician's assessment
    ordered = attributes.pop("ordered", False)
    by_clinician = item.segment.speaker != "patient"
    planned = by_clinician and not item.in_past and not conditional and (ordered or assertion == "hypothetical")
    if mention.kind in ORDERABLE and planned and mention.value is None and "interpretation" not in attributes:
        attributes["order_type"] = ORDERABLE[mention.kind]
        mention = replace(mention, kind="order")
    elif mention.kind == "order" and not (by_clinician and not item.in_past and (ordered or assertion == "hypothetical")):
        return None
    elif mention.kind == "lab" and attributes.get("panel") and mention.value is None \
            and "interpretation" not in attributes:
        return None
    attributes.pop("panel", None)
    if mention.kind in PLAN_KINDS and assertion in ("hypothetical", "present") and not conditional:
        assertion = "present"
    if mention.kind == "medication" and "action" in attributes:
        if not by_clinician or mention.in_question:
            del attributes["action"]
        elif attributes["action"] in TAKEN_ACTIONS and assertion in ("absent", "hypothetical", "possible"):
            assertion = "present"
        elif attributes["action"] in PROPOSED_ACTIONS and assertion == "present":
            assertion = "hypothetical"
    if assertion == item.assertion and mention is item.mention and attributes == mention.attributes:
        return item
    return replace(item, mention=replace(mention, attributes=attributes), assertion=assertion)


def _sited_by_reply(segments: list[Segment], found: list[list[Mention]],
                    said: list[dict[str, str]]) -> list[list[Mention]]:
    """Give symptoms the site and side said in the reply ("Both legs?" "Just the right foot.").

    The reply is the next utterance from another speaker, or the answer to a clinician's question that
    follows ("My feet cramp." "Is that in both feet?" "Yes, both feet."); a specific site replaces a generic one.
    """
    generic = {"leg"}
    result = [list(mentions) for mentions in found]
    for index, mentions in enumerate(found):
        if not any(m.kind == "symptom" for m in mentions):
            continue
        reply = _answer_to(segments, index)
        if reply is not None and segments[reply].speaker == "clinician" \
                and not any(m.kind == "symptom" for m in found[reply]):
            reply = _answer_to(segments, reply)  # "Which leg?": the answer says where
        if reply is None or not said[reply] or any(m.kind == "symptom" for m in found[reply]):
            continue
        place = said[reply]
        for position, mention in enumerate(mentions):
            if mention.kind != "symptom":
                continue
            update = dict(mention.attributes)
            if "site" in place and update.get("site") in (None, *generic):
                update["site"] = place["site"]
            if "laterality" in place and "laterality" not in update:
                update["laterality"] = place["laterality"]
            result[index][position] = replace(mention, attributes=update)
    return result


def _answer_to(segments: list[Segment], index: int) -> int | None:
    """The index of the segment that answers segment `index`: the next one from another speaker."""
    asker = segments[index].speaker
    for reply in range(index + 1, min(len(segments), index + 1 + ANSWER_REACH)):
        if segments[reply].speaker != asker or asker == "other":
            return reply
    return None


def _merge_attributes(said: Iterable[Mention]) -> dict[str, Any]:
    """Attributes of all mentions; the first mention (winning assertion first) that says each one wins."""
    merged: dict[str, Any] = {}
    for mention in said:
        for key, value in mention.attributes.items():
            merged.setdefault(key, value)
    return merged


def _evidence(items: list[_Placed], assertion: str) -> list[Evidence]:
    """Every mention of the concept, and the answers that gave it its assertion."""
    evidence: dict[tuple[int, int, int], Evidence] = {}
    for item in items:
        mention, segment = item.mention, item.segment
        evidence.setdefault((segment.id, mention.start, mention.end), Evidence(
            segment=segment.id, start=mention.start, end=mention.end, text=segment.text[mention.start:mention.end],
            **_times(segment, mention.start, mention.end)))
        for extra in item.extra if item.assertion == assertion else ():
            evidence.setdefault((extra.segment, extra.start, extra.end), extra)
    return [evidence[key] for key in sorted(evidence)]


def _times(segment: Segment, start: int, end: int) -> dict[str, float | None]:
    """t0/t1 of a character range: the recognised words that cover it, else the segment's own times."""
    covering = [word for (w_start, w_end), word in _word_offsets(segment) if w_start < end and start < w_end]
    if not covering:
        return {"t0": segment.start, "t1": segment.end}
    return {"t0": min(word.start for word in covering), "t1": max(word.end for word in covering)}


def _word_offsets(segment: Segment) -> list[tuple[tuple[int, int], Any]]:
    """Character offsets of each word in the segment text, found left to right (unfound words are skipped)."""
    text = segment.text.lower()
    cursor = 0
    offsets = []
    for word in segment.words:
        token = word.w.strip().lower()
        position = text.find(token, cursor) if token else -1
        if position >= 0:
            offsets.append(((position, position + len(token)), word))
            cursor = position + len(token)
    return offsets


def vocabulary(topic: str = DEFAULT_TOPIC, *, root: Path | None = None) -> list[str]:
    """Distinct surface terms worth priming Whisper with: drug names and brands, electrolytes, key symptom words."""
    return load_lexicon(topic, topic_dir(topic, root)).vocabulary()


def asr_prompt(topic: str = DEFAULT_TOPIC, max_chars: int = 480, *, root: Path | None = None) -> str:
    """An initial prompt for Whisper that makes it spell the topic's drug and symptom words right.

    It opens with what the consultation is about ("Leg cramps consultation."), named by the topic's data:
    note.yaml `topic_name`, else the article's title.
    """
    folder = topic_dir(topic, root)
    name = load_model(folder / "note.yaml", NoteWordingFile).topic_name or \
        load_model(folder / "article.yaml", ArticleFile).title
    return f"{name} consultation. " + ", ".join(load_lexicon(topic, folder).asr_prompt_terms(max_chars)) + "."
