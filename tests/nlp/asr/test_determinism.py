"""The same audio is heard alike every time (issue 17): faster-whisper's temperature fallback samples, and the
samples must not depend on what the loaded model recognised before. Real espeak-ng audio, real tiny.en."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from nlp.asr.base import AsrBackend, DecodeOptions, for_one_recording
from nlp.asr.windows import transcribe_windows
from nlp.audio import AudioWindow, decode
from nlp.types import Segment
from tests.conftest import Models

# Sounds rather than words: tiny.en finds no text it believes, so each 30 s chunk falls back to sampling at
# temperatures 0.2 to 1.0 (the compression ratio and log probability thresholds are not met).
MUMBLED = "Doctor: Zzz brrr tsk tsk, ah ah ah, mmm.\nPatient: Ngh, pfft, hrrm, shh shh."
SAID = "Doctor: Have the cramps in your calves woken you this week?\nPatient: Twice, both nights after a long walk."
OPTIONS = DecodeOptions(hotwords="quinine magnesium baclofen")


def spoken(script: str, path: Path) -> np.ndarray:
    from scripts.render_consultation import render

    render(script, path, speed=160)
    audio = decode(path)
    return audio if audio.ndim == 1 else audio.mean(axis=0)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    out = tmp_path_factory.mktemp("determinism")
    return {"mumbled": spoken(MUMBLED, out / "mumbled.wav"), "said": spoken(SAID, out / "said.wav")}


@pytest.fixture(scope="module")
def tiny(model_cache: Path, models: Models) -> AsrBackend:
    return models.backends.get("faster-whisper", "tiny.en", model_cache)


def words(segments: list[Segment]) -> list[str]:
    return [word.w for segment in segments for word in segment.words]


def test_the_clip_makes_whisper_sample(tiny: AsrBackend, clips: dict[str, np.ndarray],
                                       caplog: pytest.LogCaptureFixture) -> None:
    """Without sampling the tests below would pass whatever the seeding."""
    with caplog.at_level(logging.DEBUG, logger="faster_whisper"):
        list(tiny.transcribe(clips["mumbled"], OPTIONS))
    assert any("threshold is not met with temperature 0.2" in record.getMessage() for record in caplog.records)


def test_a_clip_is_heard_alike_with_other_audio_recognised_between(tiny: AsrBackend,
                                                                   clips: dict[str, np.ndarray]) -> None:
    first = words(list(tiny.transcribe(clips["mumbled"], OPTIONS)))
    list(tiny.transcribe(clips["said"], OPTIONS))
    list(tiny.transcribe(clips["mumbled"], OPTIONS))
    assert words(list(tiny.transcribe(clips["mumbled"], OPTIONS))) == first


def test_a_recording_is_heard_alike_in_every_job(tiny: AsrBackend, clips: dict[str, np.ndarray]) -> None:
    """A job recognises its windows with one view of the loaded model (`for_one_recording`, as Scribe does)."""
    recording = [AudioWindow(offset=0.0, samples=np.concatenate([clips["mumbled"], clips["said"]])[np.newaxis, :])]

    def job() -> list[str]:
        return words(list(transcribe_windows(for_one_recording(tiny), recording, OPTIONS)))

    first = job()
    list(tiny.transcribe(clips["mumbled"], OPTIONS))
    assert job() == first


def test_openai_whisper_hears_a_clip_alike_with_other_audio_recognised_between(model_cache: Path, models: Models,
                                                                               clips: dict[str, np.ndarray]) -> None:
    pytest.importorskip("whisper", reason="the openai-whisper backend is not installed (make install-dev)")
    engine = models.backends.get("openai-whisper", "tiny.en", model_cache)
    options = DecodeOptions()
    first = words(list(engine.transcribe(clips["mumbled"], options)))
    list(engine.transcribe(clips["said"], options))
    assert words(list(engine.transcribe(clips["mumbled"], options))) == first
