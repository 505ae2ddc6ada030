"""`Scribe.transcribe` reports where its time goes, stage by stage (what benchmarks.pipeline tables)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.scribe import Scribe, StageTimes
from service.settings import Settings
from tests.conftest import ROOT, Models, loaded_extractor

SCRIPT = "Doctor: What brings you in today?\nPatient: Cramps in my left calf at night.\n"


@pytest.mark.audio
def test_transcribe_reports_the_seconds_of_each_stage_without_changing_the_transcript(
        tmp_path: Path, model_cache: Path, models: Models) -> None:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.fail("espeak-ng and sox are needed: run `make test` (it installs them)")
    from scripts.render_consultation import render

    audio = tmp_path / "visit.wav"
    render(SCRIPT, audio, speed=140)
    scribe = models.scribe(Settings(data_dir=tmp_path / "var", models_dir=model_cache))
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


def test_each_scribe_uses_the_models_it_was_given_and_loads_each_once(tmp_path: Path) -> None:
    """No process-wide model: two Scribes given different models keep their own, each provider called once."""
    loads: list[str] = []

    def provider(name: str, model: object) -> Callable[[], Any]:
        def load() -> object:
            loads.append(name)
            return model
        return load

    settings = Settings(data_dir=tmp_path / "var")
    first_encoder, second_encoder = object(), object()
    first = Scribe(settings, english_words=provider("english 1", frozenset({"furosmide"})),
                   voice_encoder=provider("voices 1", first_encoder), extractor=loaded_extractor)
    second = Scribe(settings, english_words=provider("english 2", frozenset()),
                    voice_encoder=provider("voices 2", second_encoder))
    for _ in range(2):
        assert first.corrector().english == {"furosmide"} and second.corrector().english == frozenset()
        assert first.voice_encoder() is first_encoder and second.voice_encoder() is second_encoder
    assert sorted(loads) == ["english 1", "english 2", "voices 1", "voices 2"]
    assert first.extractor() is loaded_extractor() and second.extractor() is not first.extractor()
    assert first.backends is not second.backends


def test_a_scribe_of_another_topic_has_that_topics_extractor(tmp_path: Path) -> None:
    scribes = [Scribe(Settings(data_dir=tmp_path / "var", **topic)) for topic in  # type: ignore[arg-type]
               ({}, {"topic": "gout_flare", "topics_dir": ROOT / "tests" / "data" / "topics"})]
    assert [scribe.extractor().topic for scribe in scribes] == ["leg_cramps", "gout_flare"]
