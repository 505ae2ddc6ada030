"""Speech skipped by vocabulary-biased recognition is found and recognised again (nlp/asr/coverage.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nlp.asr.base import SAMPLE_RATE, AsrBackend, DecodeOptions
from nlp.asr.coverage import (_in_time_order, doubtful, lost, refill, skipped, speech_spans, stacked, unheard,
                              vocabulary_words)
from nlp.audio import decode
from nlp.types import Segment, Word
from nlp.words import word_spans
from service.settings import Settings
from tests.conftest import Models, script


def segment(index: int, *words: tuple[str, float, float]) -> Segment:
    return Segment(id=index, start=words[0][1], end=words[-1][2], text=" ".join(w for w, _, _ in words),
                   words=[Word(w=w, start=start, end=end) for w, start, end in words])


def rounded(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(round(start, 3), round(end, 3)) for start, end in spans]


def test_speech_no_word_covers_for_two_seconds_or_more_is_skipped() -> None:
    segments = [segment(0, ("Hello", 0.2, 0.6), ("there", 0.7, 1.1)), segment(1, ("Cramps", 9.0, 9.5))]
    # Speech 0-11.5 s: words cover 0-1.6 s and 8.5-10 s (0.5 s either side), so 1.6-8.5 and 10-11.5 are bare.
    assert rounded(skipped([(0.0, 11.5)], segments)) == [(1.6, 8.5)]
    assert rounded(skipped([(0.0, 12.5)], segments)) == [(1.6, 8.5), (10.0, 12.5)]


def test_pauses_and_speech_outside_the_words_under_two_seconds_are_not_skipped() -> None:
    segments = [segment(0, ("One", 1.0, 1.4)), segment(1, ("two", 3.5, 3.9))]
    assert skipped([(0.5, 4.5)], segments) == []  # bare 1.9-3.0 (1.1 s) and 4.4-4.5
    assert skipped([(0.5, 4.5), (20.0, 21.5)], segments) == []  # a 1.5 s stretch with no word
    assert skipped([(20.0, 22.0)], segments) == [(20.0, 22.0)]


def test_a_word_stretched_over_the_speech_covers_only_as_long_as_a_word_is_said() -> None:
    # The last segment: "I'd like to" stamped 42.4-49.7 s while the plan was said there.
    stretched = [segment(0, ("I'd", 42.4, 42.6), ("like", 42.6, 42.9), ("to", 42.9, 49.7))]
    assert rounded(skipped([(40.0, 50.0)], stretched)) == [(44.9, 50.0)]
    assert (42.9, 49.7) in lost([], stretched)


def test_words_stacked_on_one_instant_cover_nothing_and_mark_a_loss() -> None:
    words = [("we", 28.0, 28.3), ("look", 28.3, 28.6), ("at", 29.98, 29.98), ("the", 29.98, 29.98),
             ("same", 29.98, 29.98)]
    assert stacked(segment(0, *words).words) == [2, 3, 4]
    assert lost([], [segment(0, *words)]) == [(29.98, 29.98)]
    # One short word alone ("a" at 29.2-29.2) is an ordinary alignment.
    assert stacked(segment(0, ("is", 28.9, 29.2), ("a", 29.2, 29.2), ("little", 29.2, 29.6)).words) == []


def test_half_a_second_of_finely_detected_speech_between_words_is_unheard() -> None:
    segments = [segment(0, ("a", 0.0, 0.5), ("blood", 0.5, 0.9), ("clot.", 0.9, 1.3)),
                segment(1, ("I", 2.6, 2.7), ("am", 2.7, 2.9))]
    # "in his leg", said 1.4-2.1 s, has no word: the words cover 0-1.55 s and 2.35-3.15 s.
    assert rounded(unheard([(0.0, 1.3), (1.4, 2.1), (2.6, 2.9)], segments)) == [(1.55, 2.1)]
    assert unheard([(0.0, 1.3), (1.6, 1.8), (2.6, 2.9)], segments) == []  # a breath


def test_words_whisper_doubted_under_a_vocabulary_are_those_it_recited_forced_or_merged() -> None:
    vocabulary = vocabulary_words(DecodeOptions(hotwords="cramps, magnesium, omeprazole"))
    heard = [Word(w="try", start=0.0, end=0.3, p=0.98),
             Word(w="magnesium", start=0.3, end=0.9, p=0.19),  # forced: "a magnesium" was said
             Word(w="omeprazole,", start=0.9, end=1.5, p=0.01),  # recited over other words
             Word(w="millidrammatite.", start=1.5, end=2.8, p=0.36),  # "milligrams at night" merged
             Word(w="cramps", start=2.8, end=3.2, p=0.9),  # a vocabulary word Whisper was sure of
             Word(w="afterwards.", start=3.2, end=4.4, p=0.95)]  # long, but heard with confidence
    assert doubtful(heard, vocabulary) == [1, 2, 3]
    assert doubtful(heard, frozenset()) == [2, 3]


@pytest.fixture(scope="module")
def minute_of_consultations(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """The first minute of two scripted consultations spoken one after the other (160 words a minute), over a
    -60 dBFS noise floor: the audio on which tiny.en with hotwords jumped 19 s ahead (benchmarks.pipeline's
    1-minute cut)."""
    from scripts.render_consultation import render

    out = tmp_path_factory.mktemp("coverage")
    pieces = []
    for name in ("asthma_inhaler_cramps", "bumetanide_spironolactone"):
        render(script(name), out / f"{name}.wav")
        pieces.append(decode(out / f"{name}.wav"))
    audio = np.concatenate(pieces)[: 60 * SAMPLE_RATE]
    noise = np.random.default_rng(7).standard_normal(audio.shape[0]).astype(np.float32) * 10 ** (-60 / 20)
    return audio + noise


@pytest.fixture(scope="module")
def tiny(model_cache: Path, models: Models) -> AsrBackend:
    return models.backends.get("faster-whisper", "tiny.en", model_cache)


@pytest.fixture(scope="module")
def hotwords(model_cache: Path, tmp_path_factory: pytest.TempPathFactory, models: Models) -> DecodeOptions:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), models_dir=model_cache)
    return models.scribe(settings).decode_options(prompt=False, hotwords=True)


def words(segments: list[Segment]) -> list[str]:
    return [word.w.strip(".,?!").lower() for segment in segments for word in segment.words]


def test_speech_hotwords_made_whisper_skip_is_recognised_again(
        minute_of_consultations: np.ndarray, tiny: AsrBackend, hotwords: DecodeOptions) -> None:
    audio = minute_of_consultations
    speech = speech_spans(audio)
    biased = list(tiny.transcribe(audio, hotwords))
    plain = list(tiny.transcribe(audio, replace(hotwords, hotwords=None)))
    # The failure this guards against happens on this audio: seconds of speech with no word.
    assert max(end - start for start, end in skipped(speech, biased)) > 10
    assert skipped(speech, plain) == []

    repaired = refill(tiny, audio, biased, hotwords)

    assert skipped(speech, repaired) == []
    assert len(words(repaired)) >= 0.9 * len(words(plain)) > len(words(biased))
    assert "asthma" in words(repaired) and "asthma" not in words(biased)
    starts = [s.start for s in repaired]
    assert starts == sorted(starts)
    # The opening question, said once, is in the transcript once (the jump had stamped it after the gap).
    assert " ".join(words(repaired)).count("what seems to be the problem") == 1


def test_unbiased_recognition_that_lost_nothing_is_returned_as_it_is(
        minute_of_consultations: np.ndarray, tiny: AsrBackend, hotwords: DecodeOptions) -> None:
    plain_options = replace(hotwords, hotwords=None)
    plain = list(tiny.transcribe(minute_of_consultations, plain_options))
    assert refill(tiny, minute_of_consultations, plain, plain_options) == plain


def text(segments: list[Segment]) -> str:
    return " ".join(segment.text for segment in segments).lower()


def test_words_the_vocabulary_dropped_inside_covered_speech_are_recognised_again(
        tmp_path: Path, tiny: AsrBackend, hotwords: DecodeOptions) -> None:
    """runner_dehydration at 160 words a minute: with hotwords Whisper hears "and your magnesium was normal. I
    think" as "and your metronome. I think", "I" stamped over the 1.1 s that "was normal" took. No speech is
    bare of words there, so only the words' own doubt shows it."""
    from scripts.render_consultation import render

    render(script("runner_dehydration"), tmp_path / "runner.wav")
    audio = decode(tmp_path / "runner.wav")
    biased = list(tiny.transcribe(audio, hotwords))
    plain = list(tiny.transcribe(audio, replace(hotwords, hotwords=None)))
    assert "was normal" not in text(biased) and "was normal" in text(plain)
    assert skipped(speech_spans(audio), biased) == []

    repaired = refill(tiny, audio, biased, hotwords)

    assert "magnesium was normal" in text(repaired)
    # The words both recognitions agree on stay once, with the vocabulary's spelling where only it heard right.
    assert text(repaired).count("sodium") == text(repaired).count("potassium") == 1
    assert text(repaired).count("i think") == text(biased).count("i think")
    assert len(words(repaired)) >= len(words(plain)) - 1
    assert all(word_spans(segment) is not None for segment in repaired)  # its text still holds its words


def test_a_plain_word_put_before_a_biased_one_keeps_the_words_in_time_order() -> None:
    owned = [(0, (" ", Word(w="try", start=36.0, end=36.3))), (0, (" ", Word(w="a", start=36.338, end=36.578))),
             (0, (" ", Word(w="magnesium,", start=36.32, end=36.96, p=0.005)))]
    words = [word for _, (_, word) in _in_time_order(owned)]
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert (words[2].start, words[2].end) == (36.578, 36.96)  # from where the plain "a" ended
