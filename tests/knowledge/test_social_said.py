"""Social history and the next visit as conversations say them (docs/findings.md, "How a conversation is read"):
the patient's work, exercise and home, and the clinician's ways of booking the next visit and its interval."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse


def said_of(extractor: Extractor, said: str, kind: str) -> dict[str, tuple[str, float | None, str | None]]:
    found = extractor.extract(parse(said)).findings
    return {f.code: (f.assertion, f.value, f.unit) for f in found if f.kind == kind}


@pytest.mark.parametrize(("said", "value", "unit"), [
    ("Doctor: We'll put it in a cast and check you in two weeks to see how the bones are lining up.", 2, "wk"),
    ("Doctor: We can talk about the tablets next time I see you next week.", 1, "wk"),
    ("Doctor: I'd like to see you in three months with your blood results.", 3, "mo"),
    ("Doctor: We'll see you in about four, five days time, with the nurse.", 4, "d"),
    ("Doctor: Come back in two, three weeks if it hasn't gone.", 2, "wk"),
    ("Doctor: He's doing much better, but I'd like to see him in the office next week.", 1, "wk"),
])
def test_the_next_visit_and_its_interval(extractor: Extractor, said: str, value: float | None,
                                         unit: str | None) -> None:
    """A range said with a comma ("four, five days") takes its first number, as "four to six weeks" does."""
    assert said_of(extractor, said, "follow_up").get("follow_up") == ("present", value, unit)


@pytest.mark.parametrize("said", [
    "Doctor: It's nice to see you again. What brings you in today?",
    "Doctor: Let me check your blood pressure in both arms.",
    "Doctor: Hi there, good to see you in here. So tell me what happened to your wrist.",
    "Doctor: A few more questions and then we'll come back and talk about them. Any headaches?\nPatient: No.",
    "Doctor: Let's come back to that in a minute. Any fevers?\nPatient: No.",
])
def test_a_greeting_or_a_check_is_no_next_visit(extractor: Extractor, said: str) -> None:
    assert "follow_up" not in said_of(extractor, said, "follow_up")


@pytest.mark.parametrize(("said", "code", "assertion"), [
    ("Patient: I play basketball with my brother on Sundays.", "exercise", "present"),
    ("Patient: I've been golfing a lot since the spring.", "exercise", "present"),
    ("Patient: My knee aches when I run, so I stopped.", "exercise", "present"),
    ("Patient: To be honest I haven't been walking lately, it's been too cold.", "exercise", "absent"),
    ("Patient: It mostly happens at work, in the afternoon.", "occupation", "present"),
    ("Patient: I'm a plumber, so I'm on my knees a lot.", "occupation", "present"),
    ("Doctor: Do you enjoy your work?\nPatient: Yes, mostly.", "occupation", "present"),
    ("Doctor: And how are things at home?\nPatient: Fine, my husband is very supportive.", "living_situation",
     "present"),
    ("Doctor: Is there anyone at home with you?\nPatient: Yes, my daughter.", "living_situation", "present"),
])
def test_work_exercise_and_home_said_plainly(extractor: Extractor, said: str, code: str, assertion: str) -> None:
    """A sport played, a run or a walk had or not, the workplace, a trade, and home life asked about."""
    assert said_of(extractor, said, "social").get(code, (None,))[0] == assertion


@pytest.mark.parametrize(("said", "code"), [
    ("Patient: I was running a fever all weekend.", "exercise"),
    ("Patient: When I run out of my inhaler it gets worse.", "exercise"),
    ("Patient: No, my wife's at work today, my son brought me.", "occupation"),
    ("Doctor: Has there been any new stress at work or at home?\nPatient: Not really.", "occupation"),
    ("Patient: I'm working on losing weight before the summer.", "occupation"),
    ("Patient: I'm working out every morning before breakfast.", "occupation"),
])
def test_words_of_work_and_exercise_that_say_something_else(extractor: Extractor, said: str, code: str) -> None:
    """A fever run, a supply run out, someone else at work, stress asked about anywhere: none of the patient's work or
    exercise."""
    assert code not in said_of(extractor, said, "social")


@pytest.mark.parametrize(("said", "code", "assertion"), [
    ("Doctor: Any drugs or alcohol?\nPatient: No, never.", "drug_use", "absent"),
    ("Doctor: Have you ever used an illegal drug?\nPatient: No.", "drug_use", "absent"),
    ("Doctor: Any history of drug or alcohol abuse?\nPatient: No.", "drug_use", "absent"),
    ("Doctor: What about harder drugs?\nPatient: Never.", "drug_use", "absent"),
    ("Doctor: Where do you live at the moment?\nPatient: In a flat near the park.", "living_situation", "present"),
    ("Patient: I'm staying with my sister until I find a place.", "living_situation", "present"),
    ("Doctor: Where do you work?\nPatient: At the post office.", "occupation", "present"),
    ("Patient: I'm on sick leave since the operation.", "occupation", "present"),
    ("Doctor: Do you work?\nPatient: Yes, in a warehouse, mostly lifting.", "occupation", "present"),
    ("Patient: I was working on the computer all afternoon when it started.", "occupation", "present"),
    ("Doctor: Do you work out at all?\nPatient: Yes, three times a week.", "exercise", "present"),
    ("Patient: I'm working out every morning before breakfast.", "exercise", "present"),
])
def test_the_social_history_asked_in_its_usual_words(extractor: Extractor, said: str, code: str,
                                                     assertion: str) -> None:
    assert said_of(extractor, said, "social").get(code, (None,))[0] == assertion


@pytest.mark.parametrize("said", [
    "Doctor: Are you taking any drugs for the pain?\nPatient: Just paracetamol.",
    "Patient: The new inhaler is not working.",
    "Doctor: Any drug allergies?\nPatient: No, nothing, just dust, no drugs.",
])
def test_a_medicine_asked_about_or_not_working_is_no_social_history(extractor: Extractor, said: str) -> None:
    assert not said_of(extractor, said, "social")


@pytest.mark.parametrize(("said", "code", "assertion"), [
    ("Doctor: Do you live alone?\nPatient: No, with my wife and our dog.", "living_situation", "present"),
    ("Doctor: Are you working at the moment?\nPatient: No, I'm retired now.", "occupation", "present"),
    ("Doctor: Are you watching your diet?\nPatient: Not really, no.", "diet", "present"),
    ("Doctor: Do you get any exercise?\nPatient: No, not really.", "exercise", "absent"),
    ("Doctor: Any recreational drugs?\nPatient: No.", "drug_use", "absent"),
])
def test_a_status_denied_is_still_the_patients_status(extractor: Extractor, said: str, code: str,
                                                      assertion: str) -> None:
    """Occupation, home and diet are statuses: "no" to one tells it; exercise and drug use are denied."""
    assert said_of(extractor, said, "social").get(code, (None,))[0] == assertion
