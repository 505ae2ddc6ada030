"""Medications of the reference notes read with the drug dictionary (benchmarks/medication_reference.py).

The corpora (ACI-BENCH, PriMock57; CC BY 4.0) are read from ../shared/data and never copied into the
repository; without them the measurement test is skipped.
"""

from __future__ import annotations

import pytest

from benchmarks.medication_reference import Drug, EncounterResult, Reader, find_names, measure_records, report, score
from knowledge.corpora import read_records
from knowledge.drug_dictionary import load_drug_dictionary
from knowledge.extract import Extractor
from nlp.transcript_io import parse
from tests.conftest import SHARED

ACI_VALID = SHARED / "data" / "aci-bench" / "valid.jsonl"


def test_the_name_finder_reads_generics_and_brands_as_drug_codes() -> None:
    names = load_drug_dictionary().names
    found = find_names("Continue lisinopril 20 mg and Lasix; start tramadol.", names)
    assert set(found) == {"lisinopril", "furosemide", "tramadol"}
    assert found["furosemide"] == ["lasix"]


def test_the_name_finder_takes_the_longest_name() -> None:
    names = {"vitamin d": "vitamin_d", "vitamin": "vitamins", "d": "d"}
    assert find_names("Vitamin D daily.", names) == {"vitamin_d": ["vitamin d"]}


@pytest.mark.skipif(not ACI_VALID.is_file(), reason=f"{ACI_VALID} absent (the shared corpora)")
def test_the_measure_on_three_aci_valid_encounters_counts_consistently(extractor: Extractor) -> None:
    reader = Reader(extractor)
    results = measure_records(read_records(SHARED / "data", "aci-bench/valid.jsonl")[:3], "ACI-BENCH valid",
                              extractor, reader)
    assert len(results) == 3
    for result in results:
        assert len(result.found) + len(result.misses) == len(result.reference)
        assert len(result.ours) - len(result.extras) == len(result.found)
        assert set(result.not_said) <= set(result.misses)
    total = score(results)
    assert total.found + sum(len(r.misses) for r in results) == total.reference
    assert total.correct == total.found
    assert total.reference > 0 and 0.0 <= total.recall <= 1.0 and 0.0 <= total.precision <= 1.0


def test_a_brand_the_dictionary_lacks_is_read_alike_in_the_note_and_in_our_findings(extractor: Extractor) -> None:
    reader = Reader(extractor)
    findings = extractor.extract(parse("Doctor: Any regular medicines?\nPatient: Just Microgynon, every day.\n"))
    ours, _ = reader.our_drugs(findings)
    noted = reader.reference_drugs("Medications: Microgynon.")
    assert set(ours) == set(noted) == {"contraceptive_agents"}, (ours, noted)


def test_the_held_out_dialogues_are_neither_counted_nor_listed() -> None:
    shown = EncounterResult("D2N001", "ACI-BENCH train", reference={"digoxin": Drug("digoxin", ("digoxin",))})
    hidden = EncounterResult("D2N010", "ACI-BENCH train", reference={"warfarin": Drug("warfarin", ("warfarin",))},
                             held_out=True)
    section = report([shown, hidden])
    assert "| D2N001 |" in section and "D2N010" not in section and "warfarin" not in section
    assert "| **total** | 1 | 1 |" in section
