"""Builders of Subjective: chief complaint, the history of the present illness, and the findings grouped by
assertion (review of systems, past history, medications, allergies, family and social history)."""

from __future__ import annotations

import re

from knowledge.note import Sentence, Subsection
from knowledge.notes.plan import SubsectionPlan
from knowledge.notes.registry import builder, part
from knowledge.notes.visit import Clause, Visit
from knowledge.wording import capital, indefinite, join_words
from nlp.lexicon import normalise
from nlp.types import Finding

# A patient's answer this short says nothing without its question ("both of them", "no, not really").
_SHORT_ANSWER = 5
_TOLD_WORDS = 25  # a longer clause is a story told, not a line of social history


def _bucket(finding: Finding) -> str:
    if finding.assertion == "present":
        return "past" if finding.historical else "present"
    return finding.assertion


def described(visit: Visit, finding: Finding) -> str:
    """A symptom with where it is: "knee pain in the right knee" reads "right knee pain"."""
    name = visit.name(finding)
    site, side = finding.attributes.get("site"), finding.attributes.get("laterality")
    if side == "bilateral":
        return f"{name} in both {visit.wording.sites(site)}" if site and site not in name else f"bilateral {name}"
    place = visit.wording.place(site) if site else ""
    if place and place not in name:
        return f"{name} in the {side + ' ' if side else ''}{place}"
    return f"{side} {name}" if side else name


def chief(visit: Visit) -> list[Finding]:
    """What the patient came for: the first symptom or problem said as present, early in the visit (the
    problems the clinician then addresses, when none was)."""
    early = [c for c in visit.clauses[: max(12, len(visit.clauses) // 4)] if c.phase == "history"]
    for kinds in (("symptom",), ("condition",)):
        for clause in early:
            for finding in clause.findings:
                if finding.kind in kinds and finding.assertion == "present" and finding.code != "age_over_50" \
                        and (kinds == ("symptom",) or not finding.historical):
                    return [finding]
    return [p.findings[0] for p in visit.problems[:1] if p.findings]


# "... who presents today for follow-up of his chronic problems": the reason for the visit, as dictated
_PRESENTS_FOR = re.compile(r"\b(?:(?:presents?|presenting|comes in|came in|is seen)(?: today| here)?(?: for| with)|"
                           r"(?:here|in)(?: today)? for)(?: an?| the| some)? (?P<reason>[^,.;]+)", re.I)
_POSSESSIVE = re.compile(r"\b(?:his|her|their) ", re.I)
_REASON_WORDS = 10  # longer, the "reason" runs on into the history


def dictated_reason(visit: Visit) -> Sentence | None:
    """The reason for the visit in the clinician's dictated opening, without the patient's pronouns."""
    opening = visit.opening
    match = _PRESENTS_FOR.search(opening.written or "") if opening is not None else None
    if opening is None or match is None or len(match.group("reason").split()) > _REASON_WORDS:
        return None
    return visit.sentence(capital(_POSSESSIVE.sub("", match.group("reason").strip())) + ".",
                          list(opening.findings), clauses=[opening])


@builder("chief_complaint")
def chief_complaint(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    reason = dictated_reason(visit)
    if reason is not None:
        return part(sub, [reason])
    found = chief(visit)
    return part(sub, [visit.sentence(capital(described(visit, f)) + ".", [f]) for f in found])


def _details(visit: Visit, symptom: Finding) -> Sentence | None:
    """The complaint with its timing, frequency, onset and duration, when any was said."""
    # A timing said of the complaint where it is spoken of: in its turn, or within two turns either way (a
    # question and its answer: "cramps in my legs" / "when do they happen?" / "mostly at night"); "stay in the
    # hospital overnight" in the plan is no night cramp.
    said_at = {ev.segment for ev in symptom.evidence}
    timings = [f for f in visit.findings if f.kind == "timing" and f.assertion == "present" and not f.historical
               and any(ev.segment + step in said_at for ev in f.evidence for step in range(-2, 3))]
    parts = []
    if timings:
        parts.append(join_words([visit.wording.timing(t.code) for t in timings]))
    # Onset and duration as the findings give them (docs/findings.md): "2 years ago", "6 weeks".
    for key, pattern in (("frequency", "{}"), ("onset", "onset {}"), ("duration", "for {}")):
        if symptom.attributes.get(key):
            parts.append(pattern.format(symptom.attributes[key]))
    if not parts:
        return None
    return visit.sentence(", ".join([capital(described(visit, symptom)), *parts]) + ".", [symptom, *timings])


def _opening(visit: Visit, complaint: str, found: list[Finding]) -> Sentence | None:
    """"The patient is a 62-year-old male who presents today for knee pain." with only the facts said."""
    phrases = visit.plan.style.phrases.get("history", {})
    facts = {"age": visit.age, "sex": visit.sex, "complaint": complaint}
    for key in ("opening_age", "opening"):
        pattern = phrases.get(key)
        if pattern and all(facts.get(slot) for slot in ("age", "sex", "complaint")
                                            if "{" + slot + "}" in pattern):
            return visit.sentence(pattern.format(**facts), found)
    return None


@builder("history_narrative")
def history_narrative(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    """The history in the clinician's register: the opening, the complaint's details, then what the patient
    said (and the clinician stated of the history), in the order said."""
    if not visit.findings:
        return []  # talk with nothing clinical in it ("we went to the beach") is no history
    sentences: list[Sentence] = []
    dictated = visit.opening
    found = chief(visit)
    detail = _details(visit, found[0]) if found and found[0].kind == "symptom" else None
    if dictated is not None:
        sentences.append(visit.sentence(dictated.written or "", clauses=[dictated]))
    elif found:
        complaint = detail.text.rstrip(".") if detail else capital(described(visit, found[0]))
        opening = _opening(visit, complaint[:1].lower() + complaint[1:], found)
        first = opening or detail
        if first is not None:
            sentences.append(first)
        detail = None if opening else detail
    if detail is not None:
        sentences.append(detail)
    for timing in visit.findings:
        if timing.kind == "timing" and timing.assertion == "absent":
            pattern = visit.plan.phrase(sub, "not_timing")
            sentences.append(visit.sentence(pattern.format(visit.wording.timing(timing.code)), [timing]))
    told = [c for c in visit.clauses if c is not dictated and c.phase == "history" and c.written is not None
            and len(c.written.split()) >= _SHORT_ANSWER and (c.speaker == "patient" or c.findings)]
    said = [visit.writer.content_words(s.text) for s in sentences]
    for clause in visit.within(sub, told):
        words = visit.writer.content_words(clause.written or "")
        if words and words <= frozenset().union(*said):
            continue  # said before in the history: a summary the patient confirmed, an answer given twice
        said.append(words)
        sentences.append(visit.sentence(clause.written or "", clauses=[clause]))
    return part(sub, sentences)


@builder("grouped_findings")
def grouped_findings(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    """One sentence per assertion ("Denies fever, chills and nausea."), in the order of the phrases."""
    found = visit.feeding(sub)
    sentences = []
    told: dict[int, tuple[Clause, list[Finding]]] = {}  # one sentence per clause: "I drive a bus and live alone"
    for finding in [f for f in found if f.code in sub.told_codes]:
        clause = next((c for c in visit.clauses if c.written and finding.id in {g.id for g in c.findings}
                       and len(c.written.split()) <= _TOLD_WORDS), None)
        if clause is not None:
            told.setdefault(clause.index, (clause, []))[1].append(finding)
            found.remove(finding)
    sentences += [visit.sentence(clause.written or "", findings, clauses=[clause]) for clause, findings in told.values()]
    for key in sub.phrases:
        group = list({described(visit, f): f for f in found if _bucket(f) == key}.items())
        if group:
            pattern = visit.plan.phrase(sub, key)
            words = join_words([w for w, _ in group], "or" if key == "absent" else "and")
            sentences.append(visit.sentence(capital(pattern.format(words)), [f for _, f in group]))
    return part(sub, sentences)


def dose(visit: Visit, finding: Finding, amounts: bool = True) -> str:
    """"levothyroxine (Synthroid) 50 mg once daily" (without dose and frequency when not `amounts`); a class said
    without a drug reads "a statin"."""
    if visit.wording.is_drug_class(finding.code):
        return f"{indefinite(visit.name(finding))} (name not said)"
    words = [visit.name(finding)]
    said_as = visit.wording.said_as(finding)
    if said_as is None and normalise(finding.text) not in normalise(words[0]):
        said_as = finding.text  # the name said (a brand the topic does not list), so a reader can match it
    if said_as:
        words.append(f"({said_as})")
    if not amounts:
        return " ".join(words)
    amount = finding.attributes.get("dose")
    if isinstance(amount, dict) and amount.get("value") is not None:
        words.append(f"{amount['value']:g} {amount.get('unit') or ''}".strip())
    for key in ("route", "frequency"):
        if finding.attributes.get(key):
            words.append(str(finding.attributes[key]))
    return " ".join(words)


def _current_amounts(visit: Visit, finding: Finding) -> bool:
    """Whether the dose a finding holds is what the patient takes now: a dose the clinician changes is the new one
    ("increase your lasix to 80 mg") unless the patient also said the drug ("lasix 40 mg twice a day")."""
    if finding.attributes.get("action") != "change":
        return True
    speakers = {segment.id: segment.speaker for segment in visit.transcript.segments}
    return any(speakers.get(ev.segment) == "patient" for ev in finding.evidence)


@builder("medications")
def medications(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    """What the patient takes (one line each, with dose), took, or does not take; proposed medicines belong
    to the plan."""
    sentences = []
    for finding in visit.feeding(sub):
        key = _bucket(finding)
        if key not in sub.phrases or finding.attributes.get("action") == "start":
            continue  # a medicine started today is the plan's
        if key == "absent":
            name = visit.name(finding)
            words = indefinite(name) if visit.wording.is_drug_class(finding.code) else name
        else:
            words = dose(visit, finding, amounts=_current_amounts(visit, finding))
        sentences.append(visit.sentence(capital(visit.plan.phrase(sub, key).format(words)), [finding]))
    return part(sub, sentences)
