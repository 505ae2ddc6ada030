"""Reference ranges: LOINC codes, unit conversions, and the check that one analyte's ranges agree across units."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.datafile import topic_dir
from knowledge.errors import KnowledgeError
from knowledge.extract import Extractor
from knowledge.ranges import ReferenceRanges, load_ranges
from nlp.transcript_io import parse


@pytest.fixture(scope="module")
def ranges() -> ReferenceRanges:
    return load_ranges("leg_cramps")


@pytest.mark.parametrize(("code", "value", "from_unit", "to_unit", "expected"), [
    ("calcium", 9.2, "mg/dL", "mmol/L", 2.30),
    ("calcium", 2.30, "mmol/L", "mg/dL", 9.22),
    ("calcium", 2.30, "mmol/L", "mEq/L", 4.60),
    ("magnesium", 0.8, "mmol/L", "mEq/L", 1.6),
    ("magnesium", 0.8, "mmol/L", "mg/dL", 1.94),
    ("magnesium", 1.6, "mEq/L", "mg/dL", 1.94),
    ("potassium", 3.1, "mmol/L", "mEq/L", 3.1),
    ("potassium", 3.1, "mEq/L", "mmol/L", 3.1),
    ("sodium", 140, "mmol/L", "mg/dL", 321.86),
    ("glucose", 99, "mg/dL", "mmol/L", 5.50),
    ("creatinine", 1.0, "mg/dL", "umol/L", 88.4),
    ("creatinine", 88.4, "umol/L", "mg/dL", 1.0),
    ("potassium", 4.0, "mmol/l", "MEQ/L", 4.0),  # units in any case
    ("hba1c", 6.1, "%", "%", 6.1),
])
def test_values_convert_between_units(ranges: ReferenceRanges, code: str, value: float, from_unit: str,
                                      to_unit: str, expected: float) -> None:
    assert ranges.convert(code, value, from_unit, to_unit) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(("code", "from_unit", "to_unit", "message"), [
    ("hba1c", "%", "mmol/L", "cannot convert hba1c from % to mmol/L: % cannot be related"),
    ("potassium", "mmol/L", "furlongs", "cannot convert potassium from mmol/L to furlongs: furlongs cannot"),
    ("creatine_kinase", "U/L", "mmol/L", "cannot convert creatine_kinase from U/L to mmol/L"),
    ("glucose", "mg/dL", "mEq/L", "mEq/L cannot be related"),  # glucose carries no charge (no valence)
    ("vitamin_d", "ng/mL", "nmol/L", "no reference data for vitamin_d"),
])
def test_an_impossible_conversion_names_the_analyte_and_the_units(ranges: ReferenceRanges, code: str,
                                                                  from_unit: str, to_unit: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ranges.convert(code, 1.0, from_unit, to_unit)


@pytest.mark.parametrize(("code", "unit", "loinc"), [
    ("potassium", None, "2823-3"), ("sodium", "mmol/L", "2951-2"), ("calcium", "mg/dL", "17861-6"),
    ("calcium", "mmol/L", "2000-8"), ("magnesium", "mg/dL", "19123-9"), ("magnesium", "mmol/L", "2601-3"),
    ("creatine_kinase", "U/L", "2157-6"), ("glucose", "mg/dL", "2345-7"), ("hba1c", "%", "4548-4"),
    ("tsh", "m[IU]/L", "3016-3"), ("creatinine", "mg/dL", "2160-0"), ("creatinine", "umol/L", "14682-9"),
    ("unknown_analyte", None, None),
])
def test_each_analyte_has_its_loinc_code(ranges: ReferenceRanges, code: str, unit: str | None,
                                         loinc: str | None) -> None:
    assert ranges.loinc(code, unit) == loinc


def test_an_extracted_potassium_carries_its_loinc_code(extractor: Extractor) -> None:
    findings = extractor.extract(parse("Doctor: Your potassium was 3.1 on the last blood test.\n"))
    [potassium] = [f for f in findings.findings if f.code == "potassium"]
    assert potassium.attributes == {"loinc": "2823-3", "interpretation": "low"}


def test_a_calcium_in_mmol_carries_the_molar_loinc_code(extractor: Extractor) -> None:
    findings = extractor.extract(parse("Doctor: Your calcium was 2.0 millimoles per litre.\n"))
    [calcium] = [f for f in findings.findings if f.code == "calcium"]
    assert (calcium.unit, calcium.attributes["loinc"]) == ("mmol/L", "2000-8")


@pytest.fixture
def ranges_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "leg_cramps"
    folder.mkdir()
    shutil.copy(topic_dir("leg_cramps") / "reference_ranges.yaml", folder)
    return folder


def edit(folder: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / "reference_ranges.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["analytes"])
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.mark.parametrize(("change", "message"), [
    # 8.6 mg/dL typed 86: 21.5 mmol/L beside a range of 2.15-2.55
    (lambda a: a["calcium"]["units"][0].update({"low": 86, "high": 103, "plausible": [40, 180]}),
     "analytes.calcium: Value error, the mmol/L range 2.15-2.55 is 8.62-10.2 mg/dL, more than 10% from the mg/dL "
     "range 86-103"),
    (lambda a: a["magnesium"]["units"][2].update({"low": 0.7, "high": 1.05}),  # mEq/L written as mmol/L
     "analytes.magnesium: Value error, the mEq/L range 0.7-1.05 is 0.35-0.525 mmol/L"),
    (lambda a: a["glucose"].update({"molar_mass": 18.0}), "analytes.glucose: Value error"),
    (lambda a: a["calcium"].pop("molar_mass"), "analytes.calcium: Value error, molar_mass is needed to relate mg/dL"),
    (lambda a: a["potassium"].pop("valence"), "analytes.potassium: Value error, valence is needed to relate mEq/L"),
    (lambda a: a["sodium"].pop("loinc"), "analytes.sodium.loinc: Field required"),
    (lambda a: a["sodium"].update({"loinc": "sodium"}), "analytes.sodium.loinc"),
])
def test_a_bad_ranges_file_is_caught_at_load_naming_file_and_analyte(ranges_copy: Path, change,  # type: ignore[no-untyped-def]
                                                                     message: str) -> None:
    edit(ranges_copy, change)
    with pytest.raises(KnowledgeError) as raised:
        load_ranges(folder=ranges_copy)
    assert str(raised.value).startswith("leg_cramps/reference_ranges.yaml: ")
    assert message in str(raised.value)
