"""`Scribe.transcribe` reports where its time goes, stage by stage (what benchmarks.pipeline tables)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from service.scribe import Scribe, StageTimes
from service.settings import Settings

SCRIPT = "Doctor: What brings you in today?\nPatient: Cramps in my left calf at night.\n"


@pytest.mark.audio
def test_transcribe_reports_the_seconds_of_each_stage_without_changing_the_transcript(
        tmp_path: Path, model_cache: Path) -> None:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.fail("espeak-ng and sox are needed: run `make test` (it installs them)")
    from scripts.render_consultation import render

    audio = tmp_path / "visit.wav"
    render(SCRIPT, audio, speed=140)
    scribe = Scribe(Settings(data_dir=tmp_path / "var", models_dir=model_cache))
    untimed = scribe.transcribe(audio)

    times = StageTimes()
    started = time.perf_counter()
    timed = scribe.transcribe(audio, times=times)
    elapsed = time.perf_counter() - started

    assert timed == untimed
    assert set(times.seconds) == {"decode", "recognise", "correct", "diarize", "sentences"}
    assert all(seconds >= 0 for seconds in times.seconds.values()), times.seconds
    assert times.seconds["recognise"] > times.seconds["decode"]  # Whisper, not the decoder, takes the time
    assert sum(times.seconds.values()) <= elapsed
