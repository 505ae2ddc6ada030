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
        assert set(result.extras) <= set(result.ours)
        assert set(result.not_said) <= set(result.misses)
    total = score(results)
    assert total.found + sum(len(r.misses) for r in results) == total.reference
    assert total.correct + sum(len(r.extras) for r in results) == total.ours
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


def test_a_class_and_a_drug_of_it_agree_either_way(extractor: Extractor) -> None:
    reader = Reader(extractor)
    said = ("Doctor: You could try an antihistamine, something like loratadine.\nPatient: Okay.\n"
            "Doctor: And if it is an infection you may need antibiotics.\n")
    ours, _ = reader.our_drugs(extractor.extract(parse(said)))
    result = EncounterResult("E1", "test", reader.reference_drugs("Plan: antihistamines. Nitrofurantoin if UTI."), ours)
    assert set(result.found) == {"antihistamine"}, result  # the note's class, by our loratadine
    assert result.misses == ["nitrofurantoin"]  # the note names the drug, ours only its class
    assert result.extras == []  # our loratadine is of the note's class, our antibiotics the class of its drug


def test_note_shorthand_and_misspelt_names_are_read_as_their_drugs(extractor: Extractor) -> None:
    noted = Reader(extractor).reference_drugs("DH: COCP. Plan: start Abx; regular paracetmol; simple analgesia.")
    assert set(noted) == {"contraceptive_agents", "antibiotic", "acetaminophen", "analgesic"}, noted
    assert noted["acetaminophen"].names == ("paracetmol",)


def test_lab_results_and_foods_in_a_note_are_no_drugs(extractor: Extractor) -> None:
    assert Reader(extractor).reference_drugs("Ferritin was low. Mother stopped cow's milk at one year.") == {}


def test_class_words_the_dictionary_lacks_are_read_in_the_note(extractor: Extractor) -> None:
    noted = Reader(extractor).reference_drugs("Never needed steroids. Used an anti-inflammatory. Mercilon daily.")
    assert set(noted) == {"corticosteroid", "nsaid", "contraceptive_agents"}, noted


def test_a_procedure_ordered_names_its_drug(extractor: Extractor) -> None:
    reader = Reader(extractor)
    findings = extractor.extract(parse("Doctor: Next time we could consider a steroid injection for your shoulder.\n"))
    ours, how = reader.our_drugs(findings)
    assert set(ours) == {"corticosteroid"} and how["corticosteroid"].startswith("order "), (ours, how)
