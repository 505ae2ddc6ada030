"""The patient's chart as reconciliation reads it: current medications and results from FHIR resources.

`read_chart` turns FHIR R4 `MedicationStatement`, `MedicationRequest` and `Observation` resources (plain
JSON, already validated by the caller) into plain types, naming each medication by the topic's drug code
(RxNorm code first, then the drug's name, brand or synonym in the coding's display or text) and each result
by the analyte whose LOINC code it carries. The rules (`reconciliation.yaml`) say which statuses count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from knowledge.datafile import DEFAULT_TOPIC, load_model, topic_dir
from knowledge.lexicon import TopicLexicon
from knowledge.note import LOINC
from knowledge.ranges import ReferenceRanges
from nlp.strict import StrictModel

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
MEDICATION_TYPES = ("MedicationStatement", "MedicationRequest")


class Tolerance(StrictModel):
    """How far a said result may be from the chart's: the larger of `absolute` (in `unit`) and `relative`."""

    absolute: float | None = Field(default=None, ge=0)
    unit: str | None = None
    relative: float = Field(default=0.0, ge=0, le=1)


class ResultTolerances(StrictModel):
    default: Tolerance
    analytes: dict[str, Tolerance] = {}

    def of(self, code: str) -> Tolerance:
        return self.analytes.get(code, self.default)


class ReconciliationRules(StrictModel):
    """reconciliation.yaml."""

    active_statuses: dict[str, list[str]] = Field(min_length=1)
    recent_days: int = Field(gt=0)
    result_statuses: list[str] = Field(min_length=1)
    result_tolerance: ResultTolerances
    dose_units: dict[str, float] = Field(min_length=1)
    frequency_per_day: dict[str, float] = {}
    timing_codes: dict[str, float] = {}
    period_units: dict[str, float] = {}


def load_rules(topic: str = DEFAULT_TOPIC, folder: Path | None = None) -> ReconciliationRules:
    """Read and validate a topic's `reconciliation.yaml`."""
    folder = folder if folder is not None else topic_dir(topic)
    return load_model(folder / "reconciliation.yaml", ReconciliationRules)


class Dose(StrictModel):
    value: float
    unit: str


class ChartMedication(StrictModel):
    """One current medication entry of the chart, named by the topic's drug code when it could be."""

    reference: str  # "MedicationStatement/12"
    code: str | None  # the drug code of drugs.yaml; None: a medication the topic does not know
    text: str
    dose: Dose | None = None
    per_day: float | None = None
    as_needed: bool = False
    dosage_text: str | None = None


class ChartResult(StrictModel):
    """One result of the chart for an analyte of reference_ranges.yaml."""

    reference: str
    code: str  # the analyte: "potassium"
    value: float
    unit: str
    effective: datetime | None = None


class Chart(StrictModel):
    medications: list[ChartMedication] = []
    results: list[ChartResult] = []


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


def _concept_text(concept: dict[str, Any]) -> str:
    codings = concept.get("coding") or []
    return concept.get("text") or next((c.get("display") for c in codings if c.get("display")), "") or ""


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


class ChartReader:
    """Reads FHIR resources into a `Chart` with the topic's drug names, RxNorm and LOINC codes."""

    def __init__(self, lexicon: TopicLexicon, ranges: ReferenceRanges, rules: ReconciliationRules) -> None:
        self.rules = rules
        self.ranges = ranges
        self._rxnorm = {rxcui: drug.code for drug in lexicon.drugs.drugs for rxcui in drug.rxnorm}
        # Every name a drug goes by, as words.
        self._names = sorted({(_words(name), drug.code) for drug in lexicon.drugs.drugs
                              for name in (drug.display_name, *drug.brands, *drug.synonyms)})
        self._frequencies = sorted(((_words(phrase), entry.code) for entry in lexicon.lexicon.modifiers.frequency
                                    for phrase in entry.phrases), key=lambda pair: -len(pair[0]))
        self._dose_units = {_words(phrase): entry.code for entry in lexicon.lexicon.modifiers.dose_unit
                            for phrase in entry.phrases}
        self._loinc = {}
        for code, analyte in ranges.ranges.analytes.items():
            self._loinc[analyte.loinc] = code
            for unit in analyte.units:
                if unit.loinc:
                    self._loinc[unit.loinc] = code

    def read(self, resources: Iterable[dict[str, Any]]) -> Chart:
        """The current medications and the results (of known analytes, with a value) among `resources`."""
        medications, results = [], []
        for resource in resources:
            kind = resource.get("resourceType")
            if kind in MEDICATION_TYPES and resource.get("status") in self.rules.active_statuses.get(kind, []):
                medications.append(self._medication(resource))
            elif kind == "Observation" and resource.get("status") in self.rules.result_statuses:
                found = self._result(resource)
                if found is not None:
                    results.append(found)
        return Chart(medications=medications, results=results)

    def drug_code(self, concept: dict[str, Any]) -> str | None:
        """The drug code a FHIR CodeableConcept names: by RxNorm code, else by a name in its text or displays."""
        codings = concept.get("coding") or []
        for coding in codings:
            if coding.get("system") == RXNORM and coding.get("code") in self._rxnorm:
                return self._rxnorm[coding["code"]]
        for text in (concept.get("text"), *(c.get("display") for c in codings)):
            words = _words(text or "")
            # The name said first, the longest of those: "atorvastatin calcium 20 MG" is atorvastatin, not the
            # calcium supplement; "fluticasone and salmeterol" the combination, not fluticasone.
            found = [(_position(words, name), -len(name), code) for name, code in self._names
                     if _position(words, name) is not None]
            if found:
                return min(found)[2]
        return None

    def _medication(self, resource: dict[str, Any]) -> ChartMedication:
        concept = resource.get("medicationCodeableConcept") or {}
        if not concept and resource.get("medicationReference"):
            concept = {"text": resource["medicationReference"].get("display") or ""}
        dosages = resource.get("dosage") or resource.get("dosageInstruction") or []
        dosage = dosages[0] if dosages else {}
        text = dosage.get("text")
        dose = self._structured_dose(dosage) or self._text_dose(text)
        per_day, as_needed = self._structured_frequency(dosage)
        if per_day is None and text:
            per_day, as_needed = self._text_frequency(text, as_needed)
        return ChartMedication(reference=f"{resource['resourceType']}/{resource.get('id', '')}",
                               code=self.drug_code(concept), text=_concept_text(concept) or "unnamed medication",
                               dose=dose, per_day=per_day, as_needed=as_needed, dosage_text=text)

    def _structured_dose(self, dosage: dict[str, Any]) -> Dose | None:
        for rate in dosage.get("doseAndRate") or []:
            quantity = rate.get("doseQuantity") or {}
            unit = self._dose_units.get(_words(quantity.get("code") or quantity.get("unit") or ""))
            if isinstance(quantity.get("value"), int | float) and unit:
                return Dose(value=float(quantity["value"]), unit=unit)
        return None

    def _text_dose(self, text: str | None) -> Dose | None:
        """"40 mg once daily": a number followed by one of the lexicon's dose units."""
        for match in re.finditer(r"([0-9]+(?:\.[0-9]+)?)\s*([a-z][a-z ]*)", (text or "").lower()):
            rest = _words(match.group(2))
            unit = next((code for phrase, code in self._dose_units.items() if rest[:len(phrase)] == phrase), None)
            if unit:
                return Dose(value=float(match.group(1)), unit=unit)
        return None

    def _structured_frequency(self, dosage: dict[str, Any]) -> tuple[float | None, bool]:
        as_needed = bool(dosage.get("asNeededBoolean") or dosage.get("asNeededCodeableConcept"))
        timing = dosage.get("timing") or {}
        repeat = timing.get("repeat") or {}
        frequency, period = repeat.get("frequency"), repeat.get("period")
        days = self.rules.period_units.get(repeat.get("periodUnit", ""))
        if isinstance(frequency, int) and isinstance(period, int | float) and period > 0 and days:
            return frequency / (period * days), as_needed
        for coding in (timing.get("code") or {}).get("coding") or []:
            if coding.get("code") in self.rules.timing_codes:
                return self.rules.timing_codes[coding["code"]], as_needed
        return None, as_needed

    def _text_frequency(self, text: str, as_needed: bool) -> tuple[float | None, bool]:
        """The frequency in a dosage's free text, read with the lexicon's own frequency phrases."""
        words = _words(text)
        for phrase, code in self._frequencies:
            if _contains(words, phrase):
                if code == "as needed":
                    return None, True
                return self.rules.frequency_per_day.get(code), as_needed
        return None, as_needed

    def _result(self, resource: dict[str, Any]) -> ChartResult | None:
        codings = (resource.get("code") or {}).get("coding") or []
        code = next((self._loinc[c["code"]] for c in codings
                     if c.get("system") == LOINC and c.get("code") in self._loinc), None)
        quantity = resource.get("valueQuantity") or {}
        unit = quantity.get("code") or quantity.get("unit")
        if code is None or not isinstance(quantity.get("value"), int | float) or not unit:
            return None
        return ChartResult(reference=f"Observation/{resource.get('id', '')}", code=code,
                           value=float(quantity["value"]), unit=self.ranges.unit_spelling(code, unit),
                           effective=_when(resource.get("effectiveDateTime") or resource.get("issued")
                                           or (resource.get("effectivePeriod") or {}).get("start")))


def _position(words: tuple[str, ...], phrase: tuple[str, ...]) -> int | None:
    """Where `phrase` starts in `words` (whole words), None if it is not there."""
    if not phrase:
        return None
    return next((i for i in range(len(words) - len(phrase) + 1) if words[i:i + len(phrase)] == phrase), None)


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    return _position(words, phrase) is not None
