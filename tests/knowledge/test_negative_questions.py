"""A question put as a denial ("No fever?") and the patient's agreement with it ("Yeah.") deny the thing; an answer
that goes on to say it ("Yes, I do", "Yeah, a bit") says it."""

from __future__ import annotations

import pytest

from knowledge.extract import Extractor
from nlp.transcript_io import parse
from tests.conftest import loaded_extractor


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return loaded_extractor()


def assertion_of(extractor: Extractor, text: str, code: str) -> str | None:
    found = [f.assertion for f in extractor.extract(parse(text)).findings if f.code == code]
    return found[0] if found else None


@pytest.mark.parametrize(("question", "reply", "code", "assertion"), [
    ("And no fevers?", "Yep.", "fever", "absent"),
    ("So you're not getting any headaches?", "Yeah, that's right.", "headache", "absent"),
    ("You don't smoke at all?", "Correct.", "smoking", "absent"),
    ("You don't smoke at all?", "Right.", "smoking", "absent"),
    ("And no chest pain at all, right?", "Uh, yeah.", "chest_pain", "absent"),
    ("And no fevers?", "Yes, I do.", "fever", "present"),
    ("And no fevers?", "Yeah, a little bit.", "fever", "present"),
    ("And no headaches?", "Yes. I get them at night.", "headache", "present"),
    # a negative question put with its verb first asks as the plain one does
    ("Don't you smoke at all?", "Yes.", "smoking", "present"),
    # a tag question after what the patient has is confirmed by the yes
    ("You've had this cough for about a week, right?", "Yeah.", "cough", "present"),
])
def test_agreeing_with_a_question_put_as_a_denial_denies(extractor: Extractor, question: str, reply: str,
                                                         code: str, assertion: str) -> None:
    assert assertion_of(extractor, f"Doctor: {question}\nPatient: {reply}", code) == assertion


def test_the_patients_rhetorical_question_is_settled_by_what_they_say_next(extractor: Extractor) -> None:
    text = "Doctor: And cigarettes?\nPatient: Would I look this healthy if I smoked? I have never smoked."
    assert assertion_of(extractor, text, "smoking") == "absent"
