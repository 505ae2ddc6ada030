"""Findings from a transcript: the public entry point of the findings contract (DESIGN.md, "Findings").

The spaCy pipeline finds mentions in each segment; here they are tidied and coded by site, read as a
dialogue (knowledge/dialogue.py: examination, reply sites, questions and answers, plans), interpreted
with the topic's data (drug classes, reference ranges) and merged into one finding per concept, every
mention kept as evidence. Where each step lives: docs/architecture.md.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from spacy.language import Language

from knowledge.base import MEASURED_KINDS, KnowledgeBase
from knowledge.datafile import DEFAULT_TOPIC
from knowledge.dialogue import (
    PROPOSED_ACTIONS, TAKEN_ACTIONS, Placed, alike, allergies_asked, by_clinician_of, examined, examined_part, observed,
    family_replies, followed_up, manoeuvred, onsets_answered, place, planned, readings_answered, results_referred,
    sentence_before, sited_by_reply, sites_asked,
)
from knowledge.lexicon import TopicLexicon
from knowledge.ranges import ReferenceRanges
from nlp.lexicon import Lexicon, any_phrase, normalise
from nlp.components.course import asks_onset, onset_said
from nlp.components.sites import SIDED_BY_SITE
from nlp.pipeline import (
    Answer, Echo, Mention, answer, asked_vital, bare_allergens, bare_dose, build, echoes, examined_from,
    examined_places, follows_up, manoeuvres, mentions, places, result_referred, said_reading,
)
from nlp.types import Assertion, Evidence, Finding, FindingKind, Findings, Segment, Transcript
from nlp.words import span_times

# When a concept's mentions disagree, the higher rank is the finding's assertion. A drug proposed beside a denial
# of it is a proposal (two findings: `_denied_apart`).
RANK = {"present": 5, "possible": 4, "absent": 3, "hypothetical": 2, "family": 1}
RANK_BY_KIND = {"medication": RANK | {"absent": 2, "hypothetical": 3}}
PAST_APART_KINDS = frozenset({"symptom", "condition"})  # an episode had in the past is apart from what is said now
SIDED_KINDS = frozenset({"symptom", "exam", "condition", "imaging", "order"})  # a place with a side (nlp/attributes.py)
SIDE_GIVING_KINDS = frozenset({"symptom", "exam", "imaging"})  # what is felt, found or seen at a place gives its side
SIDE_GIVING_ASSERTIONS = frozenset({"present", "possible"})  # ... when it is there: not denied, nor a relative's
# A class present or possible beside a drug of it proposed, and no drug of it taken, is said of the proposal.
SAID_OF_PROPOSAL = frozenset({"present", "possible"})
OTHER_REACH = 3  # "any other brown inhalers": an `others` word this many words before the class
VITAL = "vital"
IMAGING = "imaging"
LAB = "lab"
# Said by the patient just before a drug, these say it taken ("I've been taking the ibuprofen"), not the plan spoken of.
# "it's an inhaler", "which is a steroid", "these are antibiotics": a class said as what a drug named before it is
# ("I'm not sure if it's the statin" names the one taken: no description)
DESCRIBED = re.compile(r"\b(?:it\s*'?s|it\s+is|that\s*'?s|that\s+is|this\s+is|which\s+is|they\s*'?re|they\s+are|"
                       r"these\s+are|those\s+are)\s+(?:(?:just|basically|also|like|actually)\s+)?(?:an?\s+)?"
                       r"(?:(?!(?:the|your|my|his|her|their|that|this)\s)[a-z-]+\s+)?$", re.IGNORECASE)
TAKING_WORDS = frozenset({"take", "taking", "taken", "took", "tried", "using", "used", "on"})
TAKING_REACH = 5
READ_TURNS = 2  # the turns after a study's that may read it ("Let's look at your x-ray." "Okay." "No fracture.")
# A reading said under a condition or as a purpose reads nothing yet: "if those tests come back fine", "whether it shows
# a tear", "wait to see if", "until the results are back"; the words this close before it (the study's own between).
UNREAD_REACH = 40  # characters
UNREAD_BEFORE = re.compile(r"\b(?:if|whether|unless|until|once)\b(?:\W+\w+){0,3}\W*$|\bto\W*$", re.IGNORECASE)


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
        words = self._lexicon.drugs.class_words
        self._examples, self._others, self._contrasts = (
            _phrases(words.examples), _phrases(words.others), _phrases(words.contrasts))
        self._measured_words = _phrases(self._lexicon.lexicon.context.measured)  # matched at the words after a drug
        approvals = self._lexicon.lexicon.context.approvals
        self._approvals = re.compile(r"(?:[.!?]\s+)(?:(?:um|uh|so|okay|ok|and|well)\W+)*(?:" + "|".join(
            r"\s+".join(map(re.escape, phrase.split())) for phrase in sorted(approvals, key=len, reverse=True))
            + r")\W*\?",
            re.IGNORECASE) if approvals else None
        self._builder = builder
        self._nlp: Language | None = None
        self._lock = threading.Lock()

    def load(self) -> Extractor:
        """Build the spaCy pipeline now rather than on the first `extract`."""
        self._language()
        return self

    def _language(self) -> Language:
        with self._lock:
            if self._nlp is None:
                self._nlp = self._builder(self.knowledge.to_nlp())
            return self._nlp

    def extract(self, transcript: Transcript) -> Findings:
        """One finding per concept of the consultation, in order of first mention."""
        nlp = self._language()
        segments = transcript.segments
        with self._lock:  # one Language object, used by one thread at a time
            docs = list(nlp.pipe(segment.text for segment in segments))
        found = [self._tidy(mentions(doc), doc.text, bare_dose(doc) is not None) for doc in docs]
        found = followed_up(segments, found, [follows_up(doc) for doc in docs])
        found = results_referred(segments, found, [result_referred(doc) for doc in docs])
        found = readings_answered(segments, found, [asked_vital(doc) for doc in docs],
                                  [said_reading(doc) for doc in docs])
        exam_cues = [examined_from(doc) for doc in docs]
        # before a pain of nowhere is dropped: "that hurts", replying to "if I bend your knee", is the exam's
        found = manoeuvred(segments, found, exam_cues, [manoeuvres(doc) for doc in docs])
        knowledge = self.knowledge
        found = [self._sited(mentions, defer=True) for mentions in sites_asked(
            segments, found, site_of=lambda m: knowledge.site_of(m.kind, m.code),
            takes_site=lambda m: knowledge.takes_site(m.kind, m.code))]
        general = knowledge.general
        # a pain of nowhere is dropped only once a reply had the chance to place it: "Where's the pain?" "All over my
        # belly." is the belly's
        found = [self._sited(mentions, deferred=True) for mentions in sited_by_reply(
            segments, found, [places(doc) for doc in docs],
            placeless=lambda m: (m.kind, m.code) in general.placeless,
            sideless=lambda m: (m.kind, m.code) in general.sideless,
            nowhere=self._nowhere)]
        found = onsets_answered(segments, found, [onset_said(doc) for doc in docs], [asks_onset(doc) for doc in docs])
        found = examined(segments, found, exam_cues, self.knowledge.exam_codes)
        found = observed(segments, found)
        found = examined_part(segments, found, exam_cues, lambda m: (m.kind, m.code) in general.placeless,
                              lambda m: (m.kind, m.code) in general.of_the_part, knowledge.midline_sites,
                              [examined_places(doc) for doc in docs])
        answers = [answer(doc) for doc in docs]
        # "Uh, not that I know of, I've been around dogs": a reply that denies names no allergen by the way
        found = allergies_asked(segments, found, [[] if said is not None and said.assertion == "absent"
                                                  else bare_allergens(doc) for doc, said in zip(docs, answers)])
        found = alike(segments, found, self._lexicon.lexicon.context.alike, self._relatives)
        echoed = [echoes(doc) for doc in docs]
        found = family_replies(segments, found, answers, self._relatives)
        findings = self._settled(segments, found, answers, echoed)
        if not knowledge.applies.applies(findings) and any(self._given_back(m) is not m for ms in found for m in ms):
            # the topic's own words outside its visits: "I try to exercise regularly" is social history, not the
            # timing of cramps the visit never had
            found = [[self._given_back(m) for m in mentions] for mentions in found]
            findings = self._settled(segments, found, answers, echoed)
        findings = knowledge.applies.visit_findings(findings)
        return Findings(findings=[f.model_copy(update={"id": f"f{n}"}) for n, f in enumerate(findings, start=1)])

    def _settled(self, segments: list[Segment], found: list[list[Mention]], answers: list[Answer | None],
                 echoed: list[list[Echo]]) -> list[Finding]:
        """The mentions placed in the dialogue and merged into one finding per concept."""
        denied_only = self.knowledge.general.denied_only
        statuses = self.knowledge.general.statuses
        placed = [plan for item in place(segments, found, answers, echoed) if (plan := planned(item)) is not None
                  and (plan.assertion == "absent" or (plan.mention.kind, plan.mention.code) not in denied_only)]
        # "Are you working?" "No, I'm retired": a status denied is still the patient's status
        placed = [replace(plan, assertion="present") if plan.assertion == "absent"
                  and (plan.mention.kind, plan.mention.code) in statuses else plan for plan in placed]
        placed = _ruled_out(placed)
        placed = [self._approved(plan) for plan in placed]
        findings = self._fold_generic(self._fold_classes(self._merge(_proposal_spoken_of(self._others_denied(placed)))))
        return self._read(segments, _sided(_allergens_apart(findings), self.knowledge.general.normal,
                                           self.knowledge.midline_sites))

    def _approved(self, item: Placed) -> Placed:
        """A drug the clinician names with no decision, right before asking whether the patient agrees ("And some
        anti-inflammatories, such as naproxen. How does that sound?"), or names in doubt ("maybe some naproxen"), is
        proposed: hypothetical, started."""
        mention = item.mention
        if self._approvals is None or mention.kind != "medication" or item.assertion not in SAID_OF_PROPOSAL \
                or item.in_past \
                or mention.in_question or "action" in mention.attributes or not by_clinician_of(item):
            return item
        text = item.segment.text
        end = re.search(r"[.!?]", text[mention.end:])
        if end is None or not self._approvals.match(text, mention.end + end.start()):
            return item
        attributes = mention.attributes | {"action": "start"}
        return replace(item, mention=replace(mention, attributes=attributes), assertion="hypothetical")

    @cached_property
    def _relatives(self) -> tuple[str, ...]:
        """The family cues' phrases ("my brother", "my mum"), read once rather than on every extraction."""
        return tuple(phrase for rule in self._lexicon.lexicon.context.rules if rule.category == "family"
                     for phrase in rule.phrases)

    @cached_property
    def _readings(self) -> dict[str, re.Pattern[str]]:
        """The words that read a study (imaging.yaml `cues`) and, with those, a lab test (labs.yaml `cues`), as one
        pattern of whole words each."""
        studies = self.knowledge.general.cues(IMAGING)
        said = {IMAGING: studies, LAB: [*studies, *self.knowledge.general.cues(LAB)]}
        return {kind: any_phrase(words, re.IGNORECASE) for kind, words in said.items() if words}

    def _read(self, segments: list[Segment], findings: list[Finding]) -> list[Finding]:
        """Studies with something read from them: a study named is a result only when a reading follows it in its
        turn or the next two ("there's no fracture"); "let's look at your x-ray" alone reads nothing."""
        patterns = self._readings

        # evidence names a segment by its id, which a client's transcript need not number from 0
        position = {segment.id: index for index, segment in enumerate(segments)}

        def read(kind: str, evidence: Evidence) -> bool:
            pattern = patterns.get(kind)
            if pattern is None:
                return True
            at = position[evidence.segment]
            text = segments[at].text
            following = " ".join(s.text for s in segments[at + 1:at + 1 + READ_TURNS])
            return any(not UNREAD_BEFORE.search(text, max(0, m.start() - UNREAD_REACH), m.start())
                       for m in pattern.finditer(text, evidence.end)) \
                or any(not UNREAD_BEFORE.search(following, max(0, m.start() - UNREAD_REACH), m.start())
                       for m in pattern.finditer(following))

        def told(finding: Finding) -> bool:
            # a lab test with its value or reading said is a result, whatever follows it
            return finding.kind == LAB and (finding.value is not None or "interpretation" in finding.attributes)

        return [f for f in findings if f.kind not in (IMAGING, LAB) or told(f)
                or any(read(f.kind, evidence) for evidence in f.evidence)]

    def _given_back(self, mention: Mention) -> Mention:
        """A mention of the topic's own concept as the general pack reads its words, when it names one."""
        general = self.knowledge.given_back.get((mention.kind, mention.code, normalise(mention.text)))
        return mention if general is None else replace(mention, kind=general[0], code=general[1])

    def _nowhere(self, mention: Mention) -> bool:
        """A pain of no place yet: no finding unless a place is said of it (by-site codes without a site)."""
        return self.knowledge.sited(mention.kind, mention.code, mention.attributes.get("site")) is None

    def _sited(self, said: list[Mention], defer: bool = False, deferred: bool = False) -> list[Mention]:
        """A generic pain named by its place ("my knees were killing me": knee_pain); one of nowhere is dropped, or
        with `defer` kept as it is for a reply to place it; the `deferred` pass names only those (by the place the
        reply gave, or drops them), the others named already."""
        kept = []
        for mention in said:
            if defer and self._nowhere(mention) \
                    or deferred and self.knowledge.sited(mention.kind, mention.code, None) is not None:
                kept.append(mention)
                continue
            code = self.knowledge.sited(mention.kind, mention.code, mention.attributes.get("site"))
            if code is not None:
                kept.append(mention if code == mention.code else replace(mention, code=code))
        return kept

    def _tidy(self, said: list[Mention], text: str, dose_said: bool = False) -> list[Mention]:
        """Drop a timing said about a dose ("I take it at night", "Eighty milligrams at bedtime.") and a class
        said with its drug, unless the class is another drug than it ("a stronger anti-inflammatory instead of the
        ibuprofen"); of a question, drop the drugs it gives as examples of a class ("antihistamines like cetirizine
        or loratadine?": the answer says whether the patient takes the class, not each example)."""
        examples = {id(m) for m in said if self._example(m, said, text)}
        kept = []
        for mention in said:
            same = [m for m in said if m.sentence == mention.sentence and m is not mention]
            if mention.kind == "timing" and (dose_said or any(m.kind == "medication" for m in same)) \
                    and not any(m.kind == "symptom" for m in same):
                continue
            if id(mention) in examples:
                continue
            if mention.kind == "medication" and self._measured_words.match(normalise(text[mention.end:]).lstrip()):
                continue  # "we'll check your digoxin level": the test of the drug, no medicine taken or proposed
            if mention.kind == "medication" and any(
                    m.kind == "medication" and mention.code in self._classes.get(m.code, ()) and id(m) not in examples
                    and not self._another(mention, m, text) for m in same):
                continue
            if mention.kind == "medication" and self._is_class(mention.code) \
                    and DESCRIBED.search(text[:mention.start]) \
                    and any(m.kind == "medication" and m.end <= mention.start and not self._is_class(m.code)
                            for m in said):
                continue  # "a medicine called Combivent ... it's an inhaler": what the drug named is, none of its own
            kept.append(mention)
        return kept

    def _example(self, drug: Mention, said: list[Mention], text: str) -> bool:
        """A drug a question names after a class of it and an example word ("antihistamines like cetirizine")."""
        return drug.kind == "medication" and drug.in_question and any(
            m.kind == "medication" and m.sentence == drug.sentence and m.end <= drug.start
            and m.code in self._classes.get(drug.code, ())
            and self._examples.match(normalise(text[m.end:drug.start])) is not None for m in said)

    def _another(self, cls: Mention, drug: Mention, text: str) -> bool:
        """The class said as another drug than `drug`: parted from it by a contrast ("instead of"), or said after it
        as another ("I take ibuprofen, any other painkillers?")."""
        first, second = sorted((cls, drug), key=lambda m: m.start)
        if self._contrasts.search(normalise(text[first.end:second.start])) is not None:
            return True
        return drug.start < cls.start and self._after_other(text, cls.start)

    def _after_other(self, text: str, start: int) -> bool:
        """One of the words of `others` is said among the few words before `start` ("any other brown inhalers")."""
        return self._others.search(" ".join(normalise(text[:start]).split()[-OTHER_REACH:])) is not None

    def _others_denied(self, placed: list[Placed]) -> list[Placed]:
        """Drop a class denied as other than a drug of it taken ("Is it just the salbutamol?" "Yes." "Any other
        inhalers?" "No."): the denial is of more of the class, not of the one taken, which the note lists."""
        taken = {item.mention.code for item in placed if item.mention.kind == "medication"
                 and item.assertion == "present"}
        return [item for item in placed if not (
            item.mention.kind == "medication" and item.assertion == "absent" and self._is_class(item.mention.code)
            and any(item.mention.code in self._classes.get(code, ()) for code in taken)
            and self._after_other(item.segment.text, item.mention.start))]

    def _fold_classes(self, findings: list[Finding]) -> list[Finding]:
        """A class said of a drug named elsewhere ("the inhaler" and albuterol) is evidence of that drug.

        When the two have the same assertion: "not on any water pills" stays apart from a diuretic taken, and a
        suspicion of the class ("could it be the statin?") from the statin taken. A class doubted of a drug only
        proposed, or said after it, when the visit has no drug of the class taken, is that proposal ("some
        anti-inflammatory medication" ... "take ibuprofen"; "I'd put you on Protonix" ... "what we call a proton pump
        inhibitor"); said taken before it ("I take antibiotics for my acne" ... "trimethoprim"), it stays.
        """
        def into(finding: Finding) -> int | None:
            if finding.kind != "medication":
                return None
            drugs = [(i, d) for i, d in enumerate(findings) if d.kind == "medication" and not self._is_class(d.code)
                     and finding.code in self._classes.get(d.code, ())]
            same = next((i for i, d in drugs if d.assertion == finding.assertion), None)
            if same is not None or finding.assertion not in SAID_OF_PROPOSAL \
                    or any(d.assertion == "present" for _, d in drugs):
                return same
            return next((i for i, d in drugs if d.assertion == "hypothetical"
                         and (finding.assertion == "possible" or _first_said(d) < _first_said(finding))), None)

        return _folded(findings, into)

    def _fold_generic(self, findings: list[Finding]) -> list[Finding]:
        """A generic order ("the injection", "surgery") of a visit that orders one of its specific forms with the
        same assertion (a cortisone injection, a hysterectomy) is evidence of that order, not one of its own."""
        broader = self.knowledge.general.broader
        return _folded(findings, lambda finding: next(
            (i for i, f in enumerate(findings) if f.kind == finding.kind and f.assertion == finding.assertion
             and f.code in broader.get((finding.kind, finding.code), frozenset())), None))

    def _is_class(self, code: str) -> bool:
        return self._drug_attributes.get(code, {}).get("drug_class") == code

    def _merge(self, placed: list[Placed]) -> list[Finding]:
        """One finding per concept; what a relative has ("my father has diabetes") is a concept of its own, and so is
        a drug prescribed today at a dose beside the same drug already taken (`_prescribed_anew`)."""
        ordered_items = sorted(placed, key=lambda p: (p.segment.id, p.mention.start))
        anew = _prescribed_anew(ordered_items)
        denied = _denied_apart(ordered_items) | _absent_elsewhere(ordered_items)
        past = _past_apart(ordered_items)
        groups: dict[tuple[str, str, bool, bool, bool, bool], list[Placed]] = {}
        for item in ordered_items:
            groups.setdefault((item.mention.kind, item.mention.code, item.assertion == "family", id(item) in anew,
                               id(item) in denied, id(item) in past), []).append(item)
        findings: list[Finding] = []
        for (kind, code, _, _, _, _), items in groups.items():
            asserted = [item for item in items if item.assertion is not None]
            if not asserted:
                continue
            rank = RANK_BY_KIND.get(kind, RANK)
            assertion = max((item.assertion for item in asserted if item.assertion is not None), key=rank.__getitem__)
            winners = [item for item in asserted if item.assertion == assertion]
            ordered = winners + [item for item in asserted if item.assertion != assertion]
            attributes = _merge_attributes(item.mention for item in ordered)
            decided = [item.mention.attributes["action"] for item in asserted if "action" in item.mention.attributes]
            if decided:
                attributes["action"] = decided[-1]  # the decision comes last, as the visit closes
                taken = any(_taken(item) for item in asserted)
                if attributes["action"] == "start" and taken:
                    # "I've been taking some paracetamol" ... "you can try regular paracetamol": kept on, not started
                    attributes["action"] = "continue"
            finding = Finding(  # validates kind and assertion, which mentions carry as plain strings
                id=f"f{len(findings) + 1}", kind=cast(FindingKind, kind), code=code, text=winners[0].mention.text,
                assertion=cast(Assertion, assertion), historical=all(item.in_past for item in winners),
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
                self._ranges.infer_unit(code, mention.value) or self.knowledge.general.unit_of(code, mention.value)
            if unit is not None:
                readings.append((mention.unit is not None, mention.value, unit, mention))
        attributes = dict(finding.attributes)
        # a said unit is the most specific; of a vital's readings alike the last said, as the visit measures it after
        # the history tells the earlier ones ("it was two hundred over ninety at the hospital" ... "today one twenty
        # eight over seventy two")
        ordered = list(reversed(readings)) if finding.kind == VITAL else readings
        best = max(ordered, key=lambda reading: reading[0]) if ordered else None
        loinc = self._ranges.loinc(code, best[2] if best else None)  # a mass and a molar result differ in LOINC
        if loinc is not None:
            attributes["loinc"] = loinc
        if best is None:
            return finding.model_copy(update={"attributes": attributes})
        _, value, unit, reading = best
        if finding.kind == VITAL:
            attributes |= reading.attributes  # the diastolic said with that systolic
        interpretation = self._ranges.interpret(code, value, unit)
        if interpretation is not None:
            attributes["interpretation"] = interpretation
        return finding.model_copy(update={"value": value, "unit": unit, "attributes": attributes})


def _allergens_apart(findings: list[Finding]) -> list[Finding]:
    """Drop a drug the patient is allergic to that is not said taken now: asked about or spoken of ("I'm allergic to
    ibuprofen" ... "What happens when you take ibuprofen?") it is the allergy, not a medicine of the patient's."""
    allergens = {f.code for f in findings if f.kind == "allergy" and f.assertion == "present"}
    return [f for f in findings if not (f.kind == "medication" and f.code in allergens
                                        and (f.assertion != "present" or f.historical))]


def _first_said(finding: Finding) -> tuple[int, int]:
    return min(((e.segment, e.start) for e in finding.evidence), default=(0, 0))


def _phrases(phrases: Iterable[str]) -> re.Pattern[str]:
    """One word-bounded pattern for normalised phrases; an empty list matches nothing."""
    return any_phrase(normalise(phrase) for phrase in phrases)


def _folded(findings: list[Finding], into: Callable[[Finding], int | None]) -> list[Finding]:
    """The findings, each one `into` gives the index of another for moved into that one's evidence."""
    extra: dict[int, list[Evidence]] = {}
    kept = []
    for index, finding in enumerate(findings):
        target = into(finding)
        if target is None:
            kept.append(index)
        else:
            extra.setdefault(target, []).extend(finding.evidence)
    return [findings[i].model_copy(update={"evidence": sorted(
                {(e.segment, e.start, e.end): e for e in findings[i].evidence + extra[i]}.values(),
                key=lambda e: (e.segment, e.start))}) if i in extra else findings[i] for i in kept]


def _sided(findings: list[Finding], normal: frozenset[tuple[str, str]] = frozenset(),
           midline: frozenset[str] = frozenset()) -> list[Finding]:
    """A place said without its side has the side the visit gives that place ("my right knee hurts" ... "on exam
    of the knee there is a small effusion": the right knee's; "a knee sprain", "an x-ray of the knee": the right),
    when every symptom, exam finding or image there that says a side says the same. A problem of no place
    (hypertension) has no site, and so no side. What is normal there, or absent, is said of either side to compare
    ("the left foot is normal, sensation intact"): it gives no side (`normal`, `SIDE_GIVING_ASSERTIONS`); a study,
    order or problem of the middle of the body (`midline` sites: the back, the abdomen) takes none."""
    sides: dict[str, set[str]] = {}
    for finding in findings:
        site, side = finding.attributes.get("site"), finding.attributes.get("laterality")
        if finding.kind in SIDE_GIVING_KINDS and isinstance(site, str) and isinstance(side, str) \
                and finding.assertion in SIDE_GIVING_ASSERTIONS and (finding.kind, finding.code) not in normal:
            sides.setdefault(site, set()).add(side)
    sided = []
    for finding in findings:
        said = sides.get(str(finding.attributes.get("site")), set())
        if finding.kind in SIDED_KINDS and "laterality" not in finding.attributes and len(said) == 1 \
                and not (finding.kind in SIDED_BY_SITE and finding.attributes.get("site") in midline):
            finding = finding.model_copy(update={"attributes": finding.attributes | {"laterality": next(iter(said))}})
        sided.append(finding)
    return sided


def _taken(item: Placed) -> bool:
    """Said as taken now, with no decision about it ("I've been taking ibuprofen")."""
    return item.assertion == "present" and not item.in_past and "action" not in item.mention.attributes


def _proposal_spoken_of(placed: list[Placed]) -> list[Placed]:
    """A drug the clinician proposes and nobody said taken before: its later mentions with no decision speak of the
    proposal ("I'll prescribe nitrofurantoin" ... "the nitrofurantoin should settle it", "after I finish my course of
    nitrofurantoin"), hypothetical as it is, unless the patient says it taken ("I've been taking it")."""
    by_drug: dict[str, list[Placed]] = {}
    for item in sorted(placed, key=lambda p: (p.segment.id, p.mention.start)):
        if item.mention.kind == "medication" and item.assertion not in (None, "family"):
            by_drug.setdefault(item.mention.code, []).append(item)
    spoken_of: set[int] = set()
    for said in by_drug.values():
        first = next((n for n, item in enumerate(said) if item.assertion == "hypothetical" and by_clinician_of(item)
                      and item.mention.attributes.get("action", "start") in PROPOSED_ACTIONS - {"decline"}), None)
        if first is None or any(item.assertion in ("present", "possible") for item in said[:first]) \
                or any(item.in_past or item.mention.attributes.get("action") in TAKEN_ACTIONS for item in said):
            continue
        spoken_of |= {id(item) for item in said[first + 1:] if item.assertion == "present"
                      and "action" not in item.mention.attributes and not _says_taken(item)}
    return [replace(item, assertion="hypothetical") if id(item) in spoken_of else item for item in placed]


def _says_taken(item: Placed) -> bool:
    """The patient says the drug taken just before naming it ("I've been taking the ibuprofen")."""
    if by_clinician_of(item):
        return False
    words = normalise(sentence_before(item.segment.text, item.mention.start)).split()
    return bool(TAKING_WORDS.intersection(words[-TAKING_REACH:]))


def _taken_before(item: Placed) -> bool:
    """Said as taken before today, with no decision about it ("I've tried ibuprofen")."""
    return item.assertion == "present" and item.in_past and "action" not in item.mention.attributes


DOUBTS = frozenset({"possible", "hypothetical"})


def _ruled_out(items: list[Placed]) -> list[Placed]:
    """A problem the clinician says the patient does not have ("it's not a brain tumour", "no sign of a stroke"), and
    that was only ever doubted or asked about (the patient's worry, "is it cancer?", the clinician's "it could be a
    clot"), is ruled out: the doubts give way to the denial, where present would outrank absent. A problem said had
    stays had beside it."""
    by_code: dict[str, list[Placed]] = {}
    for item in items:
        if item.mention.kind == "condition" and item.assertion not in (None, "family"):
            by_code.setdefault(item.mention.code, []).append(item)
    doubted: set[int] = set()
    for said in by_code.values():
        denial = [item for item in said if item.assertion == "absent" and item.segment.speaker == "clinician"
                  and not item.mention.in_question]
        doubts = [item for item in said if item.assertion in DOUBTS]
        if denial and doubts and all(item.assertion in DOUBTS or item.assertion == "absent" for item in said):
            doubted |= {id(item) for item in doubts}
    return [replace(item, assertion=None) if id(item) in doubted else item for item in items]


def _denied_apart(items: list[Placed]) -> set[int]:
    """The denials (mentions by id) of a drug never said taken that the clinician proposes ("Have you had any
    steroids?" "No." ... "you might need some steroids"): what the patient is not on and what the plan proposes are
    two facts of the note, two findings."""
    by_drug: dict[str, list[Placed]] = {}
    for item in items:
        if item.mention.kind == "medication":
            by_drug.setdefault(item.mention.code, []).append(item)
    denied: set[int] = set()
    for said in by_drug.values():
        assertions = {item.assertion for item in said}
        if {"absent", "hypothetical"} <= assertions and not assertions & {"present", "possible"}:
            denied |= {id(item) for item in said if item.assertion == "absent"}
    return denied


def _absent_elsewhere(items: list[Placed]) -> set[int]:
    """The exam findings (mentions by id) said absent at another place than where they are present ("tenderness of
    the greater tuberosity ... no tenderness at the acromioclavicular joint", "a mass on the left adnexa, none on the
    right"): two facts of the exam, two findings. An absence said of no place, or of the same place, stays one."""
    by_code: dict[str, list[Placed]] = {}
    for item in items:
        if item.mention.kind == "exam":
            by_code.setdefault(item.mention.code, []).append(item)
    apart: set[int] = set()
    for said in by_code.values():
        present = {_place(item) for item in said if item.assertion == "present"}
        for item in said:
            if item.assertion == "absent" and present and _place(item) != (None, None) and _place(item) not in present:
                apart.add(id(item))
    return apart


def _place(item: Placed) -> tuple[Any, Any]:
    return item.mention.attributes.get("site"), item.mention.attributes.get("laterality")


def _prescribed_anew(items: list[Placed]) -> set[int]:
    """The mentions (by id) of a drug the clinician starts today at a dose said with it, when the patient already
    takes that drug, or took it before ("I've been taking ibuprofen", "I've tried ibuprofen" ... "I'll give you Motrin
    800 mg"): the prescription is a finding apart, so its dose is not the one taken. Started without a dose ("you can
    try regular paracetamol") it is the drug kept on, and merges."""
    by_drug: dict[str, list[Placed]] = {}
    for item in items:
        if item.mention.kind == "medication" and item.assertion != "family":
            by_drug.setdefault(item.mention.code, []).append(item)
    anew: set[int] = set()
    for said in by_drug.values():
        started = [item for item in said if item.mention.attributes.get("action") == "start"]
        if any("dose" in item.mention.attributes for item in started) and any(
                _taken(item) or _taken_before(item) for item in said):
            anew |= {id(item) for item in started}
    return anew


def _past_apart(items: list[Placed]) -> set[int]:
    """The mentions (by id) of a symptom or problem had in the past when what is said of it now differs ("I had some
    chest pain five years ago" ... "No pain in my chest."): the episode gone is a finding apart, present and
    historical, so that it does not outrank the denial of today. A past denied ("Any headaches before this?" "Not
    really.") is no finding apart, nor one doubted today ("I think the cramps were from the atorvastatin": the
    hedge is on the cause)."""
    by_concept: dict[tuple[str, str], list[Placed]] = {}
    for item in items:
        if item.mention.kind in PAST_APART_KINDS and item.assertion not in (None, "family"):
            by_concept.setdefault((item.mention.kind, item.mention.code), []).append(item)
    apart: set[int] = set()
    for said in by_concept.values():
        then = [item for item in said if item.in_past]
        now = [item for item in said if not item.in_past]
        if then and now and _best(then) == "present" and _best(now) == "absent":
            apart |= {id(item) for item in then}
    return apart


def _best(items: list[Placed]) -> str:
    """The assertion that holds among mentions that disagree (`RANK`)."""
    return max((item.assertion for item in items if item.assertion is not None), key=RANK.__getitem__)


def _merge_attributes(said: Iterable[Mention]) -> dict[str, Any]:
    """Attributes of all mentions; the first mention (winning assertion first) that says each one wins."""
    merged: dict[str, Any] = {}
    for mention in said:
        for key, value in mention.attributes.items():
            merged.setdefault(key, value)
    return merged


def _evidence(items: list[Placed], assertion: str) -> list[Evidence]:
    """Every mention of the concept, and the answers that gave it its assertion."""
    evidence: dict[tuple[int, int, int], Evidence] = {}
    for item in items:
        mention, segment = item.mention, item.segment
        key = (segment.id, mention.start, mention.end)
        if key not in evidence:
            t0, t1 = span_times(segment, mention.start, mention.end) or (segment.start, segment.end)
            evidence[key] = Evidence(segment=segment.id, start=mention.start, end=mention.end,
                                     text=segment.text[mention.start:mention.end], t0=t0, t1=t1)
        for extra in item.extra if item.assertion == assertion else ():
            evidence.setdefault((extra.segment, extra.start, extra.end), extra)
    return [evidence[key] for key in sorted(evidence)]
