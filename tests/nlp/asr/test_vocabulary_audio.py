"""A consultation's vocabulary recovers drug names tiny.en misheard, on espeak-ng audio, and a vocabulary of
sound-alike drugs that were not said writes none of them (issue 17; benchmarks.vocabulary_recall measures it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.render_consultation import render
from service.scribe import Scribe
from service.settings import Settings
from tests.conftest import Models

pytestmark = pytest.mark.audio

GOLD = Path(__file__).resolve().parents[2] / "gold"


@pytest.fixture(scope="module")
def scribe(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, models: Models) -> Scribe:
    return models.scribe(Settings(data_dir=tmp_path_factory.mktemp("var"), models_dir=model_cache))


@pytest.fixture(scope="module")
def bumetanide_stopped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """'I used to take bumetanide but they stopped it last year. Now I'm on spironolactone 25 mg.', 25 s."""
    out = tmp_path_factory.mktemp("vocabulary") / "bumetanide_stopped.wav"
    render((GOLD / "bumetanide_stopped.txt").read_text(encoding="utf-8"), out, speed=160, engine="espeak")
    return out


def text(scribe: Scribe, audio: Path, vocabulary: list[str], correct: bool = True) -> str:
    transcript = scribe.transcribe(audio, vocabulary=vocabulary, correct=correct)
    return " ".join(segment.text for segment in transcript.segments).lower()


def test_the_chart_drugs_tiny_en_misheard_are_written_with_the_vocabulary(scribe: Scribe,
                                                                          bumetanide_stopped: Path) -> None:
    chart = ["bumetanide", "spironolactone"]
    heard = text(scribe, bumetanide_stopped, chart, correct=False)
    assert "bumetanide" not in heard  # "humidinide", p 0.16: the correction, not recognition, recovers it
    written = text(scribe, bumetanide_stopped, chart)
    assert "bumetanide" in written and "spironolactone" in written, written


def test_sound_alike_drugs_the_vocabulary_lists_but_nobody_said_are_not_written(scribe: Scribe,
                                                                                 bumetanide_stopped: Path) -> None:
    written = text(scribe, bumetanide_stopped, ["budesonide", "cephalexin", "buspirone"])
    assert not any(decoy in written for decoy in ("budesonide", "cephalexin", "buspirone")), written
