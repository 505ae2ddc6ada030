"""The general knowledge pack (knowledge/general/): loaded with every topic, checked at load, errors name file,
field and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.datafile import GENERAL_DIR
from knowledge.drug_dictionary import load_drug_dictionary
from knowledge.errors import KnowledgeError
from knowledge.extract import Extractor
from knowledge.general import load_general, second_person
from nlp.transcript_io import parse


@pytest.fixture
def general(tmp_path: Path) -> Path:
    folder = tmp_path / "general"
    shutil.copytree(GENERAL_DIR, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_pack_is_large_enough_for_a_whole_visit() -> None:
    pack = load_general()
    assert len(pack.of_kind("condition")) >= 300 and len(pack.of_kind("symptom")) >= 150
    assert all(pack.icd10()[term.code] for term in pack.of_kind("condition"))


def test_a_phrase_of_two_codes_stops_the_load_naming_both(general: Path) -> None:
    # which code a shared phrase gives would hang on the matcher's order ("aches": ache or muscle_pain)
    edit(general / "symptoms.yaml", "{code: ache, phrases: [ache,", "{code: ache, phrases: [ache, chills,")
    with pytest.raises(KnowledgeError, match=r"general/symptoms\.yaml: terms\.\d+\.phrases: 'chills' names both "
                                             r"'ache' and 'chills' \(line \d+\)"):
        load_general(general)


def test_a_code_that_is_not_icd10cm_stops_the_load_naming_file_field_and_line(general: Path) -> None:
    edit(general / "problems.yaml", "icd10: I10,", "icd10: I10X,")
    with pytest.raises(KnowledgeError, match=r"general/problems.yaml: terms\.\d+\.icd10: 'I10X' is not .* \(line \d+\)"):
        load_general(general)


def test_a_procedures_after_code_that_is_not_icd10cm_stops_the_load(general: Path) -> None:
    edit(general / "orders.yaml", "after: Z90.49,", "after: Z90.4Q,")
    with pytest.raises(KnowledgeError, match=r"general/orders.yaml: terms\.\d+\.after: 'Z90.4Q' is not .* \(line \d+\)"):
        load_general(general)


def test_a_bad_code_shape_names_file_field_and_line(general: Path) -> None:
    edit(general / "symptoms.yaml", "{code: fever,", "{code: Fever,")
    with pytest.raises(KnowledgeError, match=r"general/symptoms.yaml: terms\.\d+\.code: .* \(line \d+\)"):
        load_general(general)


def test_a_sideless_code_that_is_no_term_names_the_file_and_field(general: Path) -> None:
    edit(general / "symptoms.yaml", "sideless: [fever,", "sideless: [feverr,")
    with pytest.raises(KnowledgeError, match=r"general/symptoms.yaml: .*sideless: feverr is no term of this file"):
        load_general(general)


def test_a_placed_or_normal_code_that_is_no_term_names_the_file_and_field(general: Path) -> None:
    edit(general / "problems.yaml", "placed: [osteoarthritis,", "placed: [osteoarthritiss,")
    with pytest.raises(KnowledgeError, match=r"general/problems.yaml: .*placed: osteoarthritiss is no term of this file"):
        load_general(general)


def test_the_place_of_a_problem_is_a_place_the_cues_name() -> None:
    """A problem's `site` (knee_sprain: knee) is compared with the sites said of symptoms: it must be one of them."""
    knowledge = KnowledgeBase.load()
    sites = {entry.code for entry in knowledge.lexicon.lexicon.modifiers.site}
    placed = {term.code: term.site for term in knowledge.general.of_kind("condition") if term.site}
    assert placed and {code: site for code, site in placed.items() if site not in sites} == {}
    assert knowledge.midline_sites <= sites and "abdominal" in knowledge.midline_sites


def test_a_term_file_missing_from_the_pack_order_is_an_error(general: Path) -> None:
    (general / "extra.yaml").write_text("kind: symptom\nterms: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="general/pack.yaml: order"):
        load_general(general)


def test_the_drug_dictionary_keeps_its_ids_and_drops_the_stop_list() -> None:
    drugs = load_drug_dictionary()
    assert drugs.code("Ultram") == "tramadol" and drugs.ids["tramadol"]["drugbank_id"] == "DB00193"
    assert drugs.code("more") is None and drugs.code("all clear") is None


def test_a_topic_drug_keeps_the_topics_code_for_every_dictionary_name() -> None:
    knowledge = KnowledgeBase.load()
    assert knowledge.drugs.code("salbutamol") == knowledge.drugs.code("albuterol") == "albuterol"
    assert knowledge.drug_attributes["albuterol"]["drug_class"] == "beta_agonist"


@pytest.mark.parametrize(("phrase", "asked"), [
    ("pain when i pee", "pain when you pee"),
    ("pain in my jaw", "pain in your jaw"),
    ("i am short of breath", "you are short of breath"),
    ("sore throat", None),  # no first person: nothing to ask differently
])
def test_a_first_person_phrase_is_also_read_as_asked(phrase: str, asked: str | None) -> None:
    assert second_person(phrase) == asked


def test_a_symptom_asked_in_the_second_person_is_settled_by_the_answer(extractor: Extractor) -> None:
    said = extractor.extract(parse("Doctor: Any pain when you pee?\nPatient: No.\n")).findings
    assert [(f.code, f.assertion) for f in said if f.kind == "symptom"] == [("dysuria", "absent")]
