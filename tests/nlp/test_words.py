"""When a span of a segment's text was said: one mapping from characters to word times (nlp/words.py)."""

from __future__ import annotations

from nlp.types import Segment, Word
from nlp.words import span_times

# "Cramp, cramp again. Cramp!": the same word three times, each with punctuation attached.
REPEATED = Segment(id=0, start=10.0, end=14.0, text="Cramp, cramp again. Cramp!", words=[
    Word(w=" Cramp,", start=10.0, end=10.5), Word(w=" cramp", start=11.0, end=11.5),
    Word(w=" again.", start=11.5, end=12.0), Word(w=" Cramp!", start=13.0, end=13.5)])


def test_each_repeat_of_a_word_takes_the_time_of_its_own_saying() -> None:
    text = REPEATED.text
    first, second, third = (text.lower().find("cramp", at) for at in (0, 1, 8))
    assert span_times(REPEATED, first, first + 5) == (10.0, 10.5)
    assert span_times(REPEATED, second, second + 5) == (11.0, 11.5)
    assert span_times(REPEATED, third, third + 5) == (13.0, 13.5)


def test_a_span_runs_from_the_first_word_it_touches_to_the_last() -> None:
    start = REPEATED.text.index("cramp again")
    assert span_times(REPEATED, start, start + len("cramp again")) == (11.0, 12.0)


def test_punctuation_between_words_is_said_by_no_word() -> None:
    stop = REPEATED.text.index(". ")
    assert span_times(REPEATED, stop + 1, stop + 2) is None  # the space after "again."


def test_words_are_found_whatever_their_case() -> None:
    edited = REPEATED.model_copy(update={"text": "CRAMP, cramp again. cramp!"})
    assert span_times(edited, 0, 5) == (10.0, 10.5)
    assert span_times(edited, 20, 25) == (13.0, 13.5)


def test_a_word_edited_out_of_the_text_leaves_the_others_timed() -> None:
    edited = REPEATED.model_copy(update={"text": "Cramp, cramp once more. Cramp!"})
    more = edited.text.index("once more")
    assert span_times(edited, more, more + len("once more")) is None
    assert span_times(edited, edited.text.rindex("Cramp"), len(edited.text)) == (13.0, 13.5)


def test_a_segment_without_words_has_no_word_times() -> None:
    assert span_times(Segment(id=1, start=0.0, end=1.0, text="Any cramps?"), 0, 3) is None
