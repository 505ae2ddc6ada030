"""soapscribe_context (nlp/components/context.py): each mention's assertion, history and question, from its cues."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import Mention, mentions


def said(nlp: Language, text: str, code: str) -> Mention:
    return next(mention for mention in mentions(nlp(text)) if mention.code == code)


@pytest.mark.parametrize(("text", "code", "assertion"), [
    ("I have cramps in my calf.", "leg_cramp", "present"),
    ("No numbness.", "numbness", "absent"),
    ("Maybe it is a statin.", "statin", "possible"),
    ("If the cramps get worse we could try magnesium.", "magnesium", "hypothetical"),
    ("My mother has diabetes.", "diabetes", "family"),
])
def test_the_cues_said_give_the_assertion(nlp: Language, text: str, code: str, assertion: str) -> None:
    assert said(nlp, text, code).assertion == assertion


def test_a_terminator_that_begins_before_a_target_ends_the_scope_there(nlp: Language) -> None:
    """", I" ends the negation even where the target's own words begin with "I" ("I do drink")."""
    assert said(nlp, "I don't smoke, I do drink, like on the weekends.", "alcohol_use").assertion == "present"
    assert said(nlp, "I don't smoke, I do drink, like on the weekends.", "smoking").assertion == "absent"


def test_a_past_cue_makes_the_mention_historical(nlp: Language) -> None:
    assert said(nlp, "I used to take simvastatin.", "simvastatin").historical
    assert not said(nlp, "I take simvastatin.", "simvastatin").historical


def test_a_question_asserts_nothing_yet_and_is_marked(nlp: Language) -> None:
    asked = said(nlp, "Do you have any tingling?", "tingling")
    assert asked.in_question and asked.assertion == "present"  # the answer decides (knowledge.dialogue)


@pytest.mark.parametrize(("text", "asked"), [
    ("So you'd have eczema also, yeah?", True),  # "yeah?" asks the patient to confirm
    ("Take the ibuprofen with food, okay?", False),  # "okay?" closes an instruction
])
def test_a_statement_tagged_yeah_asks_where_okay_only_closes(nlp: Language, text: str, asked: bool) -> None:
    code = "eczema" if "eczema" in text else "ibuprofen"
    assert said(nlp, text, code).in_question is asked


@pytest.mark.parametrize(("text", "asked"), [
    ("no burning when you urinate okay and and any problems with constipation", True),
    ("your knee is better now okay and any headaches", True),
    ("i had constipation and any food makes it worse", False),  # one word of lead-in is no new question
])
def test_a_question_opens_mid_sentence_after_lead_ins(nlp: Language, text: str, asked: bool) -> None:
    code = "constipation" if "constipation" in text else "headache"
    assert said(nlp, text, code).in_question is asked


@pytest.mark.parametrize(("text", "code", "assertion"), [
    # a hedge with an intensifier inside it
    ("It does sound quite like a migraine to me.", "migraine", "possible"),
    ("I'm not a hundred percent sure if I've had a fever.", "fever", "possible"),
    # a diagnosis put forward, not made
    ("Our working diagnosis is a mini-stroke.", "transient_ischemic_attack", "possible"),
    ("You had a scare with a possible lung cancer a few years back.", "lung_cancer", "possible"),
    # a wish says what is not
    ("My appetite's fine, I wish I had some weight loss.", "weight_loss", "absent"),
    # a British recommendation, and a plan with its condition said after it
    ("What I would, suggest is, trying some anti-inflammatories.", "nsaid", "hypothetical"),
    ("We'll send you for physiotherapy if we need to.", "referral_physical_therapy", "hypothetical"),
    ("Not settling, then I'd, uh, advise a pregnancy test.", "pregnancy_test", "hypothetical"),
])
def test_hedges_wishes_and_conditions_of_spoken_british_english(nlp: Language, text: str, code: str,
                                                                 assertion: str) -> None:
    assert said(nlp, text, code).assertion == assertion


def test_an_order_to_see_whether_a_change_is_needed_is_under_no_condition(nlp: Language) -> None:
    """"to see if we need to" asks whether; it is no condition on the test."""
    assert "conditional" not in said(nlp, "I'll order an A1c to see if we need to adjust your metformin.",
                                     "hba1c").attributes
    assert said(nlp, "We'll get an MRI if we need to.", "mri").attributes["conditional"]


@pytest.mark.parametrize(("text", "code", "assertion"), [
    ("Okay, Dad, Dad have we got any antihistamines in the house?", "antihistamine", "present"),
    ("Mum, could you call an ambulance, it's anaphylaxis.", "anaphylaxis", "present"),
    ("Mum, she has migraines.", "migraine", "family"),  # spoken of, not to
    ("Mum had diabetes.", "diabetes", "family"),
])
def test_a_relative_addressed_is_no_family_history(nlp: Language, text: str, code: str, assertion: str) -> None:
    assert said(nlp, text, code).assertion == assertion


@pytest.mark.parametrize(("text", "code", "assertion"), [
    ("We are worried about an anaphylactic reaction, so go straight in.", "anaphylaxis", "possible"),
    ("What you describe makes me concerned about, um, mini-strokes.", "transient_ischemic_attack", "possible"),
    ("I'm worried about this cough.", "cough", "present"),  # a worry doubts a problem, not a symptom said
    ("I'm a bit worried about my diabetes.", "diabetes", "present"),  # nor the patient's own
])
def test_a_worry_doubts_a_problem(nlp: Language, text: str, code: str, assertion: str) -> None:
    assert said(nlp, text, code).assertion == assertion


def test_what_the_tests_will_tell_is_no_finding(nlp: Language) -> None:
    assert said(nlp, "They will do tests, to see whether you have got a stroke.", "stroke").attributes["risk"]


def test_the_condition_of_a_consequence_in_the_conditional_mood_is_hypothetical(nlp: Language) -> None:
    said_so = "Or you feel unwell with a high temperature, then we would need to see you."
    assert said(nlp, said_so, "fever").assertion == "hypothetical"


def test_a_name_announced_is_no_word_of_a_cues_reach(nlp: Language) -> None:
    said_so = "You might be heading into what we call a full, a full anaphylactic reaction."
    assert said(nlp, said_so, "anaphylaxis").assertion == "possible"


def test_what_brings_a_symptom_on_is_marked_and_asserts_what_it_did(nlp: Language) -> None:
    """The mark says the answer to a question is not about it (knowledge.dialogue.place); said, it asserts as before."""
    told = said(nlp, "When you're coughing at night, try a spoonful of honey.", "cough")
    asked = said(nlp, "Is the pain worse when you cough?", "cough")
    assert (told.assertion, told.attributes.get("circumstance")) == ("present", True)
    assert asked.in_question and asked.attributes.get("circumstance")
