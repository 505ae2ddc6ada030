"""Cases of real speech (issue 19): hesitations, doses of a drug started today, when it began, the exam."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse
from nlp.types import Finding


def findings(extractor: Extractor, text: str) -> list[Finding]:
    return extractor.extract(parse(text)).findings


def found(extractor: Extractor, text: str) -> set[tuple[str, str]]:
    return {(f.code, f.assertion) for f in findings(extractor, text)}


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: On your x-ray there's no, um, fracture that I can see.", "fracture"),
    ("Patient: I have had no, uh, you know, chest pain.", "chest_pain"),
    ("Patient: I have not, like, had any fever.", "fever"),
    ("Patient: I haven't had, erm, any headaches.", "headache"),
])
def test_a_negation_reads_past_a_hesitation(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "absent") in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    # the speaker starts over: the cue before the hesitation is taken back
    ("Patient: I have no, um, I have a bit of a cough.", "cough"),
    # a plain "No," answer still ends at its comma
    ("Doctor: Any trouble sleeping?\nPatient: No, I get headaches though.", "headache"),
    # ... and so does a hesitating one, or one that goes on "like I said"
    ("Doctor: Any trouble sleeping?\nPatient: No, um, I get headaches though.", "headache"),
    ("Doctor: Any trouble sleeping?\nPatient: Uh, no, um, I get headaches though.", "headache"),
    ("Doctor: Any trouble sleeping?\nPatient: No, like I said, I get headaches.", "headache"),
])
def test_a_restart_or_a_plain_no_does_not_negate_what_follows(extractor: Extractor, said: str, code: str) -> None:
    assert code in {f.code for f in findings(extractor, said) if f.assertion == "present"}


def test_a_dose_prescribed_today_is_not_the_dose_of_the_drug_already_taken(extractor: Extractor) -> None:
    said = ("Patient: I've been taking some ibuprofen for it.\n"
            "Doctor: I'm going to prescribe Motrin 800 milligrams, every six hours with food.")
    drugs = sorted((f.assertion, f.attributes.get("action"), f.attributes.get("dose"))
                   for f in findings(extractor, said) if f.code == "ibuprofen")
    assert drugs == [("hypothetical", "start", {"value": 800, "unit": "mg"}), ("present", None, None)]


def test_a_drug_taken_and_advised_without_a_dose_stays_one_finding_kept_on(extractor: Extractor) -> None:
    said = "Patient: I take ibuprofen now and then.\nDoctor: You can take ibuprofen when it hurts."
    drugs = [(f.assertion, f.attributes.get("action")) for f in findings(extractor, said) if f.code == "ibuprofen"]
    assert drugs == [("present", "continue")]


@pytest.mark.parametrize(("said", "code", "onset"), [
    ("Patient: My ankle started hurting yesterday.", "ankle_pain", "yesterday"),
    ("Patient: The headache came on last night.", "headache", "last night"),
    ("Patient: I've had this cough since this morning.", "cough", "since this morning"),
    ("Patient: My stomach ache began a couple of days ago.", "abdominal_pain", "a couple of days ago"),
    ("Patient: I noticed the rash two days ago.", "rash", "2 days ago"),
    ("Patient: My back hurts.\nDoctor: When did this happen?\nPatient: It was yesterday.", "back_pain", "yesterday"),
])
def test_when_a_symptom_began_is_its_onset(extractor: Extractor, said: str, code: str, onset: str) -> None:
    assert [f.attributes.get("onset") for f in findings(extractor, said) if f.code == code] == [onset]


@pytest.mark.parametrize("said", [
    "Patient: My back hurts. I take the pill.\nDoctor: Which pill?\nPatient: Microgynon.\n"
    "Doctor: When did you start that one?\nPatient: About six years ago.",
    "Patient: My back hurts.\nDoctor: When were you last seen for it?\nPatient: Last week.",
    # the symptom says how long it has lasted: the time is of something else
    "Patient: I saw my doctor yesterday and my back hurts for a month now.",
    # the question names what began then
    "Patient: My back hurts.\nDoctor: When were you diagnosed with diabetes?\nPatient: Five years ago.",
])
def test_a_time_answering_about_something_else_is_no_onset(extractor: Extractor, said: str) -> None:
    assert [f.attributes.get("onset") for f in findings(extractor, said) if f.code == "back_pain"] == [None]


@pytest.mark.parametrize(("said", "code", "assertion"), [
    ("Doctor: Let me examine your knee. If I bend your knee like this, does it hurt?\nPatient: Yes, that hurts.",
     "pain_with_movement", "present"),
    ("Doctor: Let me examine your knee. How about if I twist it that way?\nPatient: That hurts a lot.",
     "pain_with_movement", "present"),
    ("Doctor: Let me examine your shoulder. If I lift your arm, any pain?\nPatient: No.", "pain_with_movement",
     "absent"),
    ("Doctor: Let me examine your tummy. When I press on your belly here?\nPatient: Ouch.", "tenderness", "present"),
])
def test_the_patients_reply_to_a_manoeuvre_is_an_exam_finding(extractor: Extractor, said: str, code: str,
                                                              assertion: str) -> None:
    assert (code, assertion) in {(f.code, f.assertion) for f in findings(extractor, said) if f.kind == "exam"}


def test_a_no_to_a_manoeuvre_denies_it_and_keeps_another_pain_said(extractor: Extractor) -> None:
    said = "Doctor: Let me examine your knee. If I bend it, does that hurt?\nPatient: No, but my back pain is bad."
    assert {(f.kind, f.code, f.assertion) for f in findings(extractor, said)} == {
        ("exam", "pain_with_movement", "absent"), ("symptom", "back_pain", "present")}


def test_a_manoeuvre_takes_the_place_the_examiner_names(extractor: Extractor) -> None:
    said = "Doctor: Let me examine you. If I bend your knee forward, does that hurt?\nPatient: Yes."
    exam = [f for f in findings(extractor, said) if f.code == "pain_with_movement"]
    assert [f.attributes.get("site") for f in exam] == ["knee"]


@pytest.mark.parametrize("said", [
    # not examining: a question about what the patient can do
    "Doctor: Can you bend your knee at home?\nPatient: Yes.",
    # examining, but no pain spoken of: a yes says nothing about pain
    "Doctor: Let me examine your knee. Can you bend your knee for me?\nPatient: Yes.",
])
def test_a_manoeuvre_without_pain_said_is_no_finding(extractor: Extractor, said: str) -> None:
    assert not [f for f in findings(extractor, said) if f.kind == "exam"]


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: My mother has high blood pressure, and she gets bad migraines.", "migraine"),
    ("Patient: I talk to my dad, because he also has depression.", "depression"),
])
def test_the_relative_spoken_of_again_keeps_the_family_history(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "family") in found(extractor, said)


def test_a_new_subject_still_ends_the_family_history(extractor: Extractor) -> None:
    assert ("migraine", "present") in found(extractor, "Patient: My mother has high blood pressure, and I get migraines.")


@pytest.mark.parametrize(("said", "code"), [
    # the relative named, then spoken of by a pronoun that agrees in the next sentences
    ("Patient: My uncle is seventy now. He had a stroke last spring.", "stroke"),
    ("Patient: I've got two sisters. The older one is a teacher. She has lupus.", "lupus"),
    ("Patient: My grandparents both lived long. They had high blood pressure though.", "hypertension"),
    # relatives in the plural, and the old names of grandparents
    ("Patient: Both of my brothers have asthma.", "asthma"),
    ("Patient: My nan had dementia at the end.", "dementia"),
    ("Patient: One of my granddads had gout.", "gout"),
    # a list read on past the cue's reach
    ("Patient: Well, in my family there's a lot of diabetes, high blood pressure, high cholesterol, asthma, gout, and "
     "some arthritis.", "osteoarthritis"),
    # the relative who has it
    ("Patient: I help my aunt, who had a stroke in the spring.", "stroke"),
])
def test_a_relative_spoken_of_again_keeps_the_family_history(extractor: Extractor, said: str, code: str) -> None:
    assert found(extractor, said) >= {(code, "family")} and (code, "present") not in found(extractor, said)


@pytest.mark.parametrize(("said", "code", "assertion"), [
    # the speaker spoken of between the pronoun and the problem: the speaker's own
    ("Patient: My mother came with me today. She thinks I have the flu.", "influenza", "present"),
    ("Patient: My dad drove me here. I've had a headache since Sunday.", "headache", "present"),
    # a pronoun that does not agree speaks of someone else
    ("Patient: I asked my mum about it. He said it was asthma.", "asthma", "present"),
])
def test_a_pronoun_that_is_not_the_relatives_says_nothing_of_the_family(extractor: Extractor, said: str, code: str,
                                                                         assertion: str) -> None:
    assert (code, assertion) in found(extractor, said)


@pytest.mark.parametrize("said", [
    "Doctor: Her mother had breast cancer. She reports chest pain for two days.",
    "Doctor: His father had a heart attack at sixty. He has high blood pressure.",
])
def test_a_pronoun_in_the_clinicians_words_carries_no_family_history(extractor: Extractor, said: str) -> None:
    assert {f.assertion for f in findings(extractor, said) if f.code in ("chest_pain", "hypertension")} == {"present"}


def test_a_relatives_illness_denied_by_a_pronoun_is_no_finding(extractor: Extractor) -> None:
    said = "Patient: My grandfather lived to ninety. He never had any heart disease."
    assert found(extractor, said) == set()


@pytest.mark.parametrize("said", [
    "Doctor: Is there any family medical history we should know of? Heart disease or stroke?\nPatient: No.",
    "Doctor: Any problems that run in the family? Diabetes, anything like that?\nPatient: No, nothing.",
    "Doctor: Do any of your relatives have a thyroid problem?\nPatient: No.",
])
def test_a_question_after_one_about_the_family_asks_about_the_family(extractor: Extractor, said: str) -> None:
    assert found(extractor, said) == set()  # a family history denied, no problem of the patient's denied


@pytest.mark.parametrize(("said", "expected"), [
    # the reply to a question about the family names the family's problems
    ("Doctor: Any family history of cancer?\nPatient: Yes, lung cancer.", {("lung_cancer", "family")}),
    ("Doctor: Anything that runs in the family?\nPatient: Asthma. My mum and her sister.", {("asthma", "family")}),
    ("Doctor: And what about your mother?\nPatient: She has rheumatoid arthritis.",
     {("rheumatoid_arthritis", "family")}),
    ("Doctor: Any medical problems in the family?\nPatient: Not really. Maybe some high cholesterol.",
     {("hyperlipidemia", "family")}),
    # ... and what it denies is the family's: no finding
    ("Doctor: any family history of asthma or eczema\nPatient: no asthma or eczema", set()),
    # a relative named without a yes: the family has what was asked
    ("Doctor: Any family history of bowel cancer?\nPatient: My uncle had it.", {("colorectal_cancer", "family")}),
    # the clinician asks about the relative the patient named
    ("Patient: Yes, my grandad.\nDoctor: And what did he have?\nPatient: He had bowel cancer.",
     {("colorectal_cancer", "family")}),
    # the patient's own words are the patient's
    ("Doctor: Any family history of heart problems?\nPatient: No, but I have high blood pressure.",
     {("hypertension", "present")}),
    # a question about the patient after the family's asks the patient
    ("Doctor: Your dad had a stroke. And do you get any headaches?\nPatient: Yes, some headaches.",
     {("stroke", "family"), ("headache", "present")}),
])
def test_the_reply_to_a_question_about_the_family_speaks_of_the_family(
        extractor: Extractor, said: str, expected: set[tuple[str, str]]) -> None:
    assert found(extractor, said) == expected


@pytest.mark.parametrize(("said", "code", "assertion"), [
    # a denial reads its list to its end, past its reach
    ("Patient: I haven't had any fevers, chills, sweats, nausea, vomiting, diarrhea, constipation, rashes, chest pain "
     "or headaches.", "headache", "absent"),
    ("Doctor: She denies fever, chills, cough, wheezing, shortness of breath, palpitations, dizziness and chest pain.",
     "chest_pain", "absent"),
    # ... only its list: what is said as had is not denied
    ("Patient: I haven't had any fevers, chills, sweats, nausea, vomiting, diarrhea, constipation or rashes, but I do "
     "get headaches.", "headache", "present"),
    ("Patient: No fevers or chills, and I get headaches most days.", "headache", "present"),
])
def test_a_denied_list_is_read_to_its_end(extractor: Extractor, said: str, code: str, assertion: str) -> None:
    assert (code, assertion) in found(extractor, said)


def test_a_relative_spoken_of_again_past_the_cues_reach(extractor: Extractor) -> None:
    said = "Patient: and my uncle he had a lot of trouble with his chest for many years and then in the end he had lung cancer"
    assert ("lung_cancer", "family") in found(extractor, said)


def test_a_pronoun_after_a_new_clause_is_the_speakers_company(extractor: Extractor) -> None:
    said = "Patient: My parents have retired, so whenever they open a bottle of wine, they pour me a glass."
    assert ("alcohol_use", "family") not in found(extractor, said)


def test_a_question_about_the_patient_after_one_about_the_family_asks_the_patient(extractor: Extractor) -> None:
    said = "Doctor: Any diabetes in the family? And do you have diabetes yourself?\nPatient: No."
    assert ("diabetes", "absent") in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: At work I give the results to patients with covid.", "covid_19"),
    # what may befall anyone, explained
    ("Doctor: We worry because someone might have a kidney infection with pain like this.", "pyelonephritis"),
    # what a manoeuvre checks for is the examiner's reason
    ("Doctor: Your knee test is negative, I was just checking for a meniscus tear.", "meniscus_tear"),
    ("Doctor: Have you been around anyone else with diarrhoea?\nPatient: Yes.", "diarrhea"),
    ("Doctor: We like people with diabetes to see the eye doctor every year.", "diabetes"),
])
def test_what_other_people_have_is_no_finding_of_the_patients(extractor: Extractor, said: str, code: str) -> None:
    assert code not in {f.code for f in findings(extractor, said)}


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: I have diabetes, and I work with people with covid.", "diabetes"),
    # the patient spoken of as one of others
    ("Doctor: She is a patient with a history of diabetes.", "diabetes"),
    ("Doctor: As someone with asthma, you should get the flu shot.", "asthma"),
])
def test_the_patients_own_problem_beside_others_is_kept(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "present") in found(extractor, said)


def test_exam_words_in_a_history_question_are_no_exam_finding(extractor: Extractor) -> None:
    said = "Doctor: Any problems just walking normally?\nPatient: No, none."
    assert not [f for f in findings(extractor, said) if f.kind == "exam"]


def test_exam_words_asked_while_examining_are_still_exam_findings(extractor: Extractor) -> None:
    said = "Doctor: Let me examine your ankle. Is there any swelling here?\nPatient: No."
    assert [f.kind for f in findings(extractor, said)] == ["exam"]


def test_a_cues_reach_skips_the_hesitations_inside_it(extractor: Extractor) -> None:
    said = "Patient: My dad had, uh, you know, high blood pressure, and he's got a history of, um, gout."
    assert ("gout", "family") in found(extractor, said)


@pytest.mark.parametrize("said", [
    "Patient: By the time I've been on my feet all day at the shop, it starts to ache.",
    "Patient: My back hurts after a long shift on my feet, so I try to get off my feet in the evening.",
    "Doctor: Once you're back on your feet, any pain when you walk?\nPatient: Yes.",
])
def test_a_saying_about_standing_names_no_foot(extractor: Extractor, said: str) -> None:
    assert not [f for f in findings(extractor, said) if f.code == "foot_pain" or f.attributes.get("site") == "foot"]


def test_the_feet_said_as_a_place_beside_the_saying_stay_the_place(extractor: Extractor) -> None:
    said = "Patient: I'm on my feet all day and the soles of my feet ache by the evening."
    assert "foot_pain" in {f.code for f in findings(extractor, said)}


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: I'm a nurse, I was moved to the covid ward when the pandemic started.", "covid_19"),
    ("Patient: Work has been mad since the covid pandemic.", "covid_19"),
    ("Doctor: I'm going to refer you to the stroke clinic to be seen this week.", "stroke"),
    ("Doctor: The MRI scanner is downstairs, just off the main corridor.", "mri"),
    ("Doctor: The paramedics will phone ahead so the stroke doctor can see you when you arrive.", "stroke"),
    ("Doctor: I've asked one of the heart failure doctors to call you this week.", "heart_failure"),
    ("Doctor: The cancer consultant will go through the scan with you.", "cancer"),
])
def test_a_concept_naming_the_kind_of_a_place_or_an_event_is_no_finding(extractor: Extractor, said: str,
                                                                       code: str) -> None:
    assert code not in {f.code for f in findings(extractor, said)}


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: I think this could be a kidney stone.", "kidney_stones"),
    ("Doctor: Hmm, I think it might be a migraine, from what you describe.", "migraine"),
    ("Doctor: From the look of your skin, I think you may have some eczema.", "eczema"),
    ("Doctor: It looks like it could be gout in that toe.", "gout"),
])
def test_a_modal_of_doubt_after_an_impression_keeps_the_diagnosis_possible(extractor: Extractor, said: str,
                                                                          code: str) -> None:
    assert (code, "possible") in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: I think you have a kidney stone.", "kidney_stones"),
    ("Doctor: I think probably you have a urine infection.", "urinary_tract_infection"),
    ("Doctor: I do think that you have a sprained ankle and I think this because of how you landed.", "ankle_sprain"),
    ("Doctor: I think this is a migraine, and it may come back when you are stressed.", "migraine"),
])
def test_an_impression_without_a_modal_of_doubt_is_the_assessment(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "present") in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: My asthma nurse changed my inhaler last month.", "asthma"),
    ("Patient: I go to my heart failure clinic every three months.", "heart_failure"),
    ("Patient: I had covid last winter and ended up on the ward.", "covid_19"),
])
def test_ones_own_problem_named_with_a_place_is_still_found(extractor: Extractor, said: str, code: str) -> None:
    assert code in {f.code for f in findings(extractor, said)}


@pytest.mark.parametrize("said", [
    "Patient: I twisted my ankle stepping off the kerb and now it's swollen.",
    "Patient: I injured my knee playing football a few months back.",
    "Doctor: So I think you've injured your back lifting those boxes.",
])
def test_a_mechanism_of_injury_said_is_no_symptom(extractor: Extractor, said: str) -> None:
    assert "injury" not in {f.code for f in findings(extractor, said)}


@pytest.mark.parametrize("said", [
    "Doctor: Did you hurt it at all, any injury?\nPatient: No, nothing like that.",
    "Patient: I've never injured that shoulder before.",
])
def test_an_injury_denied_is_the_pertinent_negative(extractor: Extractor, said: str) -> None:
    assert ("injury", "absent") in found(extractor, said)


@pytest.mark.parametrize(("said", "assertion"), [
    ("Doctor: Have you ever had a panic attack?\nPatient: No, never.", "absent"),
    ("Patient: Last week I had two panic attacks on the train.", "present"),
])
def test_a_panic_attack_is_what_the_patient_has_not_the_disorder(extractor: Extractor, said: str,
                                                                 assertion: str) -> None:
    assert {(f.kind, f.code, f.assertion) for f in findings(extractor, said)} == {("symptom", "panic_attacks", assertion)}


def test_panic_disorder_named_is_the_disorder(extractor: Extractor) -> None:
    assert ("panic_disorder", "present") in found(extractor, "Patient: I was diagnosed with panic disorder in my twenties.")
