"""Chart reconciliation as a pure function: test consultations (transcript + FHIR chart + expected list) under
tests/data/reconciliation/, each transcript read by the real extractor and compared with its chart."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Literal

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import BaseModel, ConfigDict

from knowledge.chart import Chart, ChartMedication, ChartResult, Dose, load_rules
from knowledge.errors import KnowledgeError
from knowledge.extract import Extractor
from knowledge.reconcile import Reconciler
from nlp.transcript_io import parse_text
from nlp.types import Finding
from tests.conftest import ROOT

CASES = ROOT / "tests" / "data" / "reconciliation"


class ExpectedItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["new", "stopped", "dose", "frequency", "result"]
    code: str
    chart_references: list[str] | None = None  # when given: exactly the chart entries the item names


class ExpectedCase(BaseModel):
    """expected.json of one test consultation."""

    model_config = ConfigDict(extra="forbid")

    description: str
    as_of: datetime
    items: list[ExpectedItem]


def case_names() -> list[str]:
    return sorted(path.name for path in CASES.iterdir() if path.is_dir())


def load_case(name: str) -> tuple[str, list[dict], ExpectedCase]:
    folder = CASES / name
    chart = json.loads((folder / "chart.json").read_text(encoding="utf-8"))
    Bundle.model_validate(chart)  # the chart is valid FHIR R4B
    resources = [entry["resource"] for entry in chart["entry"]]
    expected = ExpectedCase.model_validate_json((folder / "expected.json").read_text(encoding="utf-8"))
    return (folder / "transcript.txt").read_text(encoding="utf-8"), resources, expected


@pytest.fixture(scope="module")
def reconciler() -> Reconciler:
    return Reconciler.load()


def test_there_are_at_least_five_test_consultations_covering_every_kind_and_none() -> None:
    expected = [load_case(name)[2] for name in case_names()]
    assert len(expected) >= 5
    assert {item.kind for case in expected for item in case.items} == {"new", "stopped", "dose", "frequency",
                                                                        "result"}
    assert any(not case.items for case in expected), "a consultation that agrees with its chart lists nothing"


@pytest.mark.parametrize("name", case_names())
def test_the_reconciliation_list_of_each_test_consultation(name: str, extractor: Extractor,
                                                           reconciler: Reconciler) -> None:
    transcript, resources, expected = load_case(name)
    findings = extractor.extract(parse_text(transcript)).findings
    result = reconciler.reconcile(findings, reconciler.reader.read(resources), as_of=expected.as_of)
    assert [(item.id, item.kind, item.code) for item in result.items] == \
        [(item.id, item.kind, item.code) for item in expected.items], expected.description
    for got, want in zip(result.items, expected.items, strict=True):
        if want.chart_references is not None:
            assert got.chart_references == want.chart_references
        assert got.evidence, "every item points at the words it rests on"
        assert got.text and got.said


def test_a_result_difference_is_shown_in_the_unit_said_after_conversion(extractor: Extractor,
                                                                         reconciler: Reconciler) -> None:
    transcript, resources, expected = load_case("magnesium_mg_dl")
    findings = extractor.extract(parse_text(transcript)).findings
    item = reconciler.reconcile(findings, reconciler.reader.read(resources), as_of=expected.as_of).items[0]
    assert item.said == "magnesium 1.9 mg/dL"
    assert item.chart.startswith("0.55 mmol/L = 1.34 mg/dL, 2026-11-24")


def _potassium(value: float, unit: str = "mmol/L") -> Finding:
    return Finding(id="f1", kind="electrolyte", code="potassium", text="potassium", value=value, unit=unit)


@pytest.mark.parametrize(("said", "chart", "chart_unit", "listed"), [
    (3.1, 3.1, "mEq/L", False),   # same after conversion
    (3.1, 3.2, "mmol/L", False),  # within the 0.1 mmol/L of reconciliation.yaml
    (3.1, 3.25, "mEq/L", True),   # beyond it
    (3.1, 4.3, "mEq/L", True),
])
def test_the_result_tolerance_comes_from_the_data_file(said: float, chart: float, chart_unit: str, listed: bool,
                                                       reconciler: Reconciler) -> None:
    results = [ChartResult(reference="Observation/1", code="potassium", value=chart, unit=chart_unit)]
    found = reconciler.reconcile([_potassium(said)], Chart(results=results), as_of=datetime(2026, 11, 25))
    assert bool(found.items) is listed
    assert reconciler.rules.result_tolerance.of("potassium").absolute == 0.1


def test_a_chart_entry_is_matched_by_its_rxnorm_code_whatever_its_text(reconciler: Reconciler) -> None:
    assert reconciler.reader.drug_code({"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                    "code": "4603"}], "text": "water tablet"}) == "furosemide"
    assert reconciler.reader.drug_code({"text": "LASIX 40mg tabs"}) == "furosemide"
    assert reconciler.reader.drug_code({"text": "Potassium Chloride ER 20 mEq"}) == "potassium_chloride"
    assert reconciler.reader.drug_code({"text": "Unknown herbal tea"}) is None


def test_doses_in_different_mass_units_are_compared_and_puffs_only_with_puffs(reconciler: Reconciler) -> None:
    said = Finding(id="f1", kind="medication", code="levothyroxine", text="levothyroxine",
                   attributes={"dose": {"value": 100, "unit": "mcg"}})
    same = ChartMedication(reference="MedicationStatement/1", code="levothyroxine", text="Levothyroxine",
                           dose=Dose(value=0.1, unit="mg"))
    assert reconciler.reconcile([said], Chart(medications=[same]), as_of=datetime(2026, 11, 25)).items == []
    inhaler = Finding(id="f2", kind="medication", code="albuterol", text="salbutamol",
                      attributes={"dose": {"value": 2, "unit": "puffs"}})
    in_mg = ChartMedication(reference="MedicationStatement/2", code="albuterol", text="Albuterol",
                            dose=Dose(value=0.1, unit="mg"))
    assert reconciler.reconcile([inhaler], Chart(medications=[in_mg]), as_of=datetime(2026, 11, 25)).items == []


def test_the_reconciliation_rules_are_validated_with_errors_naming_the_field(tmp_path: Path) -> None:
    rules = (ROOT / "knowledge" / "topics" / "leg_cramps" / "reconciliation.yaml").read_text(encoding="utf-8")
    (tmp_path / "reconciliation.yaml").write_text(rules.replace("recent_days: 90", "recent_days: -1"),
                                                  encoding="utf-8")
    with pytest.raises(KnowledgeError, match="reconciliation.yaml: recent_days"):
        load_rules(folder=tmp_path)


def test_rxnorm_codes_of_the_drug_file_are_validated(tmp_path: Path) -> None:
    from knowledge.lexicon import load_lexicon

    topic = ROOT / "knowledge" / "topics" / "leg_cramps"
    for name in ("lexicon.yaml", "drugs.yaml"):
        (tmp_path / name).write_text((topic / name).read_text(encoding="utf-8"), encoding="utf-8")
    drugs = tmp_path / "drugs.yaml"
    drugs.write_text(drugs.read_text(encoding="utf-8").replace('rxnorm: ["4603"]', 'rxnorm: ["Lasix"]'),
                     encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"drugs.yaml: drugs\.0\.rxnorm\.0"):
        load_lexicon(folder=tmp_path)
