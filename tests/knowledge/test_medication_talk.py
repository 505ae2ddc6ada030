"""A drug's assertion and action as consultations say them (docs/findings.md, "Medications: taking it, and what was
decided"): the plan's own words, what was started before today, what the patient asks about, a drug's level."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse


def drugs(extractor: Extractor, text: str) -> dict[str, tuple[str, str | None]]:
    return {f.code: (f.assertion, f.attributes.get("action"))
            for f in extractor.extract(parse(text)).findings if f.kind == "medication"}


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: We'll get you some motrin, six hundred milligrams every six hours.", "ibuprofen"),
    ("Doctor: Let's get you on some omeprazole for the heartburn.", "omeprazole"),
    ("Doctor: I'll call in some prednisone to your pharmacy.", "prednisone"),
    ("Doctor: I'm going to have you take naproxen twice a day with food.", "naproxen"),
    ("Doctor: Make sure you take the amoxicillin with food.", "amoxicillin"),
    # advice, a cream's instruction, a sample to try, a prescription written today
    ("Doctor: I'd advise taking some paracetamol regularly for a few days.", "acetaminophen"),
    ("Doctor: I'd like you to go on omeprazole for a month.", "omeprazole"),
    ("Doctor: Apply the hydrocortisone cream twice a day.", "hydrocortisone"),
    ("Doctor: Here, try this sample of naproxen and see how you get on.", "naproxen"),
    ("Doctor: I've prescribed eight hundred milligrams of ibuprofen every eight hours.", "ibuprofen"),
])
def test_a_drug_got_for_the_patient_is_started(extractor: Extractor, said: str, code: str) -> None:
    assert drugs(extractor, said)[code] == ("hypothetical", "start")


@pytest.mark.parametrize(("said", "code"), [
    # a habit said back to the patient, no instruction
    ("Doctor: I see you take metformin five hundred twice a day.", "metformin"),
    ("Doctor: I know you use your albuterol inhaler before you run.", "albuterol"),
    ("Doctor: So you take two naproxen a day and it doesn't help much.", "naproxen"),
    # started before today
    ("Doctor: We had put you on the sertraline last year.", "sertraline"),
    ("Doctor: I see your doctor put you on amiodarone.", "amiodarone"),
    ("Doctor: So you do take atenolol twelve point five a day.", "atenolol"),
    # prescribed by someone else, or before today
    ("Doctor: The urgent care prescribed you naproxen last week, right?", "naproxen"),
    ("Doctor: I see you were prescribed cephalexin at the walk-in clinic.", "cephalexin"),
])
def test_a_drug_said_taken_or_started_before_is_taken_with_no_decision(extractor: Extractor, said: str,
                                                                         code: str) -> None:
    assert drugs(extractor, said)[code] == ("present", None)


def test_a_decision_said_after_one_drug_and_before_another_is_the_second_ones(extractor: Extractor) -> None:
    found = drugs(extractor, "Doctor: You've tried naproxen before, so let's start you on celecoxib.")
    assert found["naproxen"][1] is None
    assert found["celecoxib"] == ("hypothetical", "start")


@pytest.mark.parametrize("asked", [
    "Patient: Do I need to take the nitrofurantoin with food?",
    "Patient: Can I pick up the nitrofurantoin at any pharmacy?",
    "Patient: So after I finish the nitrofurantoin, do I come back?",
])
def test_the_patients_question_about_a_drug_proposed_takes_nothing(extractor: Extractor, asked: str) -> None:
    said = "Doctor: I'd like to prescribe some nitrofurantoin for the infection.\n" + asked
    assert drugs(extractor, said)["nitrofurantoin"] == ("hypothetical", "start")


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: Should I keep taking my lisinopril?", "lisinopril"),
    ("Patient: Should I continue taking the omeprazole?", "omeprazole"),
    # the patient's doubt of a name, not a question about it
    ("Patient: I use the, what's it called? Albuterol inhaler?", "albuterol"),
])
def test_the_patients_own_drug_asked_about_is_still_taken(extractor: Extractor, said: str, code: str) -> None:
    assert drugs(extractor, said)[code][0] == "present"


@pytest.mark.parametrize("said", [
    "Doctor: We'll check your digoxin level today.",
    "Doctor: I'd like to get some aldosterone levels with the urine collection.",
    "Doctor: Your lithium level came back in range.",
])
def test_a_drugs_level_is_a_test_no_medicine(extractor: Extractor, said: str) -> None:
    assert drugs(extractor, said) == {}


def test_a_drug_tried_before_and_prescribed_today_at_a_dose_is_two_findings(extractor: Extractor) -> None:
    said = ("Patient: I've tried ibuprofen, it helps a little.\n"
            "Doctor: I want you to take ibuprofen, six hundred milligrams every six hours with food.")
    found = sorted((f.assertion, f.historical, f.attributes.get("action"))
                   for f in extractor.extract(parse(said)).findings if f.code == "ibuprofen")
    assert found == [("hypothetical", False, "start"), ("present", True, None)]


def test_going_on_taking_a_drug_continues_it(extractor: Extractor) -> None:
    said = "Doctor: You can continue to take the tylenol for any breakthrough pain."
    assert drugs(extractor, said)["acetaminophen"] == ("present", "continue")


def test_a_drug_to_be_stopped_under_a_condition_is_not_taken_for_that(extractor: Extractor) -> None:
    said = "Doctor: Start taking a baby aspirin again. If you notice any black stools, we'll need to stop the aspirin."
    assert drugs(extractor, said)["aspirin"] == ("hypothetical", "start")


def test_the_plan_spoken_of_again_stays_proposed(extractor: Extractor) -> None:
    said = ("Doctor: Normally we can treat this with a course of antibiotics.\n"
            "Patient: Okay. And after I finish my course of antibiotics, I call you?\n"
            "Doctor: Yes. So the antibiotics I'm going to prescribe will go to your pharmacy.")
    assert drugs(extractor, said)["antibiotic"][0] == "hypothetical"
    taken = "Doctor: You could try some ibuprofen.\nPatient: I've been taking ibuprofen already."
    assert drugs(extractor, taken)["ibuprofen"][0] == "present"


def test_asking_how_a_drug_is_going_says_it_taken(extractor: Extractor) -> None:
    said = "Doctor: How's the metformin going?\nPatient: Fine, no problems."
    assert drugs(extractor, said)["metformin"][0] == "present"


@pytest.mark.parametrize(("said", "code"), [
    # the prescription said as a script, a trial, what the plan will "do", the drug to pick up
    ("Doctor: I'm writing you a script for gabapentin for the nerve pain.", "gabapentin"),
    ("Doctor: We'll trial you on amitriptyline at night.", "amitriptyline"),
    ("Doctor: My recommendation would be to try naproxen for a week.", "naproxen"),
    ("Doctor: Go ahead and pick up the cephalexin at the pharmacy on your way home.", "cephalexin"),
    ("Doctor: For the pain we'll do hydrocodone five milligrams.", "hydrocodone"),
    # a long cue that ends close before the drug: "I'm gonna give you" starts far back
    ("Doctor: so the medicine i'm gon na give you today is gon na be meloxicam fifteen milligrams", "meloxicam"),
])
def test_a_prescription_said_in_other_words_is_started(extractor: Extractor, said: str, code: str) -> None:
    assert drugs(extractor, said)[code] == ("hypothetical", "start")


@pytest.mark.parametrize("said", [
    "Doctor: Would you be willing to try sertraline?\nPatient: Yes, I'll give it a go.",
    "Doctor: Are you okay with trying sertraline?\nPatient: Yeah.",
    # left unsettled by the reply, the proposal still stands
    "Doctor: How would you feel about starting sertraline?\nPatient: Well, my cousin takes that.",
])
def test_a_drug_proposed_in_a_question_is_not_taken_when_agreed_to(extractor: Extractor, said: str) -> None:
    assert drugs(extractor, said)["sertraline"][0] == "hypothetical"


def test_a_drug_named_before_asking_whether_the_patient_agrees_is_proposed(extractor: Extractor) -> None:
    found = drugs(extractor, "Doctor: For the pain, maybe some anti-inflammatories, for instance naproxen. "
                             "How does that sound?\nPatient: Sounds fine.")
    assert found["naproxen"] == ("hypothetical", "start")
    assert drugs(extractor, "Doctor: You take naproxen. How's that going?\nPatient: Fine.")["naproxen"] == (
        "present", None)


def test_a_drug_said_got_from_the_pharmacy_after_it_is_advice(extractor: Extractor) -> None:
    assert drugs(extractor, "Doctor: Cetirizine is one, which you can get from any chemist.")["cetirizine"][0] \
        == "hypothetical"


@pytest.mark.parametrize("said", [
    "Doctor: Some people find that melatonin helps them get to sleep.\nPatient: Interesting.",
    "Doctor: A lot of patients with this kind of pain do well on melatonin.\nPatient: Okay.",
])
def test_a_drug_said_of_people_in_general_is_no_one_s(extractor: Extractor, said: str) -> None:
    assert "melatonin" not in drugs(extractor, said)


def test_a_class_said_as_what_a_drug_is_is_no_drug_of_its_own(extractor: Extractor) -> None:
    found = drugs(extractor, "Doctor: I'll start you on Combivent, two puffs twice a day. It's an inhaler.\n"
                             "Patient: Okay.")
    assert set(found) == {"albuterol_and_ipratropium"}
    # "it's the statin" names the one taken, no description of another drug
    found = drugs(extractor, "Patient: They put me on rosuvastatin. I wonder if it's the statin.")
    assert "statin" in found
