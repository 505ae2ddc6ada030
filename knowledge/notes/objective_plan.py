"""Builders of Objective and of the problem-oriented Assessment and Plan: vitals, what the clinician said on
examination and of the results, each problem's assessment and plan in the clinician's words, follow-up."""

from __future__ import annotations

from knowledge.note import Sentence, Subsection
from knowledge.notes.history import described, dose
from knowledge.notes.plan import SubsectionPlan
from knowledge.notes.registry import builder, part
from knowledge.notes.visit import Clause, Problem, Visit
from knowledge.wording import capital
from nlp.types import Finding

_UNITS = {"mm[Hg]": "mmHg", "/min": "bpm", "Cel": "°C", "[degF]": "°F", "kg/m2": "kg/m2", "[lb_av]": "lb",
          "[in_i]": "in", "[ft_i]": "ft",
          # a count per microlitre as a result line shows it ("White blood cell count 13.3 K/uL")
          "10*3/uL": "K/uL"}
_INTERVALS = {"d": "day", "wk": "week", "mo": "month", "a": "year"}
_ASIDE_WORDS = 7
# The words that only number a problem the clinician takes up ("for your third problem, your hypertension")
_ORDINALS = frozenset({"problem", "first", "second", "third", "fourth", "fifth", "next", "last", "final", "issue"})


def _clause_sentences(visit: Visit, clauses: list[Clause]) -> list[Sentence]:
    seen: set[str] = set()
    sentences = []
    for clause in clauses:
        if clause.written and clause.written.lower() not in seen:
            seen.add(clause.written.lower())
            sentences.append(visit.sentence(clause.written, clauses=[clause]))
    return sentences


@builder("vitals")
def vitals(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    """"Blood pressure: 120/80 mmHg." with the numbers said; "Blood pressure: elevated." when only that was."""
    sentences = []
    for finding in visit.feeding(sub):
        name = capital(visit.name(finding))
        if finding.attributes.get("said_as"):  # "5 ft 6 in" as said, not the 66 in no one said
            text = f"{name}: {finding.attributes['said_as']}."
        elif finding.value is not None:
            value = f"{finding.value:g}"
            if finding.attributes.get("diastolic") is not None:
                value += f"/{finding.attributes['diastolic']:g}"
            unit = _UNITS.get(finding.unit or "", finding.unit or "")
            text = f"{name}: {value} {unit}".rstrip() + "."
        elif finding.attributes.get("interpretation"):
            text = f"{name}: {finding.attributes['interpretation']}."
        else:
            continue
        sentences.append(visit.sentence(text, [finding]))
    return part(sub, sentences)


@builder("clinician_statements")
def clinician_statements(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    """What the clinician stated in one part of the visit (the examination), in the note's register."""
    clauses = [c for c in visit.clauses if c.phase == sub.phase and c.speaker != "patient" and c.written
               and c is not visit.opening]
    sentences = _clause_sentences(visit, visit.within(sub, clauses))
    said = {finding_id for sentence in sentences for finding_id in sentence.finding_ids}
    spans = [(c.segment.id, c.start, c.end) for c in visit.clauses if c.phase == sub.phase or c.speaker == "patient"]
    for finding in visit.feeding(sub):
        # found while examining but in no sentence the clinician stated: the patient's "yes, that hurts" to a
        # manoeuvre, a finding dictated in a word or two; a site only with its side, as a site the finding
        # took from the talk around it may be another part's ("clear lungs" after "your neck")
        pattern = sub.phrases.get(finding.assertion) and visit.plan.phrase(sub, finding.assertion)
        if not pattern or finding.id in said or not any(
                segment == ev.segment and start <= ev.start < end for ev in finding.evidence
                for segment, start, end in spans):
            continue
        said.add(finding.id)
        name = described(visit, finding) if finding.attributes.get("laterality") else visit.name(finding)
        sentences.append(visit.sentence(capital(pattern.format(name)), [finding]))
    return part(sub, sentences)


@builder("results")
def results(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    """Measured results as values ("Potassium 3.1 mmol/L (low)."), then what the clinician said of results."""
    sentences = []
    valued: set[str] = set()
    for finding in visit.feeding(sub):
        if finding.kind not in ("electrolyte", "lab"):
            continue
        name = capital(visit.name(finding))
        interpretation = finding.attributes.get("interpretation")
        if finding.value is not None:
            text = f"{name} {finding.value:g} {_UNITS.get(finding.unit or '', finding.unit or '')}".rstrip()
            text += f" ({interpretation})." if interpretation else "."
            sentences.append(visit.sentence(text, [finding]))
            valued.add(finding.id)
    # A clause whose every finding is already a value line would say the same numbers again.
    clauses = [c for c in visit.clauses if c.phase == sub.phase and c.speaker != "patient" and c.written
               and c is not visit.opening and not (c.findings and {f.id for f in c.findings} <= valued)]
    return part(sub, sentences + _clause_sentences(visit, visit.within(sub, clauses)))


def _problem_title(problem: Problem) -> str | None:
    return problem.name or None


def _kept(visit: Visit, sub: SubsectionPlan, decisions: bool) -> set[int]:
    """The problems' clauses a part writes within its length: their decisions (Plan) or their reasoning."""
    return {c.index for c in visit.within(sub, [c for p in visit.problems for c in p.clauses
                                                 if visit.is_plan_item(c) is decisions])}


@builder("problem_assessment")
def problem_assessment(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    """Each problem the clinician addressed, with the clinician's reasoning about it (not their decisions)."""
    parts = []
    kept = _kept(visit, sub, decisions=False)
    for problem in visit.problems:
        # a short aside with nothing clinical in it ("The cool thing about getting.") is no reasoning
        named = visit.writer.content_words(problem.name) | _ORDINALS
        reasoning = [c for c in problem.clauses if c.index in kept
                     and (c.findings or len((c.written or "").split()) >= _ASIDE_WORDS)
                     and not visit.writer.content_words(c.written or "") <= named]  # "For his next problem, his diabetes."
        sentences = _clause_sentences(visit, reasoning)
        if not sentences and problem.findings:
            sentences = [visit.sentence(f"{problem.name}.", problem.findings)]
        parts += part(sub, sentences, problem=problem.name or None, title=problem.name or sub.title)
    return parts


def _action(visit: Visit, sub: SubsectionPlan, finding: Finding) -> str | None:
    """"Continue levothyroxine (Synthroid)." for a medication decided today; "Order MRI." for an order."""
    if finding.kind == "medication":
        if visit.wording.is_drug_class(finding.code):
            return None  # "anti-inflammatories" said in passing is no decision about a medicine
        action = finding.attributes.get("action")
        return visit.plan.phrase(sub, action).format(dose(visit, finding)) if action in sub.phrases else None
    if finding.kind == "order":
        if any(f.kind == "medication" and f.code == finding.code for f in visit.findings):
            return None  # a medicine "ordered" is a medication action, said as such
        key = "referral" if finding.attributes.get("order_type") == "referral" else "order"
        if finding.attributes.get("order_type") == "therapy":
            return None  # advice ("rest", "ice") is in the clinician's own plan sentence
        name = visit.name(finding).removeprefix("referral ").replace("_", " ")
        return visit.plan.phrase(sub, key).format(visit.sided(finding, name))
    return None


@builder("problem_plan")
def problem_plan(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    """Each problem's plan: the clinician's decisions in their words, then the medication actions and orders
    said in them that the words do not already name."""
    parts = []
    placed: set[str] = set()
    kept = _kept(visit, sub, decisions=True)
    for problem in visit.problems:
        decisions = [c for c in problem.clauses if c.index in kept]
        sentences = _clause_sentences(visit, decisions)
        named = {f.id for c in decisions for f in c.findings}
        inside = [f for c in problem.clauses for f in c.findings if f.kind in sub.kinds and f.id not in placed
                  and f.id not in named]
        for finding in {f.id: f for f in inside}.values():
            text = _action(visit, sub, finding)
            if text:
                placed.add(finding.id)
                sentences.append(visit.sentence(capital(text), [finding]))
        parts += part(sub, sentences, problem=problem.name or None, title=problem.name or sub.title)
    return _decided_elsewhere(visit, sub, parts, placed)


def _decided_elsewhere(visit: Visit, sub: SubsectionPlan, parts: list[Subsection], placed: set[str]) -> list[Subsection]:
    """A medicine the clinician started, stopped or changed outside the assessment and plan ("let's put you on
    some clobetasol" while examining) still belongs in the plan: under the problem taken up nearest before it
    was said, else under the first problem, else under the plan's own title."""
    cited = {fid for p in parts for s in p.sentences for fid in s.finding_ids}
    for finding in visit.findings:
        if finding.kind != "medication" or finding.id in cited or finding.id in placed \
                or finding.attributes.get("action") not in ("start", "stop", "change"):
            continue
        text = _action(visit, sub, finding)
        if not text:
            continue
        sentence = visit.sentence(capital(text), [finding])
        home = _nearest_problem(visit, parts, finding)
        if home is None:
            parts += part(sub, [sentence])
        else:
            parts[home] = parts[home].model_copy(update={"sentences": [*parts[home].sentences, sentence]})
    return parts


def _nearest_problem(visit: Visit, parts: list[Subsection], finding: Finding) -> int | None:
    """Index in `parts` of the problem whose first clause was said last before the finding, else the first."""
    if not parts:
        return None
    said_at = min(ev.segment for ev in finding.evidence)
    opened = {p.name: min((c.segment.id for c in p.clauses), default=0) for p in visit.problems}
    best, best_at = 0, -1
    for index, sub_part in enumerate(parts):
        at = opened.get(sub_part.problem or "", -1)
        if best_at < at <= said_at:
            best, best_at = index, at
    return best


@builder("follow_up")
def follow_up(visit: Visit, sub: SubsectionPlan) -> list[Subsection]:
    sentences = []
    plan = visit.plan.subsection("problem_plan")
    decided = _kept(visit, plan, decisions=True) if plan else set()
    for finding in visit.feeding(sub):
        if finding.assertion not in ("present", "hypothetical"):
            continue
        said = [c for c in visit.clauses if c.speaker != "patient" and c.written and finding in c.findings]
        if said and said[-1].index in decided:
            continue  # the problem's plan already says it in the clinician's words
        if said and said[-1].phase == "plan":  # the clinician's own words ("I want to see her in 2 weeks")
            sentences.append(visit.sentence(said[-1].written or "", [finding], said[-1:]))
            continue
        if said and not any(c.phase == "plan" for c in said):
            continue  # "follow-up of his chronic problems" in the history is the visit's reason, no instruction
        if finding.value is not None and finding.unit in _INTERVALS:
            unit = _INTERVALS[finding.unit] + ("s" if finding.value != 1 else "")
            text = visit.plan.phrase(sub, "interval").format(f"{finding.value:g} {unit}")
        else:
            text = visit.plan.phrase(sub, "unspecified")
        sentences.append(visit.sentence(text, [finding]))
    return part(sub, sentences[:1])
