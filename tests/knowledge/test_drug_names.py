"""Brand names and synonyms normalise to the generic, including the drugs added from ACI-bench misses."""

from __future__ import annotations


import pytest

from knowledge.extract import Extractor
from tests.conftest import loaded_extractor
from nlp.types import Segment, Transcript


def extractor() -> Extractor:
    return loaded_extractor()  # the run's one, which the `extractor` fixture gives too


@pytest.mark.parametrize(("name", "generic", "drug_class"), [
    ("Lasix", "furosemide", "loop_diuretic"), ("frusemide", "furosemide", "loop_diuretic"),
    ("Ventolin", "albuterol", "beta_agonist"), ("salbutamol", "albuterol", "beta_agonist"),
    ("Lipitor", "atorvastatin", "statin"), ("Mobic", "meloxicam", "nsaid"), ("Ultram", "tramadol", "opioid"),
    ("Brilinta", "ticagrelor", "antiplatelet"), ("Flomax", "tamsulosin", "alpha_blocker"),
    ("Farxiga", "dapagliflozin", "antidiabetic"), ("Benicar", "olmesartan", "angiotensin_receptor_blocker"),
    ("Cardizem", "diltiazem", "calcium_channel_blocker"), ("ferrous sulfate", "iron", "supplement"),
])
def test_a_drug_said_by_any_name_is_its_generic_with_its_class(name: str, generic: str, drug_class: str) -> None:
    said = Transcript(segments=[Segment(id=0, speaker="patient", text=f"I take {name} every day.")])
    [finding] = extractor().extract(said).findings
    assert (finding.kind, finding.code, finding.attributes["drug_class"]) == ("medication", generic, drug_class)


@pytest.mark.parametrize("text", ["She has iron deficiency.", "His testosterone level was low."])
def test_iron_and_testosterone_alone_are_not_taken_as_medicines(text: str) -> None:
    said = Transcript(segments=[Segment(id=0, speaker="clinician", text=text)])
    assert not [f for f in extractor().extract(said).findings if f.kind == "medication"]


@pytest.mark.parametrize("text", ["Your hemoglobin was a little low at 10.", "I'm usually in bed at 10 most nights."])
def test_a_number_said_after_at_is_no_brand_of_medicine(text: str) -> None:
    said = Transcript(segments=[Segment(id=0, speaker="clinician", text=text)])
    assert not [f for f in extractor().extract(said).findings if f.kind == "medication"]


@pytest.mark.parametrize(("name", "generic"), [
    ("Lortab", "hydrocodone"), ("Dilantin", "phenytoin"), ("a Z-pack", "azithromycin"), ("Movicol", "polyethylene_glycol"),
    ("an anti-sickness tablet", "antiemetics"), ("my thyroid pill", "thyroid_hormone"),
    ("a muscle relaxer", "muscle_relaxant"), ("an allergy pill", "antihistamine"), ("HRT", "hormone_replacement_therapy"),
])
def test_a_lay_or_brand_name_the_dictionary_lacks_is_the_drug(name: str, generic: str) -> None:
    said = Transcript(segments=[Segment(id=0, speaker="patient", text=f"I take {name} every day.")])
    assert [f.code for f in extractor().extract(said).findings if f.kind == "medication"] == [generic]
