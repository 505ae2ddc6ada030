"""Suggestions never contradict what the clinician decided: a rule the clinician's own words settle stays silent."""

from __future__ import annotations

from knowledge.drafting import draft_note
from knowledge.extract import Extractor
from knowledge.note import Note
from nlp.transcript_io import parse


def note_of(extractor: Extractor, *lines: str) -> Note:
    transcript = parse("\n".join(lines))
    return draft_note(transcript, extractor.extract(transcript))


def rule_texts(note: Note) -> str:
    return " ".join(suggestion.text for suggestion in note.suggestions)


SWOLLEN_CALF = ("Doctor: What brings you in?",
                "Patient: A cramp in my right calf for three days, and the calf is swollen and warm.")
NIGHT_CRAMPS = ("Doctor: What brings you in?",
                "Patient: I get cramps in my calves at night.")
LOW_K_ON_FUROSEMIDE = ("Doctor: What brings you in?",
                       "Patient: I get cramps in my calves at night. I take furosemide forty milligrams a day.",
                       "Doctor: Your potassium came back at three point one.")


def test_an_ultrasound_the_clinician_arranged_settles_the_dvt_red_flag(extractor: Extractor) -> None:
    assert "deep vein thrombosis" in rule_texts(note_of(extractor, *SWOLLEN_CALF))
    note = note_of(extractor, *SWOLLEN_CALF, "Doctor: I will send you for an ultrasound of the leg today.")
    assert not [s for s in note.suggestions if s.kind == "red_flag"]
    assert "ultrasound" in " ".join(sentence.text for sentence in note.section("plan").sentences)


def test_a_clinician_question_settles_nothing(extractor: Extractor) -> None:
    note = note_of(extractor, *SWOLLEN_CALF, "Doctor: Have you ever had an ultrasound of that leg?",
                   "Patient: No.")
    assert [s.kind for s in note.suggestions].count("red_flag") == 1


def test_what_the_patient_says_settles_nothing(extractor: Extractor) -> None:
    note = note_of(extractor, *NIGHT_CRAMPS, "Patient: I had a full blood count done at work.")
    assert "complete blood count" in rule_texts(note)


def test_blood_tests_the_clinician_orders_settle_the_electrolyte_work_up(extractor: Extractor) -> None:
    assert "electrolyte panel" in rule_texts(note_of(extractor, *NIGHT_CRAMPS))
    note = note_of(extractor, *NIGHT_CRAMPS, "Doctor: I'll arrange some blood tests, including a full blood count.")
    assert "electrolyte panel" not in rule_texts(note)
    assert "complete blood count" not in rule_texts(note)
    assert "Stretching" in rule_texts(note), "advice the clinician did not speak to is still offered"


def test_declining_a_test_settles_it_too(extractor: Extractor) -> None:
    note = note_of(extractor, *NIGHT_CRAMPS, "Doctor: We don't need blood tests for this.")
    assert "electrolyte panel" not in rule_texts(note)


def test_a_plan_about_the_diuretic_settles_its_review_but_the_cause_stays(extractor: Extractor) -> None:
    undecided = rule_texts(note_of(extractor, *LOW_K_ON_FUROSEMIDE))
    assert "Consider reviewing furosemide" in undecided
    assert "Consider finding out why potassium is low" in undecided
    note = note_of(extractor, *LOW_K_ON_FUROSEMIDE,
                   "Doctor: I will keep the furosemide as it is and recheck your potassium next week.")
    decided = rule_texts(note)
    assert "Consider reviewing furosemide" not in decided
    assert "Consider finding out why potassium is low" not in decided
    assert "with low potassium may be contributing to the cramps" in decided, "a cause explains, it does not decide"


def test_pain_relief_is_suggested_for_pain_unless_the_clinician_spoke_to_it(extractor: Extractor) -> None:
    painful = ("Doctor: What brings you in?", "Patient: Cramps in my calf at night, and my calf hurts for a day after.")
    assert "pain reliever" in rule_texts(note_of(extractor, *painful))
    assert "pain reliever" not in rule_texts(note_of(extractor, *NIGHT_CRAMPS)), "no pain was said"
    settled = note_of(extractor, *painful, "Doctor: You can take paracetamol when it aches.")
    assert "pain reliever" not in rule_texts(settled)
