"""Language cases the gold corpus taught the engine: misspellings, corrections, answers, relatives, clauses."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse
from nlp.types import Finding, Segment, Transcript


def findings(extractor: Extractor, text: str) -> list[Finding]:
    return extractor.extract(parse(text)).findings


def found(extractor: Extractor, text: str) -> set[tuple[str, str]]:
    return {(f.code, f.assertion) for f in findings(extractor, text)}


@pytest.mark.parametrize(("said", "code"), [
    ("patient: im on furosimide", "furosemide"),
    ("patient: atorvastin twenty milligrams", "atorvastatin"),
    ("patient: my water tablet is hydrochlorothiazid", "hydrochlorothiazide"),
    ("patient: spironolacton every morning", "spironolactone"),
])
def test_a_misspelt_drug_name_is_read_as_the_drug(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "present") in found(extractor, said)


@pytest.mark.parametrize("said", ["patient: I was watching television", "patient: my cholesterol is fine",
                                  "patient: we went walking yesterday"])
def test_ordinary_long_words_are_not_taken_for_drugs(extractor: Extractor, said: str) -> None:
    assert not [f for f in findings(extractor, said) if f.kind == "medication"]


def test_a_correction_replaces_the_side_said_before(extractor: Extractor) -> None:
    cramp = findings(extractor, "Patient: The cramps are in the left calf. No wait, it's the right calf.")[0]
    assert (cramp.code, cramp.attributes["site"], cramp.attributes["laterality"]) == ("leg_cramp", "calf", "right")


def test_a_relatives_condition_is_a_finding_apart_from_the_patients_own(extractor: Extractor) -> None:
    said = "Patient: My father has diabetes.\nDoctor: And do you have diabetes?\nPatient: No, I don't."
    assert found(extractor, said) == {("diabetes", "family"), ("diabetes", "absent")}


def test_in_the_family_makes_the_question_about_relatives(extractor: Extractor) -> None:
    assert found(extractor, "Doctor: Any diabetes in the family?\nPatient: Yes.") == {("diabetes", "family")}


@pytest.mark.parametrize("said", ["Doctor: Any diabetes in the family?\nPatient: No.",
                                  "Doctor: Any family history of heart disease or stroke?\nPatient: Not that I know of.",
                                  "Doctor: Has anyone in your family got lupus?\nPatient: No."])
def test_a_family_history_denied_says_nothing_of_the_patients_own(extractor: Extractor, said: str) -> None:
    assert found(extractor, said) == set()


@pytest.mark.parametrize("said", ["Patient: None of my family has ever had a stroke.",
                                  "Patient: There's no family history of epilepsy.",
                                  "Patient: My father never had high blood pressure.",
                                  "Patient: No one in my family has had breast cancer as far as I know.",
                                  "Patient: nobody in the family gets migraines"])
def test_a_relatives_illness_denied_is_no_finding(extractor: Extractor, said: str) -> None:
    assert found(extractor, said) == set()  # as "Any stroke in the family?" "No." makes none


@pytest.mark.parametrize(("said", "expected"), [
    # the negation ends where "my" opens a new statement, and says nothing of the relative spoken of there
    ("Patient: I've never had it checked, my dad has diabetes.", ("diabetes", "family")),
    # what nobody else has is others', not the patient's
    ("Patient: I've had a cough all week but nobody else at home has a cough.", ("cough", "present")),
])
def test_a_denial_of_others_leaves_the_patients_own(extractor: Extractor, said: str,
                                                    expected: tuple[str, str]) -> None:
    assert found(extractor, said) == {expected}


def test_an_episode_in_the_past_is_apart_from_what_is_denied_today(extractor: Extractor) -> None:
    said = ("Patient: Years ago I used to get palpitations, they did tests on my heart.\n"
            "Doctor: Any palpitations at the moment?\nPatient: No.")
    palpitations = [(f.assertion, f.historical) for f in findings(extractor, said) if f.code == "palpitations"]
    assert sorted(palpitations) == [("absent", False), ("present", True)]


@pytest.mark.parametrize(("said", "expected"), [
    # what brings a symptom on is the question's circumstance: the answer is about the symptom
    ("Doctor: Do you get any tightness in your chest when you go jogging?\nPatient: No.", {("chest_tightness", "absent")}),
    ("Doctor: Is the back pain any worse when you sneeze?\nPatient: Yes, a lot.", {("back_pain", "present")}),
])
def test_what_brings_a_symptom_on_is_not_what_is_asked(extractor: Extractor, said: str,
                                                       expected: set[tuple[str, str]]) -> None:
    assert found(extractor, said) == expected


@pytest.mark.parametrize(("said", "expected"), [
    ("Doctor: Have you had any night sweats?\nPatient: Yes, I sweat a lot at the gym.\n"
     "Doctor: I mean at night, any night sweats?\nPatient: No.", {("night_sweats", "absent")}),
    ("Doctor: Any wheezing?\nPatient: No, not really.\nDoctor: Not even a little wheezing when it's cold?\n"
     "Patient: Well yes, sometimes.", {("wheeze", "present")}),
])
def test_the_answer_to_a_question_asked_again_settles_it(extractor: Extractor, said: str,
                                                         expected: set[tuple[str, str]]) -> None:
    assert found(extractor, said) == expected


@pytest.mark.parametrize(("said", "expected"), [
    ("Patient: I've had a terrible cough for a week.\nDoctor: Anyone at home unwell?\n"
     "Patient: Yes, my brother has had something similar since Monday.", {("cough", "present"), ("cough", "family")}),
    # a relative's illness named is that illness, and a partner is no family history
    ("Patient: I keep getting headaches.\nPatient: My mum had the same thing, she had migraines.",
     {("headache", "present"), ("migraine", "family")}),
    ("Patient: I've had a terrible cough for a week.\nPatient: My wife has had something similar.",
     {("cough", "present")}),
])
def test_a_relative_who_has_what_the_patient_has_has_the_complaint(extractor: Extractor, said: str,
                                                                    expected: set[tuple[str, str]]) -> None:
    assert found(extractor, said) == expected


def timed(*turns: tuple[str, float, float, str]) -> Transcript:
    return Transcript(segments=[Segment(id=n, speaker=speaker, start=start, end=end, text=text)
                                for n, (speaker, start, end, text) in enumerate(turns)])


@pytest.mark.parametrize(("yes_at", "expected"), [
    # "Yes." said over the question, while the clinician went on to the next: it answers the dizziness; the "No." said
    # after the question answers its last part
    (11.5, {("dizziness", "present"), ("fever", "absent")}),
    # both said after the question: the second takes the first back
    (16.0, {("dizziness", "absent"), ("fever", "absent")}),
])
def test_a_reply_said_over_the_question_answers_what_came_before_its_last_part(
        extractor: Extractor, yes_at: float, expected: set[tuple[str, str]]) -> None:
    said = timed(("clinician", 10.0, 15.0, "So you feel dizzy? Right, got it, thanks. And any fevers?"),
                 ("patient", yes_at, yes_at + 0.5, "Yes."), ("patient", 17.0, 17.5, "No."))
    assert {(f.code, f.assertion) for f in extractor.extract(said).findings} == expected


@pytest.mark.parametrize("said", ["Doctor: No family history of bowel cancer.",
                                  "Patient: There's no history of heart disease in my family.",
                                  "Patient: Nobody in my family has had diabetes, as far as I know.",
                                  "Doctor: Family history is negative for breast cancer."])
def test_a_family_history_said_to_be_none_is_no_finding(extractor: Extractor, said: str) -> None:
    assert found(extractor, said) == set()


def test_a_family_history_denied_beside_one_said_keeps_the_one_said(extractor: Extractor) -> None:
    said = "Patient: No family history of cancer, but my father has diabetes."
    assert found(extractor, said) == {("diabetes", "family")}


def test_a_no_after_a_drawn_out_hesitation_denies_what_was_asked(extractor: Extractor) -> None:
    said = "Doctor: any nausea or vomiting\nPatient: hmmm no i had a headache last week"
    assert found(extractor, said) == {("nausea", "absent"), ("vomiting", "absent"), ("headache", "present")}


def test_a_term_said_alone_and_answered_yes_or_no_is_asked(extractor: Extractor) -> None:
    said = "Doctor: okay any history of endometriosis\nPatient: any history of what\nDoctor: endometriosis\nPatient: no"
    assert found(extractor, said) == {("endometriosis", "absent")}


def test_an_answer_in_the_past_is_present_and_historical(extractor: Extractor) -> None:
    smoking = findings(extractor, "Doctor: Do you smoke?\nPatient: I quit ten years ago.")[0]
    assert (smoking.code, smoking.assertion, smoking.historical) == ("smoking", "present", True)


def test_a_dose_said_in_the_answer_belongs_to_the_drug_asked_about(extractor: Extractor) -> None:
    drug = findings(extractor, "Doctor: You're on pravastatin?\nPatient: Yes, forty milligrams.")[0]
    assert (drug.code, drug.attributes["dose"]) == ("pravastatin", {"value": 40, "unit": "mg"})


def test_a_dose_time_in_an_answer_is_not_a_cramp_timing(extractor: Extractor) -> None:
    said = "Doctor: How long have you been on Lipitor?\nPatient: Six months, eighty milligrams at bedtime."
    assert found(extractor, said) == {("atorvastatin", "present")}


def test_only_the_clause_after_the_comma_is_asked(extractor: Extractor) -> None:
    said = "Doctor: You started atorvastatin 40 mg in May, how are you getting on?\nPatient: Fine."
    assert ("atorvastatin", "present") in found(extractor, said)


def test_a_class_said_of_a_named_drug_is_evidence_of_that_drug(extractor: Extractor) -> None:
    said = "Patient: I use my albuterol inhaler a lot. The cramps come after I use the inhaler."
    medications = [f for f in findings(extractor, said) if f.kind == "medication"]
    assert [(f.code, len(f.evidence)) for f in medications] == [("albuterol", 2)]


def test_a_drug_not_taken_but_proposed_is_not_taken_and_a_proposal(extractor: Extractor) -> None:
    # two facts of the note, as the real gold annotates them (docs/findings.md): not on it, and the plan to start it
    said = ("Doctor: Are you taking any calcium tablets?\nPatient: No, nothing.\n"
            "Doctor: I'm going to start you on calcium carbonate.")
    assert found(extractor, said) == {("calcium", "absent"), ("calcium", "hypothetical")}


@pytest.mark.parametrize(("said", "expected"), [
    ("Doctor: It sounds like restless legs syndrome.", ("restless_legs", "possible")),
    ("Patient: maybe three glasses of wine a night", ("alcohol_use", "present")),
    ("Doctor: Probably the low potassium from your bendroflumethiazide.", ("bendroflumethiazide", "present")),
    ("Patient: Can I have quinine for the cramps in my legs?", ("leg_cramp", "present")),
    ("Patient: Can I have quinine for the cramps in my legs?", ("quinine", "hypothetical")),
    ("Doctor: I'll give you a course of nitrofurantoin.", ("nitrofurantoin", "hypothetical")),
    ("Patient: Not great, I've been using my albuterol inhaler a lot.", ("albuterol", "present")),
    ("Doctor: Any allergies to antibiotics?\nPatient: No.", ("antibiotic", "absent")),  # an allergy denied
    ("Patient: I have period cramps and a stomach ache.", ("dysmenorrhea", "present")),  # cramps, but not the legs
])
def test_cue_cases(extractor: Extractor, said: str, expected: tuple[str, str] | None) -> None:
    result = found(extractor, said)
    assert expected in result if expected else result == set()


@pytest.mark.parametrize("said", [
    "Patient: My feet cramp at night.\nDoctor: Both feet?\nPatient: Just the right foot.",
    "Doctor: And the cramps, where are they?\nPatient: In my right foot, in the arch.",
])
def test_the_reply_says_where_the_symptom_is(extractor: Extractor, said: str) -> None:
    cramp = next(f for f in findings(extractor, said) if f.code == "leg_cramp")
    assert (cramp.attributes["site"], cramp.attributes["laterality"]) == ("foot", "right")


@pytest.mark.parametrize(("said", "expected"), [
    # a bare answer the patient takes back in the next turn: the second thought settles it
    ("Doctor: Are you coughing anything up, any phlegm?\nPatient: Yeah.\nPatient: No, no, it's a dry tickly cough.",
     {("sputum", "absent"), ("cough", "present")}),
    # a hesitation is no answer: what the patient says next is
    ("Doctor: Any blood in your wee?\nPatient: Um\nPatient: So I, no I haven't seen any of that.",
     {("hematuria", "absent")}),
    # a yes to a list that names one of them is a yes to that one
    ("Doctor: Any heart attacks or strokes in your family?\nPatient: Yes, my mum had a stroke last year.",
     {("stroke", "family")}),
    # a "no" before a new clause denies what was asked, unless the clause names what it denies
    ("Doctor: Any aches or chills?\nPatient: no it's really just a headache", {("muscle_pain", "absent"),
                                                                              ("chills", "absent"), ("headache", "present")}),
    ("Doctor: Any cough or any fevers?\nPatient: no no fever", {("fever", "absent")}),
    # a question about a habit answered in the reply's own words: they say it, not the reply as a whole
    ("Doctor: Do you smoke or use any recreational drugs?\nPatient: I smoke a bit at weekends but I don't use drugs.",
     {("smoking", "present"), ("drug_use", "absent")}),
])
def test_the_reply_that_settles_a_question(extractor: Extractor, said: str, expected: set[tuple[str, str]]) -> None:
    assert found(extractor, said) == expected


@pytest.mark.parametrize(("said", "expected"), [
    ("Patient: If I get one of my headaches, I'll take a paracetamol.", ("acetaminophen", "present")),
    ("Patient: Now and then, if I can't sleep, I take a zopiclone.", ("zopiclone", "present")),
    ("Doctor: If the pain is bad, take some paracetamol.", ("acetaminophen", "hypothetical")),  # advice
    ("Patient: If they ring, tell them they don't need to give me morphine.", ("morphine", "hypothetical")),
])
def test_a_drug_the_patient_takes_when_something_comes_is_taken(extractor: Extractor, said: str,
                                                                 expected: tuple[str, str]) -> None:
    assert expected in found(extractor, said)


@pytest.mark.parametrize(("said", "expected"), [
    ("Doctor: Are you happy to take a course of nitrofurantoin?\nPatient: Yes, that's fine.",
     ("nitrofurantoin", "hypothetical")),  # agreed to, not taken yet
    ("Doctor: It might be worth taking a five day course of amoxicillin.", ("amoxicillin", "hypothetical")),
    ("Doctor: Are you taking any amoxicillin at the moment?\nPatient: Yes.", ("amoxicillin", "present")),
])
def test_a_drug_proposed_and_agreed_to_is_not_taken_yet(extractor: Extractor, said: str,
                                                        expected: tuple[str, str]) -> None:
    assert expected in found(extractor, said)


@pytest.mark.parametrize(("said", "expected"), [
    # the patient does not take it up: the statement put to them confirms nothing
    ("Doctor: You've had some trouble with your migraines. Is that right?\nPatient: Sorry, what was that?\n"
     "Doctor: What brings you in?\nPatient: A rash on my arm.", set()),
    ("Doctor: So you've had gout before. Is that correct?\nPatient: No, that was my brother.", {("gout", "absent")}),
    ("Doctor: You have had asthma since you were a child, right?\nPatient: Yes.", {("asthma", "present")}),
])
def test_a_statement_put_to_the_patient_for_confirmation_is_asked(extractor: Extractor, said: str,
                                                                  expected: set[tuple[str, str]]) -> None:
    assert {(c, a) for c, a in found(extractor, said) if c in ("migraine", "gout", "asthma")} == expected


def test_a_symptom_named_alone_and_answered_over_it_is_read_without_error(extractor: Extractor) -> None:
    """"fever" said alone is asked without a question mark; a reply said over it and another after it are read as
    a reply said over a question is, whatever sentence it holds."""
    said = timed(("clinician", 10.0, 12.0, "fever"), ("patient", 11.5, 12.0, "No."), ("patient", 13.0, 13.5, "No."))
    assert {(f.code, f.assertion) for f in extractor.extract(said).findings} == {("fever", "absent")}


@pytest.mark.parametrize(("said", "expected"), [
    # the asker repeats the answer heard, in the question's turn: it answers that question, the reply the next
    ("Doctor: Any rash on your arms? No, OK. And have you had a fever?\nPatient: Yes, on Monday.",
     {("rash", "absent"), ("fever", "present")}),
    ("Doctor: Any rash on your arms? Yeah. Right. And have you had a fever?\nPatient: No.",
     {("rash", "present"), ("fever", "absent")}),
    # ... or the transcript puts the patient's answer in the asker's next turn
    ("Doctor: Any wheezing or chest pain?\nDoctor: No.\nDoctor: And any fever?\nPatient: Yes.",
     {("wheeze", "absent"), ("chest_pain", "absent"), ("fever", "present")}),
])
def test_an_answer_echoed_by_the_asker_answers_the_question(extractor: Extractor, said: str,
                                                            expected: set[tuple[str, str]]) -> None:
    assert found(extractor, said) == expected


@pytest.mark.parametrize(("said", "expected"), [
    ("Doctor: Have you had a fever?\nPatient: Not specifically, apart from the headache.",
     {("fever", "absent"), ("headache", "present")}),  # a no put gently, before what the reply has instead
    ("Doctor: Do you get chest pain?\nPatient: Not currently, no.", {("chest_pain", "absent")}),
    ("Doctor: Any wheezing?\nPatient: Now and then.", {("wheeze", "present")}),
])
def test_an_answer_put_gently_settles_the_question(extractor: Extractor, said: str,
                                                   expected: set[tuple[str, str]]) -> None:
    assert found(extractor, said) == expected


def test_a_reply_that_names_what_was_asked_settles_it_whatever_it_opens_with(extractor: Extractor) -> None:
    said = "Doctor: Any cough or wheezing?\nPatient: Yeah, I cough at night, but I don't wheeze."
    assert found(extractor, said) == {("cough", "present"), ("wheeze", "absent")}


@pytest.mark.parametrize(("said", "expected"), [
    ("Doctor: So you've had a rash on your arms. Anything like that?\nPatient: No, nothing.", {("rash", "absent")}),
    ("Doctor: So you've had a rash on your arms. Nothing of that sort?\nPatient: Sorry?", set()),
])
def test_a_lists_tail_asked_alone_puts_the_statement_to_the_patient(extractor: Extractor, said: str,
                                                                    expected: set[tuple[str, str]]) -> None:
    assert found(extractor, said) == expected


def test_a_later_question_of_the_turn_that_narrows_the_first_is_the_one_answered(extractor: Extractor) -> None:
    said = "Doctor: And what about smoking and alcohol? Do you smoke at all?\nPatient: Not any more."
    assert {(f.code, f.assertion, f.historical) for f in findings(extractor, said)} == {("smoking", "present", True)}


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: Any difficulty with your balance?\nPatient: No.", "balance_problems"),
    ("Doctor: Any injuries to your head lately?\nPatient: No.", "head_injury"),
    ("Doctor: Does your hand feel cold?\nPatient: No.", "cold_extremities"),
    ("Doctor: Any asymmetry in your face?\nPatient: No.", "facial_droop"),
    ("Doctor: Any vomiting?\nPatient: I haven't thrown up, no.", "vomiting"),
])
def test_a_symptom_asked_in_everyday_words_is_denied_by_the_answer(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "absent") in found(extractor, said)


def test_a_pain_when_passing_urine_asked_in_the_second_person_is_dysuria(extractor: Extractor) -> None:
    said = "Doctor: Any pain when you're urinating?\nPatient: No, no real pain when I pee."
    assert found(extractor, said) == {("dysuria", "absent")}


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: Does anybody in your family have cancer?\nPatient: Yes, but I forget which kind.\n"
     "Doctor: OK. And what about heart disease?\nPatient: Yes, that too.", "heart_disease"),
    ("Doctor: Any family history of cancer?\nPatient: No.\nDoctor: How about diabetes, does anyone have that?\n"
     "Patient: Yeah, I think so.", "diabetes"),
    ("Doctor: Anything that runs in the family?\nPatient: My grandparents both had heart trouble. We have asthma "
     "too.", "asthma"),
    ("Doctor: Anything in the family we should know?\nPatient: Yes, I believe someone had gout.", "gout"),
])
def test_a_question_asking_on_about_the_family_asks_about_the_family(extractor: Extractor, said: str,
                                                                     code: str) -> None:
    assert (code, "family") in found(extractor, said) and (code, "present") not in found(extractor, said)


def test_a_question_of_the_patients_own_ends_the_family_talk(extractor: Extractor) -> None:
    said = ("Doctor: Any strokes in the family?\nPatient: No.\nDoctor: Do you smoke?\nPatient: No.\n"
            "Doctor: What about asthma?\nPatient: Yes.")
    assert found(extractor, said) == {("smoking", "absent"), ("asthma", "present")}


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: So is this cancer?", "cancer"),
    ("Patient: Could all of this be gallstones?", "gallstones"),
])
def test_a_patients_question_about_a_diagnosis_is_a_doubt(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "possible") in found(extractor, said) and (code, "present") not in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: Is my asthma flaring up again?", "asthma"),
    ("Patient: I have high blood pressure too, did you know?", "hypertension"),
])
def test_a_patients_question_about_their_own_problem_keeps_it(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "present") in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: I read online that it might be a stroke.\nDoctor: Looking at you, this is definitely not a stroke.",
     "stroke"),
    ("Patient: Could these headaches be a brain tumour?\nDoctor: No, I don't think this is a brain tumour.",
     "brain_tumor"),
    ("Doctor: It may be a clot in the leg, so let's scan it.\nDoctor: Good news, the scan shows no clot in the leg.",
     "deep_vein_thrombosis"),
])
def test_a_doubt_the_clinician_rules_out_is_absent(extractor: Extractor, said: str, code: str) -> None:
    assert {(c, a) for c, a in found(extractor, said) if c == code} == {(code, "absent")}


def test_a_problem_said_had_stays_beside_a_denial(extractor: Extractor) -> None:
    said = "Doctor: So you have asthma.\nPatient: Yes.\nDoctor: This cough isn't from asthma though."
    assert ("asthma", "present") in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: Psoriasis is a condition where the skin makes new cells too quickly.", "psoriasis"),
    ("Doctor: Basically, gout is a type of inflammation in the joints.", "gout"),
    ("Doctor: The blood tests look at things like anaemia and how your liver is working.", "anemia"),
])
def test_an_illness_explained_or_looked_for_is_no_finding(extractor: Extractor, said: str, code: str) -> None:
    assert code not in {c for c, _ in found(extractor, said)}


@pytest.mark.parametrize("said", ["Doctor: You have psoriasis, which is a condition where the skin makes cells fast.",
                                  "Doctor: Your psoriasis is a condition we can treat well."])
def test_an_illness_said_of_the_patient_and_explained_stays(extractor: Extractor, said: str) -> None:
    assert ("psoriasis", "present") in found(extractor, said)


@pytest.mark.parametrize(("said", "kept", "gone"), [
    ("Doctor: To me this looks more like a tension headache than a migraine.", "tension_headache", "migraine"),
    ("Doctor: I'd call it a tension headache rather than a migraine.", "tension_headache", "migraine"),
])
def test_the_problem_compared_against_is_no_finding(extractor: Extractor, said: str, kept: str, gone: str) -> None:
    codes = {c for c, _ in found(extractor, said)}
    assert kept in codes and gone not in codes


def test_the_class_an_illness_is_explained_by_is_no_finding(extractor: Extractor) -> None:
    said = "Doctor: Basically a migraine is a type of headache, a bad one."
    assert "headache" not in {c for c, _ in found(extractor, said)}


def test_a_denial_reaches_past_an_unknown_first_item_joined_by_or(extractor: Extractor) -> None:
    said = "Doctor: I do not believe there are any signs of a vascular accident or a heart attack today."
    assert ("myocardial_infarction", "absent") in found(extractor, said)


@pytest.mark.parametrize("said", ["Patient: My wife is on lisinopril for her pressure.",
                                  "Patient: My boyfriend has the flu at the moment."])
def test_a_partners_own_drug_or_illness_is_no_finding(extractor: Extractor, said: str) -> None:
    assert not found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [("Patient: My husband has noticed that I snore a lot.", "snoring"),
                                            ("Patient: My partner says my ankles look swollen.", "leg_swelling")])
def test_a_partner_telling_of_the_patients_symptom_keeps_it(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "present") in found(extractor, said)


def test_a_disease_named_test_read_negative_rules_it_out(extractor: Extractor) -> None:
    said = "Doctor: Good news, the strep came back negative from the lab."
    assert ("strep_throat", "absent") in found(extractor, said)
