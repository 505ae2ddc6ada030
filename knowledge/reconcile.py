"""Reconciliation: what the consultation's findings say about medications and results, against the chart.

`Reconciler.reconcile` is a pure function of the findings, the chart (`knowledge.chart`) and the topic's
data. It lists, for the clinician to confirm or dismiss:

- `new`: a medication the patient takes that is not among the chart's current medications;
- `stopped`: a current chart medication the consultation says is stopped or not taken;
- `dose` / `frequency`: a current medication taken at another dose or frequency than the chart says;
- `result`: a result said aloud that differs from the chart's latest recent one (after unit conversion,
  beyond the tolerance of reconciliation.yaml).

What is on the chart but not mentioned is never listed: a consultation talks about what matters today, so
silence about a drug or a result is no evidence that it changed, and listing every unmentioned chart
entry would bury the real discrepancies. Proposals ("we could try magnesium"), uncertain mentions and a
relative's medicines are not the patient's current medication and are left out too.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from knowledge.chart import Chart, ChartMedication, ChartReader, ChartResult, Dose, ReconciliationRules, load_rules
from knowledge.datafile import DEFAULT_TOPIC, topic_dir
from knowledge.lexicon import TopicLexicon, load_lexicon
from knowledge.ranges import ReferenceRanges, load_ranges
from nlp.types import Evidence, Finding

ItemKind = Literal["new", "stopped", "dose", "frequency", "result"]
ANALYTE_KINDS = ("electrolyte", "lab")
SAME_FREQUENCY = 0.02  # per-day counts this close (relative) are one frequency (weekly = 0.142857/day)


class ReconciliationItem(BaseModel):
    """One difference between the consultation and the chart."""

    model_config = ConfigDict(frozen=True)

    id: str  # stable across reloads: "<kind>:<code>", what a decision is recorded against
    kind: ItemKind
    code: str  # the drug, drug class or analyte code
    text: str  # one line for the clinician
    said: str | None = None
    chart: str | None = None
    finding_ids: list[str] = []
    evidence: list[Evidence] = []
    chart_references: list[str] = []  # "MedicationStatement/12"
    dose: Dose | None = None  # for `new`: what "Add to chart" would record
    frequency: str | None = None


class Reconciliation(BaseModel):
    items: list[ReconciliationItem] = []
    medications_on_chart: int = 0
    results_on_chart: int = 0


def _name(code: str) -> str:
    return code.replace("_", " ")


def _dose_text(dose: Dose | None) -> str:
    return f"{dose.value:g} {dose.unit}" if dose else ""


def _per_day_text(per_day: float | None, as_needed: bool) -> str:
    if as_needed:
        return "as needed"
    if per_day is None:
        return ""
    if per_day >= 1 and float(per_day).is_integer():
        return {1: "once daily", 2: "twice daily"}.get(int(per_day), f"{per_day:g} times daily")
    return f"{per_day:.3g} times daily"


def _chart_med_text(med: ChartMedication) -> str:
    detail = med.dosage_text or " ".join(filter(None, (_dose_text(med.dose), _per_day_text(med.per_day,
                                                                                             med.as_needed))))
    return f"{med.text}{' · ' + detail if detail else ''} ({med.reference})"


class Reconciler:
    """The topic's data reconciliation needs: drugs and frequencies (lexicon), units (ranges), rules."""

    def __init__(self, lexicon: TopicLexicon, ranges: ReferenceRanges, rules: ReconciliationRules) -> None:
        self.lexicon = lexicon
        self.ranges = ranges
        self.rules = rules
        self.reader = ChartReader(lexicon, ranges, rules)
        self._drugs = {drug.code for drug in lexicon.drugs.drugs}

    @classmethod
    def load(cls, topic: str = DEFAULT_TOPIC, root: Path | None = None) -> Reconciler:
        folder = topic_dir(topic, root)
        return cls(load_lexicon(topic, folder), load_ranges(topic, folder), load_rules(topic, folder))

    def can_add(self, code: str) -> bool:
        """Whether a `new` item names one drug (not a class), so "Add to chart" can record it."""
        return code in self._drugs

    def reconcile(self, findings: list[Finding], chart: Chart, as_of: datetime) -> Reconciliation:
        """The differences between the findings and the chart, medications first, in order of mention."""
        items = self._medications(findings, chart.medications) + self._results(findings, chart.results, as_of)
        return Reconciliation(items=items, medications_on_chart=len(chart.medications),
                              results_on_chart=len(chart.results))

    # ---- medications ------------------------------------------------------------------------------

    def _on_chart(self, finding: Finding, meds: list[ChartMedication]) -> list[ChartMedication]:
        """Chart entries for the finding's drug, or for any drug of the finding's class ("water pill")."""
        return [med for med in meds if med.code is not None
                and (med.code == finding.code or finding.code in self.lexicon.classes_of(med.code))]

    def _medications(self, findings: list[Finding], meds: list[ChartMedication]) -> list[ReconciliationItem]:
        medications = [f for f in findings if f.kind == "medication"]
        taken = [f for f in medications if f.assertion == "present" and not f.historical]
        not_taken = [f for f in medications if f.assertion == "absent"
                     or (f.assertion == "present" and f.historical)]
        items: list[ReconciliationItem] = []
        for finding in taken:
            matched = self._on_chart(finding, meds)
            if not matched:
                items.append(self._new(finding))
            else:
                items += self._dosing(finding, matched)
        still_taken = {med.reference for f in taken for med in self._on_chart(f, meds)}
        stopped: dict[str, list[tuple[Finding, ChartMedication]]] = {}
        for finding in not_taken:
            for med in self._on_chart(finding, meds):
                if med.reference not in still_taken:
                    stopped.setdefault(med.code or "", []).append((finding, med))
        for code, pairs in stopped.items():
            found = list({id(f): f for f, _ in pairs}.values())
            entries = list({m.reference: m for _, m in pairs}.values())
            how = "said to be stopped" if any(f.historical for f in found) else "said not to be taken"
            items.append(ReconciliationItem(
                id=f"stopped:{code}", kind="stopped", code=code,
                text=f"{_name(code).capitalize()} is a current medication on the chart but was {how}.",
                said=", ".join(f"{f.text} ({'stopped' if f.historical else 'not taken'})" for f in found),
                chart="; ".join(_chart_med_text(m) for m in entries),
                finding_ids=[f.id for f in found], evidence=[e for f in found for e in f.evidence],
                chart_references=[m.reference for m in entries]))
        return items

    def _new(self, finding: Finding) -> ReconciliationItem:
        dose = finding.attributes.get("dose") or {}
        said_dose = Dose(value=dose["value"], unit=dose["unit"]) if "value" in dose and dose.get("unit") else None
        frequency = finding.attributes.get("frequency")
        said = " ".join(filter(None, (_name(finding.code), _dose_text(said_dose), frequency)))
        return ReconciliationItem(
            id=f"new:{finding.code}", kind="new", code=finding.code,
            text=f"{said.capitalize()} was mentioned as taken but is not among the chart's current medications.",
            said=said, finding_ids=[finding.id], evidence=finding.evidence, dose=said_dose, frequency=frequency)

    def _dosing(self, finding: Finding, matched: list[ChartMedication]) -> list[ReconciliationItem]:
        """Dose and frequency differences; one chart entry agreeing is enough (a statement and an order may
        both be on the chart), and nothing is compared that either side does not state."""
        items = []
        dose = finding.attributes.get("dose") or {}
        if "value" in dose and dose.get("unit"):
            said = Dose(value=float(dose["value"]), unit=dose["unit"])
            stated = [m for m in matched if m.dose is not None and self._comparable(said, m.dose)]
            if stated and not any(m.dose is not None and self._same_dose(said, m.dose) for m in stated):
                items.append(self._difference("dose", finding, _dose_text(said), stated,
                                              [_dose_text(m.dose) for m in stated]))
        frequency = finding.attributes.get("frequency")
        if frequency == "as needed":
            stated = [m for m in matched if m.per_day is not None or m.as_needed]
            if stated and not any(m.as_needed for m in stated):
                items.append(self._difference("frequency", finding, frequency, stated,
                                              [_per_day_text(m.per_day, m.as_needed) for m in stated]))
        elif frequency in self.rules.frequency_per_day:
            per_day = self.rules.frequency_per_day[frequency]
            stated = [m for m in matched if m.per_day is not None and not m.as_needed]
            if stated and not any(m.per_day is not None and math.isclose(per_day, m.per_day, rel_tol=SAME_FREQUENCY)
                                  for m in stated):
                items.append(self._difference("frequency", finding, frequency, stated,
                                              [_per_day_text(m.per_day, m.as_needed) for m in stated]))
        return items

    def _difference(self, kind: ItemKind, finding: Finding, said: str, stated: list[ChartMedication],
                    chart: list[str]) -> ReconciliationItem:
        what = "dose" if kind == "dose" else "frequency"
        return ReconciliationItem(
            id=f"{kind}:{finding.code}", kind=kind, code=finding.code,
            text=f"{_name(finding.code).capitalize()}: {said} said, the chart has {' / '.join(chart)} ({what}).",
            said=f"{_name(finding.code)} {said}", chart="; ".join(_chart_med_text(m) for m in stated),
            finding_ids=[finding.id], evidence=finding.evidence, chart_references=[m.reference for m in stated])

    def _mg(self, dose: Dose) -> float | None:
        factor = self.rules.dose_units.get(dose.unit)
        return dose.value * factor if factor is not None else None

    def _comparable(self, said: Dose, chart: Dose) -> bool:
        return said.unit == chart.unit or (said.unit in self.rules.dose_units and chart.unit in self.rules.dose_units)

    def _same_dose(self, said: Dose, chart: Dose) -> bool:
        if said.unit == chart.unit:
            return math.isclose(said.value, chart.value, rel_tol=1e-6)
        said_mg, chart_mg = self._mg(said), self._mg(chart)  # both set: _comparable holds
        return said_mg is not None and chart_mg is not None and math.isclose(said_mg, chart_mg, rel_tol=1e-6)

    # ---- results ----------------------------------------------------------------------------------

    def _results(self, findings: list[Finding], results: list[ChartResult],
                 as_of: datetime) -> list[ReconciliationItem]:
        """A result said aloud against the chart's latest recent result of the same analyte. A result said
        with no chart counterpart is not listed: it is new information, which the note already records."""
        since = as_of - timedelta(days=self.rules.recent_days)
        items = []
        for finding in findings:
            if finding.kind not in ANALYTE_KINDS or finding.assertion != "present" or finding.value is None \
                    or not finding.unit:
                continue
            recent = [r for r in results if r.code == finding.code
                      and (r.effective is None or since <= r.effective <= as_of + timedelta(days=1))]
            if not recent:
                continue
            latest = max(recent, key=lambda r: (r.effective is not None, r.effective or as_of))
            try:
                chart_value = self.ranges.convert(finding.code, latest.value, latest.unit, finding.unit)
                tolerance = self._tolerance(finding.code, finding.unit, chart_value)
            except ValueError:
                continue  # units that cannot be related (a % beside a mmol/L) are not compared
            if abs(finding.value - chart_value) <= tolerance + 1e-9:
                continue
            converted = "" if latest.unit.lower() == finding.unit.lower() else f" = {chart_value:.3g} {finding.unit}"
            when = f", {latest.effective.date().isoformat()}" if latest.effective else ""
            said = f"{_name(finding.code)} {finding.value:g} {finding.unit}"
            chart = f"{latest.value:g} {latest.unit}{converted}{when} ({latest.reference})"
            items.append(ReconciliationItem(
                id=f"result:{finding.code}", kind="result", code=finding.code,
                text=f"{_name(finding.code).capitalize()} {finding.value:g} {finding.unit} was said; the chart's "
                     f"latest is {latest.value:g} {latest.unit}{converted}.",
                said=said, chart=chart, finding_ids=[finding.id], evidence=finding.evidence,
                chart_references=[latest.reference]))
        return items

    def _tolerance(self, code: str, unit: str, chart_value: float) -> float:
        rule = self.rules.result_tolerance.of(code)
        absolute = 0.0
        if rule.absolute is not None:
            absolute = self.ranges.convert(code, rule.absolute, rule.unit or unit, unit)
        return max(absolute, rule.relative * abs(chart_value))
