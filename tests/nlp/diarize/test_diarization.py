"""Diarization without audio models: turns, channel split, roles from what is said, and the error metric."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.asr.base import SAMPLE_RATE
from nlp.diarize.channels import channel_labels, split_by_channel
from nlp.diarize.metrics import Turn, diarization_error, role_accuracy
from nlp.diarize.roles import assign_roles, decide_roles, merge_roles, voice_cues
from nlp.diarize.turns import speaker_turns
from nlp.diarize.voices import Chunk, sentences_finished_across_chunks, speech_chunks, turns_begun_at_chunk_ends
from nlp.types import Segment, Transcript, Word
from tests.conftest import Models


def words(*spans: tuple[str, float, float]) -> list[Word]:
    return [Word(w=w, start=start, end=end) for w, start, end in spans]


def test_a_segment_is_cut_where_the_voice_changes() -> None:
    segment = Segment(id=0, text="Any numbness? No, none.", start=0.0, end=2.0,
                      words=words(("Any", 0.0, 0.3), ("numbness?", 0.3, 0.9), ("No,", 1.2, 1.4), ("none.", 1.4, 2.0)))
    turns = speaker_turns([segment], ["S1", "S1", "S2", "S2"])
    assert [(t.voice, t.text, t.start, t.end) for t in turns] == [("S1", "Any numbness?", 0.0, 0.9),
                                                                 ("S2", "No, none.", 1.2, 2.0)]
    assert [t.id for t in turns] == [0, 1]


def test_words_are_chunked_at_pauses_and_at_two_seconds() -> None:
    spoken = words(*[(f"w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(8)], ("after", 5.0, 5.3))
    chunks = speech_chunks(spoken)
    assert [(c.first, c.last) for c in chunks] == [(0, 4), (4, 8), (8, 9)]


def test_a_turn_begun_at_the_end_of_a_chunk_takes_the_voice_that_speaks_on() -> None:
    # Whisper's times in a rendered consultation: "in?" stretched over the pause, the patient's "I" 0.22 s after,
    # in one chunk with the question.
    spoken = words(("what", 0.66, 0.9), ("brings", 0.9, 1.2), ("you", 1.2, 1.44), ("in?", 1.44, 2.3),
                   ("I", 2.52, 2.52), ("am", 2.52, 2.82), ("training", 2.82, 3.18), ("hard.", 3.2, 3.5))
    chunks = speech_chunks(spoken)
    assert [(c.first, c.last) for c in chunks] == [(0, 5), (5, 8)]
    assert turns_begun_at_chunk_ends(spoken, chunks, ["S1"] * 5 + ["S2"] * 3) == ["S1"] * 4 + ["S2"] * 4
    # A trailing off is no sentence end; one voice going on, or a pause before the next chunk, changes nothing.
    trailing = words(*[(w if w != "in?" else "in...", a, b) for w, a, b in
                       [(w.w, w.start, w.end) for w in spoken]])
    assert turns_begun_at_chunk_ends(trailing, chunks, ["S1"] * 5 + ["S2"] * 3) == ["S1"] * 5 + ["S2"] * 3
    assert turns_begun_at_chunk_ends(spoken, chunks, ["S1"] * 8) == ["S1"] * 8
    paused = words(*[(w.w, w.start + (0.5 if i >= 5 else 0), w.end + (0.5 if i >= 5 else 0))
                     for i, w in enumerate(spoken)])
    assert turns_begun_at_chunk_ends(paused, chunks, ["S1"] * 5 + ["S2"] * 3) == ["S1"] * 5 + ["S2"] * 3


def test_the_end_of_a_sentence_heard_in_the_next_chunk_keeps_the_voice_that_began_it() -> None:
    # Whisper's times in a rendered consultation: the question's last word opens the patient's chunk.
    spoken = words(("what", 2.18, 2.32), ("is", 2.32, 2.6), ("bothering", 2.6, 2.94), ("you?", 3.0, 3.2),
                   ("I", 3.3, 3.4), ("keep", 3.4, 3.7), ("getting", 3.7, 4.0), ("cramps.", 4.0, 4.6))
    chunks = [Chunk(0, 3, 2.18, 2.94), Chunk(3, 8, 3.0, 4.6)]
    assert sentences_finished_across_chunks(spoken, chunks, ["S1"] * 3 + ["S2"] * 5) == ["S1"] * 4 + ["S2"] * 4
    # A capital (a new sentence), a sentence end before the cut, a long silence, or more than a few words before
    # the next sentence end: the voices stay as heard.
    capital = [*spoken[:3], spoken[3].model_copy(update={"w": "You?"}), *spoken[4:]]
    assert sentences_finished_across_chunks(capital, chunks, ["S1"] * 3 + ["S2"] * 5) == ["S1"] * 3 + ["S2"] * 5
    ended = [*spoken[:2], spoken[2].model_copy(update={"w": "bothering."}), *spoken[3:]]
    assert sentences_finished_across_chunks(ended, chunks, ["S1"] * 3 + ["S2"] * 5) == ["S1"] * 3 + ["S2"] * 5
    late = [*spoken[:3], *(w.model_copy(update={"start": w.start + 1.2, "end": w.end + 1.2}) for w in spoken[3:])]
    assert sentences_finished_across_chunks(late, chunks, ["S1"] * 3 + ["S2"] * 5) == ["S1"] * 3 + ["S2"] * 5
    digit = [*spoken[:3], spoken[3].model_copy(update={"w": "2."}), *spoken[4:]]  # an answer, its question unmarked
    assert sentences_finished_across_chunks(digit, chunks, ["S1"] * 3 + ["S2"] * 5) == ["S1"] * 3 + ["S2"] * 5
    run_on = [*spoken[:3], spoken[3].model_copy(update={"w": "you"}), *spoken[4:]]
    assert sentences_finished_across_chunks(run_on, chunks, ["S1"] * 3 + ["S2"] * 5) == ["S1"] * 3 + ["S2"] * 5
    # A title's name is capitalised and goes on with it (Piper: "Mr." 1.72-1.86, "Jones." 2.44-2.44).
    greeting = words(("Good", 0.0, 0.24), ("afternoon,", 0.24, 0.9), ("Mr.", 1.72, 1.86), ("Jones.", 2.44, 2.44),
                     ("Hello,", 3.0, 3.3), ("doctor.", 3.3, 3.8))
    chunks = [Chunk(0, 3, 0.0, 1.86), Chunk(3, 6, 2.44, 3.8)]
    assert sentences_finished_across_chunks(greeting, chunks, ["S1"] * 3 + ["S2"] * 3) == ["S1"] * 4 + ["S2"] * 2


@pytest.mark.parametrize(("said", "moved"), [
    ("Your calcium was | 2.1, which is fine.", True),  # a copula after a noun: the value goes on with it
    ("The dose is | 20 milligrams twice daily.", True),
    ("Take the | 40 at night.", True),  # an article
    ("Yes it is | 3 times a week.", False),  # "it is" may end a sentence
    ("I know what your dose is | 20 milligrams.", False),  # in a wh-clause
    ("How many a day | 2 or 3 most days.", False),  # not unfinished: an answer may be a number
    ("Your calcium was | 2.1, which is fine but a little lower than last time.", False),  # too long to move
])
def test_a_sentence_cut_on_a_word_no_sentence_ends_on_goes_on_in_its_voice(said: str, moved: bool) -> None:
    # espeak-ng, heard as three voices: "Your sodium is" S1 | "129, which is low." S2.
    before, after = (part.split() for part in said.split(" | "))
    spoken = words(*[(w, 0.3 * i, 0.3 * i + 0.25) for i, w in enumerate([*before, *after])])
    chunks = [Chunk(0, len(before), 0.0, spoken[len(before) - 1].end),
              Chunk(len(before), len(spoken), spoken[len(before)].start, spoken[-1].end)]
    labels = ["S1"] * len(before) + ["S2"] * len(after)
    expected = ["S1"] * len(spoken) if moved else labels
    assert sentences_finished_across_chunks(spoken, chunks, labels) == expected
    # the value alone a chunk, a breath before the rest of the sentence: the same
    value = Chunk(len(before), len(before) + 1, spoken[len(before)].start, spoken[len(before)].end)
    rest = Chunk(len(before) + 1, len(spoken), spoken[len(before) + 1].start, spoken[-1].end)
    assert sentences_finished_across_chunks(spoken, [chunks[0], value, rest], labels) == expected


def stereo(left: list[tuple[float, float]], right: list[tuple[float, float]], seconds: float = 4.0) -> np.ndarray:
    """Noise bursts at the given times on each channel, with the other channel's bursts 26 dB down."""
    rng = np.random.default_rng(0)
    audio = np.zeros((2, int(seconds * SAMPLE_RATE)), dtype=np.float32)
    for channel, spans in ((0, left), (1, right)):
        for start, end in spans:
            burst = rng.normal(0, 0.2, int((end - start) * SAMPLE_RATE)).astype(np.float32)
            at = int(start * SAMPLE_RATE)
            audio[channel, at:at + len(burst)] += burst
            audio[1 - channel, at:at + len(burst)] += 0.05 * burst
    return audio


def test_each_word_goes_to_the_louder_channel() -> None:
    audio = stereo(left=[(0.0, 1.0)], right=[(2.0, 3.0)])
    spoken = words(("Hello?", 0.1, 0.9), ("Hi.", 2.1, 2.9))
    assert split_by_channel(audio, spoken)
    assert channel_labels(audio, spoken) == ["ch1", "ch2"]


def test_the_same_signal_on_both_channels_is_not_split_by_channel() -> None:
    audio = stereo(left=[(0.0, 1.0), (2.0, 3.0)], right=[])
    audio[1] = audio[0]
    assert not split_by_channel(audio, words(("Hello?", 0.1, 0.9), ("Hi.", 2.1, 2.9)))
    assert not split_by_channel(audio[:1], words(("Hello?", 0.1, 0.9)))


def turn(voice: str, text: str) -> Segment:
    return Segment(id=0, voice=voice, text=text)


CONSULTATION = [
    turn("S1", "Good morning. What brings you in today?"),
    turn("S2", "I keep getting cramps in my calf at night."),
    turn("S1", "Are you taking any medicines?"),
    turn("S2", "I take furosemide once a day."),
    turn("S1", "I will check your potassium, and we could try magnesium."),
]


@pytest.mark.parametrize(("segments", "expected"), [
    (CONSULTATION, {"S1": "clinician", "S2": "patient"}),
    # The patient speaking first and naming a drug does not make them the clinician.
    ([turn("A", "Doctor, my legs cramp every night since I started simvastatin."),
      turn("B", "How often does it happen? Do you have any numbness in your feet?"),
      turn("A", "Most nights. No numbness."),
      turn("B", "Please keep a diary, and I will check your potassium.")], {"A": "patient", "B": "clinician"}),
    # A relative who talks about the patient is neither; the patient answers the clinician's questions.
    ([turn("S1", "What brings you in?"), turn("S2", "My legs cramp at night."),
      turn("S3", "She cries out with the pain, I can hear her."), turn("S1", "How long has this been going on?"),
      turn("S2", "About two months."), turn("S3", "Mum takes a water tablet.")],
     {"S1": "clinician", "S2": "patient", "S3": "other"}),
])
def test_roles_follow_who_asks_instructs_and_answers(segments: list[Segment], expected: dict[str, str]) -> None:
    vocabulary = ["furosemide", "potassium", "magnesium", "simvastatin", "cramps", "numbness"]
    assert decide_roles(segments, voice_cues(segments, vocabulary)) == expected


def test_a_caller_can_name_the_roles() -> None:
    transcript = Transcript(segments=[s.model_copy(update={"speaker": "clinician" if s.voice == "S1" else "patient"})
                                      for s in CONSULTATION])
    corrected = assign_roles(transcript, {"S1": "patient", "S2": "clinician"})
    assert [s.speaker for s in corrected.segments] == ["patient", "clinician", "patient", "clinician", "patient"]
    assert [(e.voice, e.role, e.source) for e in corrected.speakers] == [("S1", "patient", "caller"),
                                                                          ("S2", "clinician", "caller")]


def test_naming_one_voice_the_clinician_makes_the_former_clinician_the_patient() -> None:
    transcript = Transcript(segments=[s.model_copy(update={"speaker": "clinician" if s.voice == "S1" else "patient"})
                                      for s in CONSULTATION])
    corrected = assign_roles(transcript, {"S2": "clinician"})
    assert [(e.voice, e.role, e.source) for e in corrected.speakers] == [("S1", "patient", "inferred"),
                                                                          ("S2", "clinician", "caller")]
    again = assign_roles(corrected, {"S1": "other"})
    assert [(e.voice, e.role, e.source) for e in again.speakers] == [("S1", "other", "caller"),
                                                                      ("S2", "clinician", "caller")]


def test_merge_roles_keeps_unnamed_voices_unless_their_role_was_given_away() -> None:
    inferred = {"S1": "clinician", "S2": "patient", "S3": "other"}
    assert merge_roles(inferred, {}) == inferred
    assert merge_roles(inferred, {"S3": "patient"}) == {"S1": "clinician", "S2": "other", "S3": "patient"}
    assert merge_roles(inferred, {"S3": "clinician"}) == {"S1": "other", "S2": "patient", "S3": "clinician"}


@pytest.mark.parametrize(("speakers", "message"), [
    ({"S9": "other"}, "no voice S9 in this transcript; its voices are S1, S2"),
])
def test_roles_for_a_voice_the_transcript_lacks_are_refused(speakers: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assign_roles(Transcript(segments=CONSULTATION), speakers)
    with pytest.raises(ValueError, match="no diarized voices"):
        assign_roles(Transcript(segments=[Segment(id=0, text="Any cramps?")]), {"S1": "clinician"})


REFERENCE = [Turn("Doctor", 0.0, 3.0), Turn("Patient", 3.5, 6.0), Turn("Doctor", 6.5, 9.0)]


@pytest.mark.parametrize(("hypothesis", "der"), [
    ([Turn("S1", 0.0, 3.0), Turn("S2", 3.5, 6.0), Turn("S1", 6.5, 9.0)], 0.0),
    # Labels are matched to speakers by overlap, whatever they are called.
    ([Turn("S2", 0.0, 3.0), Turn("S1", 3.5, 6.0), Turn("S2", 6.5, 9.0)], 0.0),
    ([], 1.0),
    # The last turn given to the wrong voice: its scored time (2.5 s less two half collars) is confusion.
    ([Turn("S1", 0.0, 3.0), Turn("S2", 3.5, 6.0), Turn("S2", 6.5, 9.0)], 2.0 / 6.5),
])
def test_diarization_error_rate(hypothesis: list[Turn], der: float) -> None:
    assert diarization_error(REFERENCE, hypothesis).rate == pytest.approx(der, abs=0.01)


def test_role_accuracy_counts_words_by_the_turn_they_fall_in() -> None:
    reference = [Turn("clinician", 0.0, 3.0), Turn("patient", 3.5, 6.0)]
    said = [(0.5, 1.0, "clinician"), (3.6, 4.0, "patient"), (4.5, 5.0, "clinician"), (3.1, 3.2, "clinician")]
    assert role_accuracy(reference, said) == 0.75


def test_digital_silence_gets_a_voice_instead_of_failing_the_job(models: Models) -> None:
    # A recording with exact-zero stretches crashed the encoder (log of zero in its volume normalisation).
    encoder = models.voice_encoder()
    for silence in (np.zeros(SAMPLE_RATE, dtype=np.float32), np.zeros(1, dtype=np.float32)):
        embedding = encoder.embed(silence)
        assert embedding.shape == (256,) and np.isfinite(embedding).all()
