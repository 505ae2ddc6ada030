"""Long recordings in windows (bounded memory, one clock for every word) and no words from non-speech.

Hour-long figures (memory, time) are in benchmarks/long_audio.py; these check the joins on short clips.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from nlp.asr.base import SAMPLE_RATE
from nlp.audio import decode, decode_windows
from service.scribe import Scribe
from service.settings import Settings
from tests.nlp.conftest import CLINICAL_SENTENCE, espeak
from tests.conftest import Models


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[0])
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((samples.T * 32767).astype(np.int16).tobytes())
    return path


def sox(*args: str) -> None:
    if shutil.which("sox") is None:
        pytest.fail("sox is needed: run `make test` (it installs it)")
    subprocess.run(["sox", "-R", *args], check=True, capture_output=True)


def test_windows_rejoin_into_the_recording_and_are_cut_in_pauses(tmp_path: Path) -> None:
    """Stereo bursts of a tone 0.7 s long, 0.3 s apart: every cut must fall in a gap."""
    t = np.arange(10 * SAMPLE_RATE) / SAMPLE_RATE
    burst = ((t % 1.0) < 0.7) * 0.5 * np.sin(2 * np.pi * 440 * t)
    path = write_wav(tmp_path / "bursts.wav", np.stack([burst, 0.5 * burst]))
    windows = list(decode_windows(path, 2.5, mono=False, search_s=1.0))
    whole = decode(path, mono=False)
    assert len(windows) >= 4
    assert np.array_equal(np.concatenate([w.samples for w in windows], axis=1), whole)
    offsets = np.cumsum([0] + [w.samples.shape[1] for w in windows[:-1]]) / SAMPLE_RATE
    assert [w.offset for w in windows] == pytest.approx(list(offsets))
    for window in windows[1:]:
        assert window.offset % 1.0 >= 0.7, f"cut at {window.offset:.2f} s is inside a burst"
    assert all(w.samples.shape[1] <= 2.5 * SAMPLE_RATE for w in windows)


@pytest.fixture(scope="module")
def scribe_factory(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, models: Models):  # type: ignore[no-untyped-def]
    def make(**settings: object) -> Scribe:
        return models.scribe(Settings(data_dir=tmp_path_factory.mktemp("var"), models_dir=model_cache, **settings))  # type: ignore[arg-type]
    return make


@pytest.mark.audio
def test_windowed_recognition_keeps_every_word_on_the_recordings_clock(tmp_path: Path, scribe_factory) -> None:
    """The clinical sentence three times, 2 s apart (about 35 s), in windows of 30 s and in one piece."""
    speech = espeak(CLINICAL_SENTENCE, tmp_path / "speech.wav")
    sox(speech, "-r", "16000", "-c", "1", "-b", "16", str(tmp_path / "one.wav"), "pad", "0", "2")
    recording = tmp_path / "three.wav"
    sox(*(str(tmp_path / "one.wav") for _ in range(3)), str(recording))
    assert len(list(decode_windows(recording, 30))) == 2
    windowed = scribe_factory(asr_window_seconds=30, diarization="off").transcribe(recording, prompt=False)

    words = [w for s in windowed.segments for w in s.words]
    assert [s.id for s in windowed.segments] == list(range(len(windowed.segments)))
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert words[-1].end <= windowed.duration  # type: ignore[operator]
    period = len(decode(tmp_path / "one.wav")) / SAMPLE_RATE
    # The first, a middle and the last word of the sentence: once in each repetition, `period` apart.
    for said in ("patient", "potassium", "week"):
        starts = [w.start for w in words if said in w.w.lower()]
        assert len(starts) == 3 and starts == pytest.approx([starts[0] + k * period for k in range(3)], abs=0.4), \
            f"{said!r} at {starts}, expected every {period:.2f} s: {windowed.text}"


@pytest.mark.audio
def test_music_noise_and_silence_between_speech_give_no_words(tmp_path: Path, scribe_factory) -> None:
    """Speech, 7.5 s of chords and tones, 5 s of pink noise, 8 s of silence, speech: words only in the speech."""
    first = tmp_path / "first.wav"
    sox(str(espeak("The patient takes furosemide forty milligrams every morning.", tmp_path / "a.wav")),
        "-r", "16000", "-c", "1", "-b", "16", str(first))
    second = tmp_path / "second.wav"
    sox(str(espeak("We will repeat the blood test next week.", tmp_path / "b.wav")),
        "-r", "16000", "-c", "1", "-b", "16", str(second))
    music, noise, silence = tmp_path / "music.wav", tmp_path / "noise.wav", tmp_path / "silence.wav"
    sox("-n", "-r", "16000", "-c", "1", "-b", "16", str(music),
        "synth", "2.5", "pluck", "C4", "pluck", "E4", "pluck", "G4", "remix", "-", ":",
        "synth", "2.5", "pluck", "F4", "pluck", "A4", "pluck", "C5", "remix", "-", ":",
        "synth", "2.5", "square", "330", "vol", "0.2")
    sox("-n", "-r", "16000", "-c", "1", "-b", "16", str(noise), "synth", "5", "pinknoise", "vol", "0.1")
    sox("-n", "-r", "16000", "-c", "1", "-b", "16", str(silence), "trim", "0", "8")
    recording = tmp_path / "sandwich.wav"
    sox(str(first), str(music), str(noise), str(silence), str(second), str(recording))
    speech_end = len(decode(first)) / SAMPLE_RATE
    middle = sum(len(decode(part)) for part in (music, noise, silence)) / SAMPLE_RATE
    words = [w for s in scribe_factory().transcribe(recording).segments for w in s.words]
    assert [w.w for w in words if speech_end + 0.5 < w.start < speech_end + middle - 0.5] == []
    assert any(w.start < speech_end for w in words) and any(w.start > speech_end + middle for w in words), words
