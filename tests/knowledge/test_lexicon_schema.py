"""The leg-cramps lexicon, drug list and reference ranges: they load, and bad data fails loudly by file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.datafile import GENERAL_DIR, topic_dir
from knowledge.errors import KnowledgeError
from knowledge.lexicon import load_lexicon
from knowledge.ranges import load_ranges
from nlp.pipeline import build
from nlp.types import FindingKind

TARGET_KINDS = set(FindingKind.__args__)


@pytest.fixture
def topic_copy(tmp_path: Path) -> Path:
    """A writable copy of the leg_cramps topic folder."""
    folder = tmp_path / "leg_cramps"
    shutil.copytree(topic_dir("leg_cramps"), folder)
    return folder


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_the_shipped_topic_files_load() -> None:
    lexicon = load_lexicon("leg_cramps")
    load_ranges("leg_cramps")
    assert len(lexicon.drugs.drugs) >= 60
    assert lexicon.to_nlp().terms


def test_every_medication_code_has_a_drug_class() -> None:
    attributes = load_lexicon("leg_cramps").drug_attributes()
    assert attributes["furosemide"] == {"drug_class": "loop_diuretic", "cramp_mechanism": "electrolyte loss"}
    assert attributes["diuretic"]["drug_class"] == "diuretic"
    assert all("drug_class" in value for value in attributes.values())


def test_classes_inherit_the_cramp_mechanism_of_their_parent() -> None:
    lexicon = load_lexicon("leg_cramps")
    assert lexicon.classes_of("furosemide") == {"loop_diuretic", "diuretic"}
    assert lexicon.drug_attributes()["albuterol"]["cramp_mechanism"]


def test_no_phrase_names_two_different_concepts() -> None:
    owners: dict[str, set[tuple[str, str]]] = {}
    for pattern in load_lexicon("leg_cramps").to_nlp().terms:
        if pattern.kind in TARGET_KINDS:
            for phrase in pattern.phrases:
                key = phrase if pattern.case_sensitive else phrase.lower()
                owners.setdefault(key, set()).add((pattern.kind, pattern.code))
    assert {phrase: codes for phrase, codes in owners.items() if len(codes) > 1} == {}


def test_the_pipeline_builds_from_the_lexicon_on_a_blank_model() -> None:
    import spacy

    nlp = build(load_lexicon("leg_cramps").to_nlp(), spacy.blank("en"))
    assert "soapscribe_terms" in nlp.pipe_names


@pytest.mark.parametrize(("file", "change", "where"), [
    ("drugs.yaml", lambda d: d["drugs"][3].pop("class"), "drugs.3.class"),
    ("drugs.yaml", lambda d: d["drugs"][0].update({"class": "painkiller_thing"}), "drugs.0.class"),
    ("drugs.yaml", lambda d: d["drugs"][1].update({"code": "Bumex Brand"}), "drugs.1.code"),
    ("drugs.yaml", lambda d: d["classes"][1].update({"parent": "nothing"}), "classes.1.parent"),
    ("lexicon.yaml", lambda d: d["terms"]["symptom"][0].update({"code": "Leg Cramp"}), "terms.symptom.0.code"),
    ("lexicon.yaml", lambda d: d["terms"]["symptom"][1].update({"phrases": []}), "terms.symptom.1.phrases"),
    ("lexicon.yaml", lambda d: d["terms"]["condition"][0].update({"colour": "red"}), "terms.condition.0.colour"),
    ("reference_ranges.yaml", lambda d: d["analytes"]["potassium"]["units"][0].update({"low": 9.0}),
     "analytes.potassium.units.0"),
    ("reference_ranges.yaml", lambda d: d["analytes"]["sodium"]["units"][0].pop("plausible"),
     "analytes.sodium.units.0.plausible"),
])
def test_a_bad_field_raises_an_error_naming_file_and_field(topic_copy: Path, file: str, change, where: str) -> None:
    edit(topic_copy / file, change)
    with pytest.raises(KnowledgeError) as error:
        load_lexicon(folder=topic_copy)
        load_ranges(folder=topic_copy)
    assert f"leg_cramps/{file}" in str(error.value)
    assert where in str(error.value)


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["context"]["rules"][0].update({"category": "negated"}), "context.rules.0.category"),
    (lambda d: d["context"]["rules"][0].update({"direction": "sideways"}), "context.rules.0.direction"),
])
def test_a_bad_cue_of_the_general_pack_names_file_and_field(tmp_path: Path, change, where: str) -> None:
    general = tmp_path / "general"
    shutil.copytree(GENERAL_DIR, general)
    edit(general / "cues.yaml", change)
    with pytest.raises(KnowledgeError) as error:
        load_lexicon("leg_cramps", general=general)
    assert "general/cues.yaml" in str(error.value) and where in str(error.value)


def test_a_missing_file_is_named(topic_copy: Path) -> None:
    (topic_copy / "drugs.yaml").unlink()
    with pytest.raises(KnowledgeError, match="leg_cramps/drugs.yaml: file not found"):
        load_lexicon(folder=topic_copy)


@pytest.mark.parametrize(("code", "value", "unit"), [
    ("potassium", 3.1, "mmol/L"), ("magnesium", 0.5, "mmol/L"), ("magnesium", 1.6, "mg/dL"),
    ("calcium", 8.1, "mg/dL"), ("calcium", 2.1, "mmol/L"), ("sodium", 131, "mmol/L"),
    ("glucose", 110, "mg/dL"), ("glucose", 6.2, "mmol/L"), ("creatinine", 90, "umol/L"),
    ("potassium", 40, None), ("unknown_analyte", 1.0, None),
])
def test_the_unit_is_inferred_from_the_magnitude(code: str, value: float, unit: str | None) -> None:
    assert load_ranges("leg_cramps").infer_unit(code, value) == unit


@pytest.mark.parametrize(("code", "value", "unit", "interpretation"), [
    ("potassium", 3.1, "mmol/L", "low"), ("potassium", 4.0, "mEq/L", "normal"), ("potassium", 5.6, "mmol/L", "high"),
    ("magnesium", 1.6, "mg/dL", "low"), ("calcium", 2.3, "mmol/L", "normal"), ("sodium", 150, "mmol/L", "high"),
    ("sodium", 140, "g/L", None),
])
def test_values_are_interpreted_against_the_range_for_their_unit(code: str, value: float, unit: str,
                                                                 interpretation: str | None) -> None:
    assert load_ranges("leg_cramps").interpret(code, value, unit) == interpretation
