"""Test consultations spoken by Piper (scripts/render_consultation.py --engine piper): a natural voice, offline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from nlp.asr.base import SAMPLE_RATE, DecodeOptions
from nlp.audio import decode
from scripts.render_consultation import RenderedTurn, piper_voice, render
from tests.conftest import Models

SCRIPT = ("Doctor: Are you still taking the furosemide for your ankles?\n"
          "Patient: Yes, forty milligrams every morning, and the cramps wake me at night.\n")


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[RenderedTurn]]:
    out = tmp_path_factory.mktemp("piper") / "two.wav"
    return out, render(SCRIPT, out, engine="piper", speed=150)


def test_the_voice_loads_from_the_package_files_without_a_download() -> None:
    voice = piper_voice()
    assert voice.config.sample_rate == 22_050
    assert piper_voice() is voice  # loaded once a process


def test_piper_renders_16_khz_mono_turns_in_order(spoken: tuple[Path, list[RenderedTurn]]) -> None:
    out, turns = spoken
    info = subprocess.run(["soxi", str(out)], check=True, capture_output=True, text=True).stdout
    assert "Channels       : 1" in info and "Sample Rate    : 16000" in info
    assert [(turn.speaker, turn.label) for turn in turns] == [("clinician", "Doctor"), ("patient", "Patient")]
    assert 0 < turns[0].end < turns[1].start < turns[1].end
    samples = decode(out)
    assert abs(samples.shape[0] / SAMPLE_RATE - turns[-1].end) < 0.6  # the last pause follows the last turn
    assert np.abs(samples).max() > 0.1


def test_piper_rendering_is_deterministic(spoken: tuple[Path, list[RenderedTurn]], tmp_path: Path) -> None:
    again = tmp_path / "again.wav"
    render(SCRIPT, again, engine="piper", speed=150)
    assert np.array_equal(decode(again), decode(spoken[0]))


def test_whisper_hears_the_words_piper_said(spoken: tuple[Path, list[RenderedTurn]], model_cache: Path,
                                            models: Models) -> None:
    engine = models.backends.get("faster-whisper", "tiny.en", model_cache)
    heard = " ".join(segment.text for segment in engine.transcribe(decode(spoken[0]), DecodeOptions())).lower()
    for word in ("still taking", "ankles", "milligrams", "every morning", "cramps", "night"):
        assert word in heard, heard
