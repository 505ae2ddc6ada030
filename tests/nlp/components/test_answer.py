"""soapscribe_answer (nlp/components/answer.py): whether an utterance opens as an answer, and how."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.pipeline import answer, echoes


@pytest.mark.parametrize(("text", "assertion", "cue", "bare"), [
    ("Yes.", "present", "Yes", True),
    ("No, none at all.", "absent", "No", True),
    ("Not sure.", "possible", "Not sure", True),
    ("Well, yes, sometimes.", "present", "yes", True),  # a filler before the cue is skipped
    ("A little tingling.", "present", "A little", False),  # opens a phrase of its own
])
def test_an_answer_cue_opening_the_utterance(nlp: Language, text: str, assertion: str, cue: str, bare: bool) -> None:
    found = answer(nlp(text))
    assert found is not None
    assert (found.assertion, found.text, found.bare) == (assertion, cue, bare)
    assert text[found.start:found.end] == cue


@pytest.mark.parametrize(("text", "assertion", "cue"), [
    ("Hmmm no i don't think so", "absent", "no i don't"),  # a hesitation however long it is held
    ("Mmm, no, not really.", "absent", "no"),
    ("Ummm, yeah.", "present", "yeah"),
])
def test_a_drawn_out_hesitation_before_the_answer_is_skipped(nlp: Language, text: str, assertion: str,
                                                             cue: str) -> None:
    found = answer(nlp(text))
    assert found is not None and (found.assertion, found.text) == (assertion, cue)


def test_an_utterance_that_opens_otherwise_is_no_answer(nlp: Language) -> None:
    assert answer(nlp("The cramps wake me up at night.")) is None
    assert answer(nlp("Pardon? Oh, no, I don't use those.")) is None  # a sentence is no false start


@pytest.mark.parametrize(("text", "assertion", "cue"), [
    ("I, I don't think so, but I do wear glasses.", "absent", "I don't think so"),  # a false start before the answer
    ("Not, I don't think so.", "absent", "I don't think so"),
    ("Not that it, no.", "absent", "no"),  # a false start of a few words
    ("I I guess so.", "present", "I guess so"),  # a word said twice
    ("Not at the, not at the moment, no.", "absent", "not at the moment"),
    ("I didn't.", "absent", "I didn't"),  # not the "I did" it opens with
    ("Honestly, I did not.", "absent", "I did not"),
    ("I did, yes.", "present", "I did"),
])
def test_the_answer_said_after_a_false_start_and_in_full(nlp: Language, text: str, assertion: str, cue: str) -> None:
    found = answer(nlp(text))
    assert found is not None and (found.assertion, found.text) == (assertion, cue)


@pytest.mark.parametrize(("text", "assertion", "cue"), [
    ("Not specifically, just tired.", "absent", "Not specifically"),  # a no put gently
    ("Not currently, no.", "absent", "Not currently"),
    ("Not that I'm aware.", "absent", "Not that I'm aware"),
    ("Not as far as I know.", "absent", "Not as far as I know"),
    ("Just a little.", "present", "Just a little"),  # a yes put gently
    ("Every now and then.", "present", "Every now and then"),  # said to come and go
    ("On and off, yes.", "present", "On and off"),
    ("Uh, I really doubt it.", "absent", "I really doubt it"),
    ("Not any more.", "historical", "Not any more"),
])
def test_an_answer_put_gently_is_read(nlp: Language, text: str, assertion: str, cue: str) -> None:
    found = answer(nlp(text))
    assert found is not None and (found.assertion, found.text) == (assertion, cue)


@pytest.mark.parametrize(("text", "expected"), [
    ("Any rash? No, OK. And any itching?", [(1, "absent", "No")]),  # the asker repeats the answer heard
    ("Any rash? No. Right. And any itching?", [(1, "absent", "No")]),
    ("Any rash? Yeah, alright.", [(1, "present", "Yeah")]),
    ("No.", [(0, "absent", "No")]),
    ("Any rash? No, it is a different thing.", []),  # the cue opens a sentence of its own
    ("Any rash? OK. Any itching?", []),  # an acknowledgement alone answers nothing
])
def test_a_sentence_that_is_an_answer_alone_is_an_echo(nlp: Language, text: str,
                                                       expected: list[tuple[int, str, str]]) -> None:
    assert [(e.sentence, e.assertion, e.text) for e in echoes(nlp(text))] == expected
