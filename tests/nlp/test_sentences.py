"""Splitting long ASR segments into sentences by word timestamps."""

from __future__ import annotations

from nlp.asr.sentences import split_sentences
from nlp.types import Segment, Word


def segment(*words: tuple[str, float, float]) -> Segment:
    return Segment(id=3, start=words[0][1], end=words[-1][2], text=" ".join(w for w, _, _ in words),
                   words=[Word(w=w, start=s, end=e) for w, s, e in words])


def test_a_segment_splits_after_each_sentence_end_keeping_word_times() -> None:
    long = segment(("Any", 0.0, 0.2), ("numbness?", 0.2, 0.8), ("No,", 1.0, 1.2), ("none.", 1.2, 1.6),
                   ("Good.", 1.7, 2.0))
    parts = split_sentences(long)
    assert [p.text for p in parts] == ["Any numbness?", "No, none.", "Good."]
    assert [(p.start, p.end) for p in parts] == [(0.0, 0.8), (1.0, 1.6), (1.7, 2.0)]
    assert [len(p.words) for p in parts] == [2, 2, 1]


def test_a_split_keeps_the_spacing_of_the_segment_text() -> None:
    long = Segment(id=0, start=0.0, end=2.0, text="Potassium was 3.1. Okay.",
                   words=[Word(w=w, start=i * 0.4, end=i * 0.4 + 0.3)
                          for i, w in enumerate(["Potassium", "was", "3", ".1.", "Okay."])])
    assert [p.text for p in split_sentences(long)] == ["Potassium was 3.1.", "Okay."]


def test_a_long_pause_ends_an_utterance_without_punctuation() -> None:
    parts = split_sentences(segment(("cramps", 0.0, 0.5), ("at", 0.6, 0.7), ("night", 0.7, 1.0),
                                    ("furosemide", 2.5, 3.0)))
    assert [p.text for p in parts] == ["cramps at night", "furosemide"]


def test_one_sentence_and_wordless_segments_stay_as_they_are() -> None:
    one = segment(("Cramps", 0.0, 0.4), ("again.", 0.4, 0.9))
    assert split_sentences(one) == [one]
    bare = Segment(id=0, text="No words here. Two sentences.")
    assert split_sentences(bare) == [bare]
