"""The examination and the review of systems as said in real visits, often unpunctuated: lists of negatives, what is
normal, where it is."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse
from nlp.types import Finding


def findings(extractor: Extractor, text: str) -> list[Finding]:
    return extractor.extract(parse(text)).findings


def found(extractor: Extractor, text: str) -> set[tuple[str, str]]:
    return {(f.code, f.assertion) for f in findings(extractor, text)}


def placed(extractor: Extractor, text: str, code: str) -> tuple[object, object]:
    finding = next(f for f in findings(extractor, text) if f.code == code)
    return finding.attributes.get("site"), finding.attributes.get("laterality")


@pytest.mark.parametrize(("said", "code"), [
    # a negation denies the finding it names, not a statement that follows with its own verb
    ("Doctor: on your neuro exam there is no pronator drift sensation is intact and gait is steady", "sensation_intact"),
    ("Doctor: on exam there is no carotid bruit no murmur no gallop your lungs are clear to auscultation",
     "clear_lungs"),
    # ... nor a positive finding after the negatives
    ("Doctor: on abdominal exam there is no rebound or guarding there is positive cva tenderness on the left",
     "cva_tenderness"),
    ("Doctor: on your knee exam there is no effusion, there is tenderness over the lateral joint line",
     "joint_line_tenderness"),
])
def test_a_negation_ends_where_the_examiner_states_a_new_finding(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "present") in found(extractor, said)


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: on exam there is no pronator drift sensation is intact", "pronator_drift"),
    ("Doctor: on exam there is no rebound or guarding there is positive cva tenderness", "guarding"),
    # the first finding after the negation may hold the verb
    ("Doctor: on exam of the ankle no swelling is present", "soft_tissue_swelling"),
])
def test_what_the_negation_names_stays_denied(extractor: Extractor, said: str, code: str) -> None:
    assert code in {c for c, assertion in found(extractor, said) if assertion == "absent"}


def test_there_is_said_again_is_no_question(extractor: Extractor) -> None:
    said = ("Doctor: on your chest exam i hear some crackles and what that means is there is some fluid there "
            "and on your skin exam you do have some erythema over the left shin")
    assert ("erythema", "present") in found(extractor, said)


@pytest.mark.parametrize(("said", "code", "where"), [
    ("Doctor: on exam your lower extremities show no edema.", "edema", ("leg", "bilateral")),
    ("Doctor: on exam there is trace edema of the right lower extremity.", "edema", ("leg", "right")),
    ("Doctor: on exam there is reduced strength in the left upper extremity.", "strength_reduced", ("arm", "left")),
])
def test_the_extremities_are_the_limbs(extractor: Extractor, said: str, code: str, where: tuple[str, str]) -> None:
    assert placed(extractor, said, code) == where


def test_the_limbs_side_is_not_given_to_a_finding_placed_elsewhere(extractor: Extractor) -> None:
    said = ("Doctor: on exam i hear crackles on the left side and your lower extremities have some edema and the "
            "right knee has an effusion")
    assert placed(extractor, said, "crackles") == (None, "left")
    assert placed(extractor, said, "effusion") == ("knee", "right")


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: on your knee exam there is some swelling and your heart has a regular rate and rhythm",
     "regular_rate_and_rhythm"),
    ("Doctor: looking at your right shoulder there is tenderness and i hear a soft systolic murmur", "murmur"),
    ("Doctor: on exam your lungs are clear and the left ankle is swollen", "clear_lungs"),
])
def test_the_heart_and_lungs_take_no_place_said_beside_them(extractor: Extractor, said: str, code: str) -> None:
    site, side = placed(extractor, said, code)
    assert site is None
    if code != "clear_lungs":
        assert side is None


def test_a_study_of_the_heart_takes_no_limb_said_beside_it(extractor: Extractor) -> None:
    said = ("Doctor: on exam your lower extremities show trace edema and looking at your echocardiogram it shows a "
            "normal ejection fraction")
    assert placed(extractor, said, "echocardiogram") == (None, None)
    assert placed(extractor, said, "edema") == ("leg", "bilateral")


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: on exam, straight leg raise is negative on both sides.", "positive_straight_leg_raise"),
    ("Doctor: on your neck exam, spurling's test is negative.", "positive_spurling_test"),
    ("Doctor: on your knee exam, negative mcmurray's test and negative anterior drawer.", "positive_mcmurray_test"),
    ("Doctor: on your knee exam, negative mcmurray's test and negative anterior drawer.", "positive_drawer_test"),
    ("Doctor: on exam of the wrist, tinel's sign is negative.", "positive_tinel_sign"),
])
def test_a_special_test_said_negative_is_its_positive_finding_absent(extractor: Extractor, said: str,
                                                                      code: str) -> None:
    assert (code, "absent") in found(extractor, said)


def test_a_special_test_said_positive_is_present(extractor: Extractor) -> None:
    assert ("positive_spurling_test", "present") in found(extractor, "Doctor: on exam she has a positive spurling's test.")


def test_a_finding_said_with_no_place_is_of_the_part_being_examined(extractor: Extractor) -> None:
    said = ("Doctor: let me have a look. on your left ankle exam there is some bruising.\nPatient: okay.\n"
            "Doctor: it is also warm to the touch. and there is a small effusion.")
    assert placed(extractor, said, "warmth") == ("ankle", "left")
    assert placed(extractor, said, "effusion") == ("ankle", "left")


@pytest.mark.parametrize("said", [
    # the heart or lungs examined in between end the part
    "Doctor: on exam your left ankle is bruised. your heart has a regular rate and rhythm. there is no edema.",
    # so does a place of the middle of the body
    "Doctor: on exam your left ankle is bruised. your neck is supple. there is no edema.",
])
def test_the_part_examined_ends_where_the_examiner_moves_on(extractor: Extractor, said: str) -> None:
    assert placed(extractor, said, "edema") == (None, None)


def test_the_pupils_are_not_of_the_limb_examined_before(extractor: Extractor) -> None:
    said = "Doctor: on exam your left knee has some swelling. pupils are equal and reactive to light."
    assert placed(extractor, said, "pupils_equal_reactive") == (None, None)


@pytest.mark.parametrize(("said", "code", "assertion"), [
    ("Doctor: on exam her thyroid is not enlarged.", "thyromegaly", "absent"),
    ("Doctor: on exam the thyroid does not feel enlarged.", "thyromegaly", "absent"),
    ("Doctor: on exam he is alert and oriented to person, place, and time.", "alert_and_oriented", "present"),
    ("Doctor: on exam the cranial nerve examination is grossly intact.", "cranial_nerves_intact", "present"),
    ("Doctor: on exam there are no motor deficits.", "strength_reduced", "absent"),
])
def test_more_of_the_dictated_exam_is_read(extractor: Extractor, said: str, code: str, assertion: str) -> None:
    assert (code, assertion) in found(extractor, said)


def test_a_place_listed_in_the_orientation_is_no_finding_alone(extractor: Extractor) -> None:
    assert not [f for f in findings(extractor, "Patient: it was a nice place to live.") if f.kind == "exam"]


@pytest.mark.parametrize(("said", "denied", "had"), [
    ("Patient: there's no numbness, just some weakness.", "numbness", "weakness"),
    ("Patient: no fever, just a cough that keeps me up.", "fever", "cough"),
])
def test_what_the_patient_has_instead_after_a_denial_is_present(extractor: Extractor, said: str, denied: str,
                                                                had: str) -> None:
    assert {(denied, "absent"), (had, "present")} <= found(extractor, said)


def test_a_doubt_reads_past_just(extractor: Extractor) -> None:
    assert ("muscle_strain", "possible") in found(extractor, "Patient: maybe it's just a pulled muscle.")


def test_a_finding_absent_at_another_place_than_where_it_is_present_is_kept_apart(extractor: Extractor) -> None:
    said = ("Doctor: on exam of your right wrist there is tenderness.\nPatient: okay.\n"
            "Doctor: and there is no tenderness of the left elbow.")
    tenderness = sorted((f.assertion, f.attributes.get("site"), f.attributes.get("laterality"))
                        for f in findings(extractor, said) if f.code == "tenderness")
    assert tenderness == [("absent", "elbow", "left"), ("present", "wrist", "right")]


def test_an_absence_said_of_no_place_stays_with_the_finding(extractor: Extractor) -> None:
    said = "Doctor: on exam of your right wrist there is tenderness.\nPatient: okay.\nDoctor: no tenderness elsewhere."
    assert [f.assertion for f in findings(extractor, said) if f.code == "tenderness"] == ["present"]


@pytest.mark.parametrize(("said", "code", "where"), [
    # fluid in a joint said plainly is an effusion of that joint
    ("Doctor: on exam i appreciate a small amount of fluid in the left knee.", "effusion", ("knee", "left")),
    # warmth as the examiner feels it, in the words a patient would use
    ("Doctor: on exam of your right ankle it does feel a little bit warm.", "warmth", ("ankle", "right")),
    ("Doctor: on exam of your left elbow it feels slightly warm.", "warmth", ("elbow", "left")),
])
def test_exam_findings_said_in_plain_words(extractor: Extractor, said: str, code: str,
                                           where: tuple[object, object]) -> None:
    assert (code, "present") in found(extractor, said)
    assert placed(extractor, said, code) == where


@pytest.mark.parametrize(("said", "code"), [
    ("Doctor: on exam your belly is nice and soft.", "abdomen_soft"),
    ("Doctor: on your eye exam your extraocular motions are intact.", "extraocular_movements_intact"),
])
def test_normal_findings_said_in_plain_words(extractor: Extractor, said: str, code: str) -> None:
    assert (code, "present") in found(extractor, said)


def test_warmth_the_patient_feels_stays_a_symptom(extractor: Extractor) -> None:
    said = "Patient: my left wrist does feel a little bit warm."
    assert {(f.kind, f.code) for f in findings(extractor, said)} == {("symptom", "warmth")}


@pytest.mark.parametrize(("said", "code", "where"), [
    ("Doctor: on exam there is swelling of both knees.", "swelling", ("knee", "bilateral")),
    ("Doctor: on exam there is tenderness over both wrists.", "tenderness", ("wrist", "bilateral")),
])
def test_both_of_a_paired_part_is_bilateral(extractor: Extractor, said: str, code: str,
                                            where: tuple[object, object]) -> None:
    assert placed(extractor, said, code) == where


@pytest.mark.parametrize(("said", "code", "assertion"), [
    ("Doctor: Let me look at you. Your reflexes are all normal.", "reflexes_normal", "present"),
    ("Doctor: On exam your knee reflexes are the same on both sides.", "reflexes_normal", "present"),
    ("Doctor: On exam the sensation seems intact in both feet.", "sensation_intact", "present"),
    ("Doctor: Bend your elbow for me. Good, the range of motion looks good.", "full_range_of_motion", "present"),
    ("Doctor: Push against my hand. On exam your muscle strength is normal.", "strength_normal", "present"),
    ("Doctor: Listening to your heart, it has a normal rhythm.", "regular_rate_and_rhythm", "present"),
    ("Doctor: Let me feel your neck. Your lymph nodes look fine.", "lymphadenopathy", "absent"),
    ("Doctor: Let me feel your neck. I don't feel any swollen lymph nodes.", "lymphadenopathy", "absent"),
    ("Doctor: On exam your thyroid feels normal.", "thyromegaly", "absent"),
    ("Doctor: On exam I don't see any mass on the arm.", "mass", "absent"),
    ("Doctor: On exam the skin looks a bit dry over your shins.", "dry_skin", "present"),
    ("Doctor: On exam the area around the cut looks a little red.", "erythema", "present"),
])
def test_the_examiner_says_a_finding_in_plain_words(extractor: Extractor, said: str, code: str,
                                                    assertion: str) -> None:
    assert (code, assertion) in found(extractor, said)


@pytest.mark.parametrize(("said", "code", "kind"), [
    # what the examiner feels for or looks into said aloud opens the examination
    ("Doctor: I do not feel any lumps here.", "mass", "exam"),
    ("Doctor: So, looking into your throat, there's some redness.", "erythema", "exam"),
    # the patient's own words stay symptoms
    ("Patient: My elbow looks a little red.", "redness", "symptom"),
    ("Doctor: Have you noticed any lumps?\nPatient: No.", "lump", "symptom"),
])
def test_who_says_it_decides_exam_or_symptom(extractor: Extractor, said: str, code: str, kind: str) -> None:
    assert (kind, code) in {(f.kind, f.code) for f in findings(extractor, said)}


def test_what_the_examiner_says_might_be_is_no_exam_finding(extractor: Extractor) -> None:
    said = ("Doctor: Let me listen to your chest. It's clear.\n"
            "Doctor: If you had a chest infection, you would have a wheeze.")
    assert not [f for f in findings(extractor, said) if f.kind == "exam" and f.code == "wheezing"]


@pytest.mark.parametrize(("said", "code", "where"), [
    ("Doctor: Let me take a look at your left wrist. There is some swelling. It is warm to the touch.", "warmth",
     ("wrist", "left")),
    ("Doctor: On your right ankle exam, I notice some bruising.", "ecchymosis", ("ankle", "right")),
])
def test_the_part_the_examiner_says_they_examine_is_where_the_findings_are(extractor: Extractor, said: str, code: str,
                                                                          where: tuple[str, str]) -> None:
    assert placed(extractor, said, code) == where


def test_a_part_of_the_middle_of_the_body_gives_no_side(extractor: Extractor) -> None:
    said = "Doctor: Let me take a look at your right knee. Fine. Now let me examine your abdomen. It is tender."
    assert placed(extractor, said, "tenderness") == (None, None)


@pytest.mark.parametrize(("said", "code", "assertion"), [
    ("Doctor: Let me examine the ankle. It looks like there is some bruising on the outside.", "ecchymosis", "present"),
    ("Doctor: On exam, looks like your grip strength is good on both sides.", "strength_normal", "present"),
    ("Doctor: As you walked in, I think I noticed a slight limp.", "antalgic_gait", "present"),
    # a modal after it keeps the doubt
    ("Doctor: On exam it looks like it might be a little swollen.", "swelling", "possible"),
])
def test_how_a_part_looks_to_the_examiner_is_observed(extractor: Extractor, said: str, code: str,
                                                      assertion: str) -> None:
    assert (code, assertion) in found(extractor, said)


@pytest.mark.parametrize(("said", "codes"), [
    # one normal word said of two exam items gives each its finding
    ("Doctor: on your hand exam motor and sensation is intact", {"strength_normal", "sensation_intact"}),
    ("Doctor: strength and sensation are normal in your feet", {"strength_normal", "sensation_intact"}),
    ("Doctor: on your foot exam pulses and sensation intact", {"pulses_intact", "sensation_intact"}),
])
def test_one_normal_word_said_of_two_exam_items(extractor: Extractor, said: str, codes: set[str]) -> None:
    assert {(code, "present") for code in codes} <= found(extractor, said)


def test_two_items_said_with_an_and_need_each_to_be_a_phrase(extractor: Extractor) -> None:
    assert ("swelling", "present") not in found(extractor, "Doctor: on exam no swelling and sensation is intact")
