"""Orders and follow-up as conversations say them (docs/findings.md, "How a conversation is read"): the ways a
clinician sends, refers, instructs and books the next visit, and the words that look like a plan and are none."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse


def plans(extractor: Extractor, said: str) -> dict[tuple[str, str], tuple[str, float | None, str | None]]:
    found = extractor.extract(parse(said)).findings
    return {(f.kind, f.code): (f.assertion, f.value, f.unit) for f in found if f.kind in ("order", "follow_up")}


def ordered(extractor: Extractor, said: str, code: str) -> str | None:
    found = plans(extractor, said).get(("order", code))
    return found[0] if found else None


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: I'd like you to go see a podiatrist about the bunion.", "referral_podiatry"),
    ("Doctor: We'll have you see the dermatologist for that patch.", "referral_dermatology"),
    ("Doctor: I think it would help to talk to a counsellor about the stress.", "referral_psychology"),
    ("Doctor: I'll set you up with a dietitian next month.", "referral_dietitian"),
    ("Doctor: I'd like a neurologist to have a look at the tremor.", "referral_neurology"),
    ("Doctor: I'm going to have you see an ear, nose and throat specialist.", "referral_ent"),
    ("Doctor: We'll get you seen by a urologist.", "referral_urology"),
])
def test_a_referral_said_as_whom_the_patient_sees_is_ordered(extractor: Extractor, said: str, code: str) -> None:
    assert ordered(extractor, said, code) == "present"


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: Drink lots of fluids over the next few days.", "fluids"),
    ("Doctor: So, ice it for twenty minutes at a time.", "ice"),
    ("Doctor: Elevate your legs in the evening.", "elevation"),
    ("Doctor: And rest it as much as you can this week.", "rest"),
])
def test_a_therapy_said_as_an_instruction_is_advised_today(extractor: Extractor, said: str, code: str) -> None:
    assert ordered(extractor, said, code) == "present"


@pytest.mark.parametrize("said", [
    "Doctor: Rest of the exam is unremarkable.",
    "Patient: Drinking plenty of fluids didn't help much.",
    "Doctor: Ice, has that helped at all?",
])
def test_a_therapy_named_first_but_not_instructed_orders_nothing(extractor: Extractor, said: str) -> None:
    assert not [key for key in plans(extractor, said) if key[0] == "order"]


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: You're due for a bone density scan, so I'll put that order in.", "dexa_scan"),
    ("Doctor: Your cholesterol hasn't been checked in a while, let's get that done.", "cholesterol"),
    ("Doctor: A chest x-ray would be sensible, I'll order one of those.", "x_ray"),
])
def test_a_test_ordered_after_it_is_named_is_ordered(extractor: Extractor, said: str, code: str) -> None:
    assert ordered(extractor, said, code) == "present"


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: We'll take some blood before you go.", "blood_test"),
    ("Doctor: I'll ask the nurse to draw some blood.", "blood_test"),
])
def test_blood_taken_is_a_blood_test_ordered(extractor: Extractor, said: str, code: str) -> None:
    assert ordered(extractor, said, code) == "present"


@pytest.mark.parametrize("said", [
    "Doctor: If the swelling spreads up your neck, go straight to A and E.",
    "Doctor: Should you get any worse overnight, call 999.",
    "Doctor: Your breathing getting worse, then you would need to get yourself to hospital.",
    "Doctor: If it lasts more than an hour we'd worry about a stroke, and we want you to go to hospital in that case.",
])
def test_the_emergency_department_in_a_safety_net_is_no_referral(extractor: Extractor, said: str) -> None:
    assert ordered(extractor, said, "referral_emergency") is None


@pytest.mark.parametrize("said", [
    "Doctor: With pain like this I want you to go to A and E today.",
    "Doctor: It may be worth you going into the hospital this afternoon to get checked out.",
])
def test_the_emergency_department_said_plainly_is_a_referral(extractor: Extractor, said: str) -> None:
    assert ordered(extractor, said, "referral_emergency") == "present"


@pytest.mark.parametrize(("said", "value", "unit"), [
    ("Doctor: Let's have you come back in a month.", 1, "mo"),
    ("Doctor: I want to see you again next week.", 1, "wk"),
    ("Doctor: We'll reassess in six weeks.", 6, "wk"),
    ("Doctor: Please make an appointment for three months from now.", 3, "mo"),
    ("Doctor: I'll bring you back in ten days to look at the wound.", 10, "d"),
    ("Doctor: Return to clinic in 4 weeks.", 4, "wk"),
    ("Doctor: We'll touch base in a couple of weeks.", 2, "wk"),
    ("Doctor: I'll see you after the scan to go through it.", None, None),
])
def test_the_next_visit_is_said_in_many_ways(extractor: Extractor, said: str, value: float | None,
                                             unit: str | None) -> None:
    assert plans(extractor, said).get(("follow_up", "follow_up")) == ("present", value, unit)


@pytest.mark.parametrize("said", [
    "Doctor: She is a 62-year-old woman who presents for follow-up of her hypertension.",
    "Doctor: He's here today for a follow up of his asthma.",
    "Patient: The rash cleared and hopefully it won't come back.",
    "Patient: The pain keeps coming back every winter.",
])
def test_todays_visit_and_a_symptom_that_recurs_plan_no_follow_up(extractor: Extractor, said: str) -> None:
    assert ("follow_up", "follow_up") not in plans(extractor, said)


@pytest.mark.parametrize("said", [
    "Doctor: With the brace and the physio we'll get you back on the bike by summer.",
    "Doctor: The diet should help get you back to normal.",
])
def test_getting_the_patient_back_to_what_they_did_is_no_visit(extractor: Extractor, said: str) -> None:
    assert ("follow_up", "follow_up") not in plans(extractor, said)


def results(extractor: Extractor, said: str) -> dict[str, tuple[str, str | None]]:
    found = extractor.extract(parse(said)).findings
    return {f.code: (f.assertion, f.attributes.get("interpretation")) for f in found if f.kind in ("lab", "electrolyte")}


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: The rapid strep test was negative, so no antibiotics.", "strep_test"),
    ("Doctor: We did a pregnancy test here and it was negative.", "pregnancy_test"),
    ("Doctor: And your rheumatoid factor came back negative.", "rheumatoid_factor"),
])
def test_a_test_read_negative_is_a_normal_result(extractor: Extractor, said: str, code: str) -> None:
    assert results(extractor, said)[code] == ("present", "normal")


def test_a_test_ordered_with_a_tag_said_after_it_is_ordered_not_read(extractor: Extractor) -> None:
    said = "Doctor: i'm also gon na order a lipid panel okay do you have any questions for me"
    assert ordered(extractor, said, "lipid_panel") == "present"
    assert "lipid_panel" not in results(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: I'd like you to cut back on the salt and limit your alcohol to a drink a day.", "diet_change"),
    ("Doctor: I'd like you to cut back on the salt and limit your alcohol to a drink a day.", "alcohol_reduction"),
    ("Doctor: Plenty of rest and lots of fluids for the next few days.", "rest"),
    ("Doctor: Plenty of rest and lots of fluids for the next few days.", "fluids"),
    ("Doctor: For the next week try to avoid any strenuous activity.", "rest"),
    ("Doctor: Keep your leg up on a pillow when you sit down.", "elevation"),
    ("Doctor: My recommendation would be physical therapy twice a week.", "referral_physical_therapy"),
    ("Doctor: I think the next step would be an ultrasound of your gallbladder.", "ultrasound"),
    ("Doctor: I think you would benefit from seeing a physical therapist.", "referral_physical_therapy"),
])
def test_advice_said_in_other_words_is_ordered(extractor: Extractor, said: str, code: str) -> None:
    assert ordered(extractor, said, code) == "present"


def test_a_next_step_said_of_the_past_orders_nothing(extractor: Extractor) -> None:
    assert ordered(extractor, "Doctor: The next step was an MRI, which showed a small tear.", "mri") is None


@pytest.mark.parametrize(("said", "value", "unit"), [
    ("Doctor: Let's get you back here in four weeks.", 4, "wk"),
    ("Doctor: Good, I'll see you at your next visit then.", None, None),
    ("Doctor: We'll do a telephone review in two weeks.", 2, "wk"),
])
def test_the_next_visit_said_in_other_words_is_a_follow_up(extractor: Extractor, said: str, value: float | None,
                                                            unit: str | None) -> None:
    assert plans(extractor, said)[("follow_up", "follow_up")] == ("present", value, unit)


def test_a_result_read_high_at_about_a_number_has_that_value(extractor: Extractor) -> None:
    found = extractor.extract(parse("Patient: My blood sugar has been a little higher at about one forty.")).findings
    glucose = next(f for f in found if f.code == "glucose")
    assert (glucose.value, glucose.attributes.get("interpretation")) == (140, "high")


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: We'll send off a Lyme titer today.", "lyme_serology"),
    ("Doctor: I'd like a twenty four hour urine and a renin level.", "urine_24_hour"),
    ("Doctor: I'd like a twenty four hour urine and a renin level.", "renin"),
    ("Doctor: The eye clinic will do a visual field test.", "visual_field_test"),
    ("Doctor: Let's get a quantiferon before you start the new drug.", "tb_test"),
])
def test_tests_ordered_in_clinic_are_ordered(extractor: Extractor, said: str, code: str) -> None:
    assert ordered(extractor, said, code) == "present"


@pytest.mark.parametrize(("said", "codes"), [
    # the tests listed with "your" after an ordered one, to the end of the sentence, are ordered too
    ("Doctor: I'd like to run some bloods, so a full blood count, your kidney function and your thyroid levels.",
     ("complete_blood_count", "metabolic_panel", "tsh")),
    # a test wanted is ordered, and those listed after it
    ("Doctor: we'll get some labs today so i want a cbc and a cmp", ("complete_blood_count", "metabolic_panel")),
    # the chemistry panels by their number
    ("Doctor: i'm going to order an a1c and also a chem-12 today", ("hba1c", "metabolic_panel")),
    ("Doctor: we'll draw a chem 14 this morning.", ("metabolic_panel",)),
])
def test_tests_listed_after_one_cue_are_ordered(extractor: Extractor, said: str, codes: tuple[str, ...]) -> None:
    assert {code: ordered(extractor, said, code) for code in codes} == dict.fromkeys(codes, "present")


@pytest.mark.parametrize(("said", "code"), [
    # "your" goes on into a result said, no list: the levels are read, not ordered by the cue far back
    ("Doctor: Let's get a full blood count done today, and looking back your thyroid levels were fine last year.",
     "tsh"),
    ("Doctor: do you want a referral to physio?", "referral_physical_therapy"),
])
def test_a_result_or_a_question_after_an_order_is_no_order(extractor: Extractor, said: str, code: str) -> None:
    assert ordered(extractor, said, code) is None


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: Please weigh yourself every morning and ring me if it goes up.", "weight_monitoring"),
    ("Doctor: I'd like you to check your blood sugars at home before breakfast.", "home_glucose_monitoring"),
    ("Doctor: I want you to monitor your blood pressures at home for two weeks.",
     "home_blood_pressure_monitoring"),
    ("Doctor: Try keeping a headache diary until I see you next.", "headache_diary"),
    ("Doctor: I'll give you a strainer so you can catch the stone when it passes.", "urine_strainer"),
    ("Doctor: We'll do a debridement of that ulcer today.", "debridement"),
    ("Doctor: No heavy lifting at work for the next fortnight, so avoid heavy lifting.", "activity_modification"),
    ("Doctor: I'll write you a work note for the rest of the week.", "work_note"),
    ("Doctor: I'd suggest you try yoga for the stress.", "yoga"),
    ("Doctor: We're going to place you in a knee immobilizer.", "brace"),
])
def test_advice_and_procedures_of_the_plan_are_ordered(extractor: Extractor, said: str, code: str) -> None:
    """Monitoring at home, diaries, a urine strainer, activity limits, a work note: orders of the plan (orders.yaml)."""
    assert ordered(extractor, said, code) == "present"


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: Honestly, I think a physiotherapist would help with this.", "referral_physical_therapy"),
    ("Doctor: I'd love for you to see a nutritionist about your meals.", "referral_dietitian"),
    ("Doctor: Wear the splint at night for a month.", "splint"),
    ("Doctor: Apply ice to the elbow three times a day.", "ice"),
    ("Doctor: It's important that you drink lots of water with this.", "fluids"),
    ("Doctor: I want you to continue to ice that ankle.", "ice"),
    ("Doctor: We're gonna continue to brace the knee for now.", "brace"),
    ("Doctor: Go ahead and keep up your exercise routine.", "physical_activity_advice"),
])
def test_a_plan_said_in_other_words_is_ordered(extractor: Extractor, said: str, code: str) -> None:
    """A recommendation said after the therapy ("would help"), "for you to see", an instruction verb ("wear",
    "apply"), "it's important that you", and a therapy gone on with that the clinician tells the patient to keep
    (an ordering cue right before "continue"): today's plan."""
    assert ordered(extractor, said, code) == "present"


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: If the therapy doesn't help, we can consider a cortisone shot.", "steroid_injection"),
    ("Doctor: One option down the line is an operation.", "surgery"),
    ("Doctor: If it keeps coming back we'll discuss further treatment such as lithotripsy.", "lithotripsy"),
    ("Doctor: We could also do what we call a ureteroscopy to take the stone out.", "ureteroscopy"),
])
def test_a_plan_weighed_is_hypothetical(extractor: Extractor, said: str, code: str) -> None:
    """A treatment considered or put forward as an option is not ordered today."""
    assert ordered(extractor, said, code) == "hypothetical"


@pytest.mark.parametrize("said", [
    "Doctor: Are you exercising regularly at the moment?",
    "Doctor: I would just carry on with the stretches you've been doing.",
])
def test_exercise_asked_about_or_carried_on_with_is_no_new_order(extractor: Extractor, said: str) -> None:
    assert not [key for key in plans(extractor, said) if key[0] == "order"]


def test_a_home_check_asked_about_is_its_result_not_an_order(extractor: Extractor) -> None:
    """"Do you monitor your blood sugars at home?": the readings asked, the glucose (orders.yaml `asked`)."""
    said = ("Doctor: Do you monitor your blood sugars at home?\nPatient: Yes, every morning.\n"
            "Doctor: And how have they been running lately?\nPatient: Nothing out of the ordinary.")
    found = {(f.kind, f.code) for f in extractor.extract(parse(said)).findings}
    assert ("order", "home_glucose_monitoring") not in found
    assert ("lab", "glucose") in found


def test_what_the_bloods_ordered_look_at_is_ordered(extractor: Extractor) -> None:
    """"We look at things like ..." after bloods ordered names what they hold, no look at a result already there."""
    said = "Doctor: I'll send off some bloods, which check things like your kidney functions and your vitamin levels."
    assert ordered(extractor, said, "metabolic_panel") == "present"
    assert ordered(extractor, said, "vitamin_levels") == "present"


def test_a_plan_in_a_turn_mislabelled_the_patients_is_the_clinicians(extractor: Extractor) -> None:
    """Words only a clinician says ("refer you") make a turn labelled the patient's the clinician's plan."""
    said = "Patient: So what I'm going to do is refer you to physical therapy for about six weeks."
    assert ordered(extractor, said, "referral_physical_therapy") == "present"
    assert ordered(extractor, "Patient: I'd like to try physical therapy.", "referral_physical_therapy") is None
