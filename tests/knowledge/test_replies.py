"""A place or a dose said in a reply is read as if said with the symptom or drug it answers about."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse
from tests.conftest import loaded_extractor


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return loaded_extractor()


def said_of(extractor: Extractor, text: str, code: str, keys: tuple[str, ...]) -> dict[str, Any]:
    finding = next(f for f in extractor.extract(parse(text)).findings if f.code == code)
    return {key: finding.attributes[key] for key in keys if key in finding.attributes}


@pytest.mark.parametrize(("words", "place"), [
    ("my left calf", {"site": "calf", "laterality": "left"}),
    ("both calves", {"site": "calf", "laterality": "bilateral"}),
    ("my legs, mostly the left thigh", {"site": "thigh", "laterality": "left"}),
    ("the calf, that's right", {"site": "calf"}),
])
def test_the_place_said_in_the_answer_to_where_is_the_symptoms(extractor: Extractor, words: str,
                                                               place: dict[str, str]) -> None:
    keys = ("site", "laterality")
    told = said_of(extractor, f"Patient: I get cramps in {words}.", "leg_cramp", keys)
    asked = said_of(extractor, f"Patient: I get leg cramps.\nDoctor: Where exactly?\nPatient: In {words}.",
                    "leg_cramp", keys)
    assert told == asked == place


@pytest.mark.parametrize(("words", "dose"), [
    ("forty milligrams", {"value": 40, "unit": "mg"}),
    ("20 mg twice a day", {"value": 20, "unit": "mg"}),
])
def test_the_dose_said_in_the_answer_about_a_drug_is_the_drugs(extractor: Extractor, words: str,
                                                                dose: dict[str, Any]) -> None:
    told = said_of(extractor, f"Patient: I take furosemide, {words}.", "furosemide", ("dose",))
    asked = said_of(extractor, f"Doctor: Are you taking furosemide?\nPatient: Yes, {words}.", "furosemide", ("dose",))
    assert told == asked == {"dose": dose}
