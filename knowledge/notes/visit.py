"""One visit as the builders see it: its clauses (who said them, in which part of the visit, in the note's
register), its findings, the patient's pronouns, and the problems the clinician addressed.

Built once per draft; every builder reads it and none changes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from knowledge.note import NoteEvidence, Sentence
from knowledge.notes.plan import NotePlan, SubsectionPlan
from knowledge.notes.register import HE, SHE, THEY, Person, Writer, phrases_pattern
from knowledge.wording import Wording, capital
from nlp.types import Finding, Segment, Transcript
from nlp.words import span_times

Phase = Literal["history", "exam", "results", "plan"]
_AGE = re.compile(r"(?<![\w-])(\d{1,3}|[a-z]+(?:[- ][a-z]+)?)[- ]years?[- ]old(?![\w-])", re.I)
# "since i was 13 years old", "when he was five years old": an age of the past
_PAST_AGE = re.compile(r"(?<![\w-])(?:was|were|since|until|till|by|at)\s+(?:about\s+|around\s+|like\s+)?$", re.I)
_PERSON_AFTER = re.compile(r"\s*(?:female|male|woman|man|lady|gentleman|girl|boy|patient|person)\b", re.I)
_FEMALE = phrases_pattern(["female", "woman", "lady", "mrs", "ms", "miss", "ma'am", "girl"])
_MALE = phrases_pattern(["male", "man", "gentleman", "mr", "sir", "boy"])
_SHE = phrases_pattern(["she", "her", "herself"])
_HE = phrases_pattern(["he", "him", "his", "himself"])
_BARE_ANSWER = re.compile(r"(?:no|yes|yeah|nope|not really)\b", re.I)
_SHORT_META = 6  # words: visit management this short says nothing of what it names
_OVERRUN = 1.25  # how far past a part's length clauses naming findings may run
_QUALIFIER_WORDS = 12  # an answer that says when, and no more, is short
_INTERJECTION = 3  # words: "mm-hmm", "okay", "yes, I see" said while the other speaker goes on
_SIDE_SAID = re.compile(r"\b(?:left|right|bilateral|both)\b", re.I)  # words that already say a side
_SIDE_NAMED_KINDS = frozenset({"condition", "imaging", "order"})  # named with their side (symptoms: history.described)
_REVIEWED_KINDS = ("imaging",)  # an image named while the clinician looks at it opens a reading of it
# A reading is a sentence or two ("what I'm seeing is a fracture. so you have a distal phalanx fracture."); a
# third was more often the next problem's on ACI-BENCH train (1 and 3 scored no better there).
_REVIEW_CLAUSES = 2
# A problem is named by a condition, or by a symptom the clinician opens a problem with.
_PROBLEM_KINDS = ("condition", "symptom")


def _first_clause_start(text: str) -> int:
    """Where a turn's first words start, past a leading ". " that marks it as the rest of a sentence."""
    return len(text) - len(text.lstrip(" .,"))


@dataclass(frozen=True)
class Clause:
    """A clause of one segment: its span, speaker, part of the visit, and its written form (None: nothing
    clinical, or a question)."""

    index: int
    segment: Segment
    start: int
    end: int
    phase: Phase
    question: bool
    written: str | None
    findings: tuple[Finding, ...] = ()
    # The rest of the sentence, said in the speaker's next turn after the other's "mm-hmm" (see Visit._joined).
    tail: Clause | None = None
    # The question a short answer was written with ("Shortness of breath when ...", see Visit._answered).
    asked: Clause | None = None

    @property
    def speaker(self) -> str:
        return self.segment.speaker

    @property
    def said(self) -> str:
        own = self.segment.text[self.start:self.end]
        return f"{own.rstrip('-')} {self.tail.said}" if self.tail is not None else own


@dataclass
class Problem:
    """A problem the clinician addressed in the assessment and plan, in the clinician's words, and the clauses
    that speak of it."""

    name: str
    findings: list[Finding]
    clauses: list[Clause] = field(default_factory=list)


class Visit:
    """The context every builder takes."""

    def __init__(self, transcript: Transcript, findings: list[Finding], plan: NotePlan, writer: Writer,
                 wording: Wording, topical: bool = True) -> None:
        """`topical`: the topic applies to the consultation, so its codes read by its labels ("leg cramps")."""
        self.transcript = transcript
        self.topical = topical
        self.findings = findings
        self.plan = plan
        self.writer = writer
        self.wording = wording
        self.person = self._person()
        cues = plan.language.phase_cues
        self._exam, self._results = phrases_pattern(cues.exam), phrases_pattern(cues.results)
        self._plan_start, self._plan_item = phrases_pattern(cues.plan_start), phrases_pattern(cues.plan_items)
        self._impression = phrases_pattern(cues.impression)
        self._reading = phrases_pattern(cues.reading)
        self._exam_start = phrases_pattern(cues.exam_start)
        self._exam_elsewhere = phrases_pattern(cues.exam_elsewhere)
        self._opener = phrases_pattern(cues.problem_openers)
        self.clauses = self._clauses()

    # The patient -------------------------------------------------------------------------------

    def _person(self) -> Person:
        """he/she only when the consultation says the sex (a word, or the clinician's pronouns for the patient)."""
        clinician = " ".join(s.text for s in self.transcript.segments if s.speaker != "patient")
        female, male = len(_FEMALE.findall(clinician)), len(_MALE.findall(clinician))
        if female != male:
            return SHE if female > male else HE
        she, he = len(_SHE.findall(clinician)), len(_HE.findall(clinician))
        if max(she, he) >= 3 and max(she, he) >= 3 * min(she, he):
            return SHE if she > he else HE
        return THEY

    @cached_property
    def age(self) -> str | None:
        """The age said as "N-year-old", as digits: the one said of a person ("a pleasant 65 year old female")
        first, else the first not said of the past ("anemic since i was 13 years old" is no age)."""
        said = [match for segment in self.transcript.segments for match in _AGE.finditer(segment.text)
                if not _PAST_AGE.search(match.string[:match.start()])]
        said.sort(key=lambda match: not _PERSON_AFTER.match(match.string, match.end()))
        for match in said:
            words = self.writer.write(f"she is {match.group(1)} years old", "clinician", THEY) or ""
            number = re.search(r"\d+", words)
            if number:
                return number.group()
        return None

    @cached_property
    def sex(self) -> str | None:
        """"female" or "male" when one of those words was said."""
        text = self.transcript.text
        female = re.search(r"(?<![\w-])(female|woman)(?![\w-])", text, re.I)
        male = re.search(r"(?<![\w-])(male|man)(?![\w-])", text, re.I)
        if bool(female) != bool(male):
            return "female" if female else "male"
        return None

    # Clauses -----------------------------------------------------------------------------------

    def _clauses(self) -> list[Clause]:
        by_segment: dict[int, list[Finding]] = {}
        for finding in self.findings:
            for ev in finding.evidence:
                by_segment.setdefault(ev.segment, []).append(finding)
        raw = []
        for segment in self.transcript.segments:
            for start, end in self.writer.clauses(segment.text):
                inside = tuple({f.id: f for f in by_segment.get(segment.id, ()) for ev in f.evidence
                                if ev.segment == segment.id and ev.start < end and ev.end > start}.values())
                raw.append((segment, start, end, inside))
        plan_at = self._plan_start_at(raw)
        exam_at = self._exam_start_at(raw, plan_at)
        clauses: list[Clause] = []
        for index, (segment, start, end, inside) in enumerate(raw):
            text = segment.text[start:end]
            question = self.writer.is_question(text) or (segment.speaker != "patient" and self.writer.asks_within(text))
            written = None if question else self.writer.write(text, segment.speaker, self.person)
            if written and segment.speaker != "patient" and self.writer.is_meta(text) \
                    and (not inside or len(written.split()) <= _SHORT_META):
                written = None  # "Let us look at our x-ray.": the x-ray's result is said elsewhere, or not at all
            if written and all(f.kind == "follow_up" for f in inside) and self.writer.is_greeting(text):
                # "Hi there carolyn it is nice to see her again listen ...": a greeting run on ("good to see you in
                # here" reads as a follow-up "see you in")
                written = None
            if written and self.writer.is_transition(text):
                written = None  # "Let's talk about your migraines.": the next sentences say what there is to say
            if written and segment.speaker == "patient" and _BARE_ANSWER.match(written) and len(written.split()) < 8:
                written = None  # "No, nothing out of the ordinary": its question's finding says it
            asked = next((c for c in reversed(clauses) if c.speaker != "patient"), None) \
                if written and segment.speaker == "patient" and not inside else None
            if asked is not None and asked.question and self.writer.checks_identity(asked.said):
                written = None  # "That is the first of October, 99.": who the patient is, not their history
            phase = self._phase(index, plan_at, segment, text, inside, cued=index >= exam_at or exam_at == plan_at)
            if phase == "history" and exam_at <= index < plan_at:
                phase = "exam"  # once examining, what is said belongs to the examination, not the history
            if phase == "exam" and clauses and clauses[-1].phase == "results" and clauses[-1].segment is segment \
                    and not {f.kind for f in inside} & {"exam", "vital"}:
                phase = "results"  # "looking at the x-ray, no fractures. there's a little fluid, no dislocation."
            if written and phase == "exam" and segment.speaker != "patient" and not inside \
                    and not self.writer.content_words(written):
                written = None  # "That is it." while examining says nothing of what was found
            clauses.append(Clause(index, segment, start, end, phase, question, written, inside))
        return self._reviewed(self._answered(self._joined(clauses)))

    def _reviewed(self, clauses: list[Clause]) -> list[Clause]:
        """What the clinician reads off an image during the assessment and plan ("show me the x-ray." / "what
        I'm seeing is a fracture." / "so you have a distal phalanx fracture.") is a result: the clause naming
        the image and up to `_REVIEW_CLAUSES` of the clinician's next clauses that read it (a reading cue, or a
        condition the reading already named), until a decision, an impression, a question, a symptom or exam
        finding, or the patient speaking. Before the assessment and plan the cues place results (`_phase`)."""
        left, read = 0, set()
        for at, clause in enumerate(clauses):
            if clause.phase != "plan":
                left = 0
                continue
            if clause.speaker == "patient":
                left = 0 if clause.written else left
                continue
            if any(f.kind in _REVIEWED_KINDS for f in clause.findings) and not self.is_plan_item(clause):
                left, read = _REVIEW_CLAUSES, {f.code for f in clause.findings if f.kind == "condition"}
                clauses[at] = replace(clause, phase="results")
                continue
            if not left or clause.written is None:
                continue
            conditions = {f.code for f in clause.findings if f.kind == "condition"}
            reads = bool(self._reading.search(clause.said)) or bool(conditions and conditions <= read)
            if not reads or clause.question or self.is_plan_item(clause) or self._impression.search(clause.said) \
                    or self._plan_start.search(clause.said) \
                    or any(f.kind in ("symptom", "exam", "vital") for f in clause.findings):
                left = 0
                continue
            read |= conditions
            clauses[at] = replace(clause, phase="results")
            left -= 1
        return clauses

    def _answered(self, clauses: list[Clause]) -> list[Clause]:
        """An answer that only says when names what was asked: "Any shortness of breath?" "Just when I'm doing
        the projects." -> "Shortness of breath when he is doing the projects.", citing the question's
        finding and the answer."""
        for at, clause in enumerate(clauses):
            if clause.speaker != "patient" or not clause.written or "," in clause.written \
                    or len(clause.written.split()) > _QUALIFIER_WORDS \
                    or clause.start != _first_clause_start(clause.segment.text) or not self.writer.qualifies(clause.said):
                continue  # "When it gets high, I have headaches" says more than when
            asked = next((c for c in reversed(clauses[:at]) if c.speaker != "patient"), None)
            if asked is None or not asked.question or any(f not in asked.findings for f in clause.findings):
                continue  # the answer names something of its own
            symptoms = [f for f in asked.findings if f.kind == "symptom"]
            if len(symptoms) != 1:
                continue  # no one thing asked: the answer stays as said
            written = f"{capital(self.name(symptoms[0]))} {clause.written[:1].lower()}{clause.written[1:]}"
            findings = {f.id: f for f in (*symptoms, *clause.findings)}
            clauses[at] = replace(clause, written=written, asked=asked, findings=tuple(findings.values()))
        return clauses

    def _joined(self, clauses: list[Clause]) -> list[Clause]:
        """A sentence the other speaker's "mm-hmm" interrupted, written once: "set an alarm-" / "okay ." /
        ". some time during the day" is one clause whose tail is the second part, citing both spans."""
        tails: set[int] = set()
        for at in range(len(clauses) - 1):
            head = clauses[at]
            after = next((k for k in range(at + 1, len(clauses)) if clauses[k].segment.id != head.segment.id
                          and clauses[k].speaker == head.speaker), None)
            if after is None or at in tails:
                continue  # a sentence interrupted twice is joined once; its third part stays as said
            tail = clauses[after]
            between = [s for s in self.transcript.segments if head.segment.id < s.id < tail.segment.id]
            if tail.start != _first_clause_start(tail.segment.text) or head.end != len(head.segment.text) \
                    or not between or any(s.speaker == head.speaker or len(s.text.split()) > _INTERJECTION
                                          for s in between) \
                    or head.said.rstrip().endswith((".", "?", "!")) and not head.said.rstrip().endswith("..."):
                continue
            said = f"{head.segment.text[head.start:head.end].rstrip('-. ')} {tail.said}"
            question = self.writer.is_question(said) or (head.speaker != "patient" and self.writer.asks_within(said))
            written = None if question else self.writer.write(said, head.speaker, self.person)
            clauses[at] = replace(head, question=question, written=written, tail=tail,
                                  findings=head.findings + tuple(f for f in tail.findings if f not in head.findings))
            clauses[after] = replace(tail, written=None)
            tails.add(after)
        return clauses

    @cached_property
    def opening(self) -> Clause | None:
        """The clinician's own introduction of the patient ("andrew is a 62-year-old male ... who presents ..."):
        the history's opening, so no other part repeats it (its "abnormal labs" are no result)."""
        for clause in self.clauses[:20]:
            said = clause.said.lower()
            if clause.speaker != "patient" and clause.written and "year-old" in said.replace(" ", "-") \
                    and any(cue in said for cue in ("present", "here for", "in for", "comes in", "history")):
                return clause
        return None

    def _exam_start_at(self, raw: list[tuple[Segment, int, int, tuple[Finding, ...]]], plan_at: int) -> int:
        """The clinician's first clause announcing the examination ("physical exam", "listen to your heart"),
        past the first quarter of the visit and before the assessment and plan."""
        for index, (segment, start, end, _) in enumerate(raw[:plan_at]):
            text = segment.text[start:end]
            if index >= len(raw) // 4 and segment.speaker != "patient" and self._exam_start.search(text) \
                    and not self._exam_elsewhere.search(text):
                return index
        return plan_at

    def _plan_start_at(self, raw: list[tuple[Segment, int, int, tuple[Finding, ...]]]) -> int:
        """The first clinician clause of the assessment and plan: a cue ("my assessment", "for your first
        problem") or impression after the first third of the visit, else the first plan item in the second half."""
        third = len(raw) // 3
        impression = None
        for index, (segment, start, end, _) in enumerate(raw):
            said = segment.text[start:end]
            if segment.speaker == "patient" or self.writer.is_question(said):
                continue  # "my assessment and plan, okay?" opens it; "any questions about the plan?" does not
            if impression is not None and self._exam_start.search(said):
                impression = None  # "I think you're doing a good job. okay, so on exam ...": that was no assessment
            if index >= third and self._plan_start.search(said):
                return index if impression is None else impression
            if impression is None and index >= len(raw) // 2 and self._impression.search(said):
                impression = index
        if impression is not None:
            return impression
        for index, (segment, start, end, _) in enumerate(raw):
            if index >= len(raw) // 2 and segment.speaker != "patient" \
                    and self._plan_item.search(segment.text[start:end]):
                return index
        return len(raw)

    def _phase(self, index: int, plan_at: int, segment: Segment, text: str, inside: tuple[Finding, ...],
               cued: bool = True) -> Phase:
        """`cued`: an exam cue alone ("blood pressure") makes a clause exam; before an announced examination
        ("in terms of your high blood pressure, I know that you have battled ...") only an exam or vital finding does."""
        if index >= plan_at:
            return "plan"
        if segment.speaker == "patient":
            return "history"
        kinds = {f.kind for f in inside}
        if kinds & {"lab", "electrolyte", "imaging"} or self._results.search(text):
            return "results"
        if kinds & {"exam", "vital"} or (cued and self._exam.search(text) and not self._exam_elsewhere.search(text)):
            return "exam"
        return "history"

    def within(self, sub: SubsectionPlan, clauses: list[Clause]) -> list[Clause]:
        """The clauses that say most within the style's length for the subsection, in the order said: those
        naming findings first, the patient's before the clinician's, longer before shorter."""
        budget = self.plan.style.lengths.get(sub.code)
        if budget is None:
            return clauses
        ranked = sorted(clauses, key=lambda c: (not c.findings, c.speaker != "patient", c.index))
        kept: set[int] = set()
        words = 0
        for clause in ranked:
            size = len((clause.written or "").split())
            # A clause naming a finding may run the part a little past its length: the length is the corpus's
            # median, and "no fracture or dislocation" matters more than keeping to it.
            allowed = budget * _OVERRUN if clause.findings else budget
            if words + size > allowed and kept:
                continue
            kept.add(clause.index)
            words += size
        return [c for c in clauses if c.index in kept]

    def is_plan_item(self, clause: Clause) -> bool:
        """A decision: said with a plan cue, or naming a medication decided today or an order ("as well as
        your lisinopril 10 milligrams a day" after "continue your toprol")."""
        return bool(self._plan_item.search(clause.said)) or any(
            (f.kind == "medication" and f.attributes.get("action")) or f.kind == "order" for f in clause.findings)

    # Findings ------------------------------------------------------------------------------------

    def feeding(self, sub: SubsectionPlan) -> list[Finding]:
        """The findings of the kinds, assertions and codes the subsection's plan names."""
        found = []
        for finding in self.findings:
            if sub.kinds and finding.kind not in sub.kinds:
                continue
            if sub.assertions and finding.assertion not in sub.assertions:
                continue
            if finding.code in sub.exclude_codes:
                continue
            icd10 = finding.attributes.get("icd10")
            if sub.past_only_icd10 and not finding.historical and isinstance(icd10, str) \
                    and icd10.startswith(tuple(sub.past_only_icd10)):
                continue
            codes = sub.codes_for_kind.get(finding.kind)
            if codes is not None and finding.code not in codes:
                continue
            found.append(finding)
        return found

    def name(self, finding: Finding) -> str:
        return self.wording.name(finding, self.topical)

    def sided(self, finding: Finding, name: str) -> str:
        """A problem, study or order named with the side of its place, when it has one its words do not say:
        "knee sprain" reads "left knee sprain", "meniscus sprain" "left knee meniscus sprain" (as a problem list
        writes it), an x-ray of the knee "x-ray of the left knee"."""
        site, side = finding.attributes.get("site"), finding.attributes.get("laterality")
        if finding.kind not in _SIDE_NAMED_KINDS or not side or _SIDE_SAID.search(name):
            return name
        capitalised = name[:1].isupper()
        place = self.wording.place(str(site)) if site else ""
        if place and not re.search(rf"\b{re.escape(place)}", name, re.I):
            if finding.kind != "condition":
                return f"{name} of both {self.wording.sites(str(site))}" if side == "bilateral" \
                    else f"{name} of the {side} {place}"
            name = f"{place} {_lower_first(name)}"
        said = re.search(rf"\b{re.escape(place)}", name, re.I) if place else None
        at = said.start() if said else 0
        sided = f"{name[:at]}{side} {_lower_first(name[at:])}"
        return capital(sided) if capitalised else sided

    # Problems ----------------------------------------------------------------------------------

    @cached_property
    def problems(self) -> list[Problem]:
        """The problems of the assessment and plan, in the order the clinician took them up; each clause of the
        clinician's assessment and plan belongs to the problem last opened (the first, before any)."""
        problems: list[Problem] = []
        by_code: dict[tuple[str, str], Problem] = {}
        current: Problem | None = None
        pending: list[Clause] = []
        for clause in self.clauses:
            if clause.phase != "plan" or clause.speaker == "patient" or clause.written is None:
                continue
            named = [f for f in clause.findings if f.kind in _PROBLEM_KINDS
                     and f.assertion in ("present", "possible") and f.code != "age_over_50"]
            opener = bool(self._opener.search(clause.said))
            for finding in named:
                key = (finding.kind, finding.code)
                if key in by_code:
                    current = by_code[key] if opener else current or by_code[key]
                    break
                if opener or current is None or finding.kind == "condition":
                    current = Problem(name=self._problem_name(finding, clause), findings=[finding])
                    by_code[key] = current
                    problems.append(current)
                    break
            if current is None:
                pending.append(clause)
            else:
                current.clauses.append(clause)
        if problems and pending:
            problems[0].clauses[:0] = pending
        elif pending:
            problems.append(Problem(name=self._main_problem(), findings=[], clauses=pending))
        return problems

    def _main_problem(self) -> str:
        """What the visit is about when the clinician named no problem in the plan: the complaint said first."""
        for clause in self.clauses:
            for finding in clause.findings:
                if finding.kind == "symptom" and finding.assertion == "present" and not finding.historical:
                    return capital(self.name(finding))
        return ""

    def _problem_name(self, finding: Finding, clause: Clause) -> str:
        """The clinician's words for the problem in that clause ("knee pain"), else its name."""
        for ev in finding.evidence:
            if ev.segment == clause.segment.id and clause.start <= ev.start < clause.end:
                return capital(self.sided(finding, self.writer.spelled(ev.text)))
        return capital(self.sided(finding, self.name(finding)))

    # Sentences ---------------------------------------------------------------------------------

    def sentence(self, text: str, findings: list[Finding] | tuple[Finding, ...] = (),
                 clauses: list[Clause] | tuple[Clause, ...] = ()) -> Sentence:
        """A note sentence citing its findings and the clauses it was written from."""
        spans: dict[tuple[int, int, int], NoteEvidence] = {}
        for finding in findings:
            for ev in finding.evidence:
                spans.setdefault((ev.segment, ev.start, ev.end),
                                 NoteEvidence(segment=ev.segment, start=ev.start, end=ev.end, t0=ev.t0, t1=ev.t1))
        parts = [part for clause in clauses for part in (clause.asked, clause, clause.tail) if part is not None]
        for clause in parts:
            t0, t1 = span_times(clause.segment, clause.start, clause.end) or (clause.segment.start, clause.segment.end)
            spans.setdefault((clause.segment.id, clause.start, clause.end),
                             NoteEvidence(segment=clause.segment.id, start=clause.start, end=clause.end, t0=t0, t1=t1))
        ids = [f.id for f in findings] + [f.id for c in clauses for f in c.findings]
        return Sentence(text=text, finding_ids=list(dict.fromkeys(ids)), evidence=[spans[key] for key in sorted(spans)])


def _lower_first(words: str) -> str:
    """"Knee sprain" -> "knee sprain" for words put after a side; an abbreviation ("MCL strain") as it is."""
    return words if words[1:2].isupper() else words[:1].lower() + words[1:]
