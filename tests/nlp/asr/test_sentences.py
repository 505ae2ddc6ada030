"""Joining and splitting ASR segments into whole sentences by word timestamps."""

from __future__ import annotations

import pytest

from nlp.asr.sentences import sentences, split_sentences
from nlp.types import Segment, Word
from nlp.words import word_spans


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


def piece(index: int, speaker: str, *words: tuple[str, float, float]) -> Segment:
    return segment(*words).model_copy(update={"id": index, "speaker": speaker})


def test_pieces_of_one_speakers_sentence_are_joined_with_exact_word_times() -> None:
    cut = [piece(0, "clinician", ("We", 0.0, 0.2), ("will", 0.2, 0.4), ("consider", 0.4, 0.9)),
           piece(1, "clinician", ("Switching", 1.2, 1.7), ("the", 1.7, 1.8), ("omeprazole.", 1.8, 2.6))]
    [whole] = sentences(cut)
    assert whole.text == "We will consider Switching the omeprazole."
    assert (whole.start, whole.end) == (0.0, 2.6)
    assert whole.words == cut[0].words + cut[1].words
    assert [whole.text[a:b] for a, b in word_spans(whole)] == [w.w for w in whole.words]


@pytest.mark.parametrize("second_speaker, first_last_word, second_start, joined", [
    ("clinician", "consider", 1.2, True),
    ("patient", "consider", 1.2, False),     # another speaker answers
    ("clinician", "consider.", 1.2, False),  # a sentence end separates them
    ("clinician", "consider", 2.0, False),   # a pause that ends an utterance
    ("clinician", "consider...", 1.2, True),  # a trailing off ("was..." | "133.")
    ("clinician", "consider\u2026", 1.2, True),
    ("clinician", "Mr.", 1.2, True),  # "Good afternoon, Mr." | "Jones."
])
def test_pieces_are_joined_only_within_one_speakers_sentence(
        second_speaker: str, first_last_word: str, second_start: float, joined: bool) -> None:
    cut = [piece(0, "clinician", ("We", 0.0, 0.2), ("will", 0.2, 0.4), (first_last_word, 0.4, 0.9)),
           piece(1, second_speaker, ("Switching", second_start, second_start + 0.5), ("it.", second_start + 0.5,
                                                                                      second_start + 0.8))]
    assert len(sentences(cut)) == (1 if joined else 2)


def test_sentences_are_numbered_from_zero_after_joining_and_splitting() -> None:
    cut = [piece(4, "patient", ("No,", 0.0, 0.2), ("none.", 0.2, 0.5), ("Only", 0.7, 0.9)),
           piece(9, "patient", ("at", 1.0, 1.1), ("night.", 1.1, 1.5))]
    assert [(s.id, s.text) for s in sentences(cut)] == [(0, "No, none."), (1, "Only at night.")]


def test_a_full_stop_before_a_word_whisper_wrote_in_lower_case_ends_no_sentence() -> None:
    cut = [piece(0, "patient", ("Yes,", 28.04, 28.5), ("my", 28.74, 29.02), ("father", 29.02, 29.22),
                 ("had", 29.22, 29.42), ("a", 29.42, 29.58), ("blood", 29.58, 29.86), ("clot.", 29.86, 29.98)),
           piece(1, "patient", ("in", 29.98, 30.28), ("his", 30.28, 30.58), ("leg.", 30.58, 31.18))]
    assert [s.text for s in sentences(cut)] == ["Yes, my father had a blood clot. in his leg."]
    one = segment(("It", 0.0, 0.2), ("hurts.", 0.2, 0.6), ("in", 0.7, 0.8), ("the", 0.8, 0.9), ("calf.", 0.9, 1.3),
                  ("Since", 1.5, 1.8), ("May.", 1.8, 2.2))
    assert [s.text for s in split_sentences(one)] == ["It hurts. in the calf.", "Since May."]


def test_a_full_stop_before_a_digit_ends_no_sentence() -> None:
    # Whisper heard "one forty" as "gone." and "1 for the,", with a full stop between (timed here, so that the
    # window's rule does not apply).
    cut = [piece(0, "clinician", ("Your", 29.12, 29.34), ("sodium", 29.34, 29.72), ("was", 29.72, 29.98),
                 ("gone.", 29.7, 29.98)),
           piece(1, "clinician", ("1", 30.1, 30.34), ("for", 30.34, 30.7), ("the,", 30.7, 31.1),
                 ("your", 31.2, 31.4), ("potassium", 31.4, 31.9), ("was", 31.9, 32.1), ("4.2.", 32.1, 32.8))]
    assert [s.text for s in sentences(cut)] == ["Your sodium was gone. 1 for the, your potassium was 4.2."]
    assert [s.text for s in sentences([piece(0, "clinician", ("Potassium", 0.0, 0.5), ("4.2.", 0.5, 1.0)),
                                       piece(1, "clinician", ("Sodium", 1.1, 1.5), ("140.", 1.5, 2.0))])] == [
        "Potassium 4.2.", "Sodium 140."]


def test_a_full_stop_at_the_end_of_whispers_window_ends_no_sentence() -> None:
    # The window closed "your thighs." with no duration; the next one went on at the same instant.
    cut = [piece(0, "clinician", ("we", 27.44, 27.6), ("will", 27.6, 27.8), ("check", 27.8, 28.2),
                 ("your", 28.2, 29.7), ("thighs.", 29.98, 29.98)),
           piece(1, "clinician", ("I", 29.98, 30.14), ("ride", 30.14, 30.4), ("today,", 30.4, 30.96),
                 ("please", 31.0, 31.3), ("drink", 31.3, 31.6), ("water.", 31.6, 32.0))]
    assert [s.text for s in sentences(cut)] == ["we will check your thighs. I ride today, please drink water."]
    # A word with its own duration, or a pause after it, ends its sentence as written.
    timed = [cut[0].model_copy(update={"words": [*cut[0].words[:-1], Word(w="thighs.", start=29.5, end=29.98)]}),
             cut[1]]
    assert len(sentences(timed)) == 2
    paused = [cut[0], cut[1].model_copy(update={"words": [w.model_copy(update={"start": w.start + 0.3,
                                                                                  "end": w.end + 0.3})
                                                            for w in cut[1].words]})]
    assert len(sentences(paused)) == 2
