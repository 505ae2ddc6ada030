"""Conditions and symptoms of the reference notes our findings miss (benchmarks/lexicon_gaps.py), and the
lexicon entries its mining added, read through the real extractor.

The corpora (CC BY 4.0) are read from ../shared/data and never copied here; the test that reads them is skipped
without them. The sentences below are written for these tests.
"""

from __future__ import annotations

import pytest

from benchmarks.held_out import HOLDOUT, held_out
from benchmarks.lexicon_gaps import _variants, dialogue_gaps, icd_phrases, mined_records, note_candidates
from knowledge.corpora import Record, read_records, to_transcript
from knowledge.extract import Extractor
from tests.conftest import SHARED

DATA = SHARED / "data"


def test_an_icd10_title_is_read_as_a_speaker_names_it() -> None:
    assert list(_variants("Essential (primary) hypertension")) == ["essential hypertension", "hypertension"]
    assert list(_variants("Urinary tract infection, site not specified")) == ["urinary tract infection"]
    assert list(_variants("Type 2 diabetes mellitus without complications")) == ["type 2 diabetes mellitus"]


def test_symptoms_of_chapter_r_are_symptoms_and_diseases_conditions() -> None:
    phrases = icd_phrases()
    assert phrases["cough"][1] == "symptom"
    assert phrases["hypertension"] == ("I10", "condition")
    assert "blood" not in phrases and "pain in" not in phrases  # what a cut title leaves is no candidate


def test_a_candidate_must_be_in_the_note_and_said() -> None:
    note = "Assessment: urinary tract infection. Left ankle sprain."
    said = " i think it is a urinary tract infection "
    found = note_candidates(note, said)
    assert found["urinary tract infection"][0].startswith("icd10 N39")
    assert "ankle sprain" not in found


def test_a_candidate_said_where_a_finding_is_is_covered(extractor: Extractor) -> None:
    transcript = to_transcript([["clinician", "Any medical problems?"],
                                ["patient", "I was born with spina bifida, and I get a rash from the sun."]])
    record = Record("test", "t1", transcript, "PMH: spina bifida. Solar urticaria.", {})
    gaps = dialogue_gaps(record, extractor)
    assert [(c.phrase, c.covered) for c in gaps.candidates if c.phrase == "spina bifida"] == [("spina bifida", True)]


@pytest.mark.parametrize(("said", "kind", "code", "icd10"), [
    ("I've had anaphylaxis once, from peanuts.", "condition", "anaphylaxis", "T78.2XXA"),
    ("I was born with spina bifida.", "condition", "spina_bifida", "Q05.9"),
    ("They told me I have an IgA deficiency.", "condition", "iga_deficiency", "D80.2"),
    ("I got a tick bite on my leg last week.", "condition", "insect_bite", "T14.8XXA"),
    ("I have a long history of lung disease.", "condition", "lung_disease", "J98.4"),
    ("I struggle with mental health issues.", "condition", "mental_illness", "F99"),
    ("I've had a hard time catching my breath.", "symptom", "shortness_of_breath", None),
    ("It stings when I wee.", "symptom", "dysuria", None),
    ("My poo is pale.", "symptom", "pale_stools", None),
    ("I leak some pee when I cough.", "symptom", "incontinence", None),
    ("I get up three times a night to pee.", "symptom", "nocturia", None),
])
def test_words_mined_from_the_corpora_name_their_finding(extractor: Extractor, said: str, kind: str, code: str,
                                                         icd10: str | None) -> None:
    transcript = to_transcript([["clinician", "What brings you in today?"], ["patient", said]])
    found = {(f.kind, f.code): f for f in extractor.extract(transcript).findings}
    assert (kind, code) in found, sorted(found)
    assert found[(kind, code)].assertion in {"present", "family"} or found[(kind, code)].historical
    assert found[(kind, code)].attributes.get("icd10") == icd10


def test_the_held_out_split_is_read_from_its_gold_files() -> None:
    split = held_out()
    assert sorted(split) == ["aci-bench/train.jsonl", "primock57/consultations.jsonl"]
    assert sum(len(ids) for ids in split.values()) == len(list(HOLDOUT.glob("*_*.yaml"))) == 34


@pytest.mark.parametrize("file", sorted(held_out()))
def test_the_held_out_dialogues_are_never_mined(file: str) -> None:
    if not (DATA / file).is_file():
        pytest.skip(f"{DATA / file} absent (the shared corpora)")
    mined = {record.id for record in mined_records(DATA, [file])}
    every = {record.id for record in read_records(DATA, file)}
    skipped = held_out()[file]
    assert mined == every - skipped and skipped <= every
