"""soapscribe_course (nlp/components/course.py): a symptom's duration and onset, in the words said."""

from __future__ import annotations

from spacy.language import Language

from nlp.pipeline import mentions


def course(nlp: Language, said: str, code: str) -> dict[str, object]:
    return next(m.attributes for m in mentions(nlp(said)) if m.code == code)


def test_a_duration_cue_gives_the_symptom_its_duration_as_digits(nlp: Language) -> None:
    assert course(nlp, "I've had cramps in my left calf for two months.", "leg_cramp")["duration"] == "2 months"


def test_a_hedge_after_the_cue_is_left_out_of_the_duration(nlp: Language) -> None:
    assert course(nlp, "Numbness for about 6 weeks.", "numbness")["duration"] == "6 weeks"


def test_ago_gives_the_onset(nlp: Language) -> None:
    assert course(nlp, "The cramps started three weeks ago.", "leg_cramp")["onset"] == "3 weeks ago"


def test_a_symptom_without_a_course_said_has_none(nlp: Language) -> None:
    attributes = course(nlp, "I get cramps.", "leg_cramp")
    assert "duration" not in attributes and "onset" not in attributes


def test_an_onset_ends_where_the_next_symptom_is_joined_on(nlp: Language) -> None:
    said = "Cramps since Tuesday and numbness for about 6 weeks."
    assert course(nlp, said, "leg_cramp")["onset"] == "since Tuesday"
    assert course(nlp, said, "numbness")["duration"] == "6 weeks"
