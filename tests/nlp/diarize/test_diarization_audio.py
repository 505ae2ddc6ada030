"""Diarization end to end on rendered speech: Whisper, then speakers by channel or by voice, then roles."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from nlp.diarize.metrics import Turn, diarization_error, role_accuracy
from nlp.types import Transcript
from scripts.render_consultation import RenderedTurn, render
from service.scribe import Scribe
from service.settings import Settings
from tests.conftest import CONSULTATIONS, ROOT, Models

pytestmark = pytest.mark.audio

TWO_VOICES = "\n".join((CONSULTATIONS / "furosemide_night_cramps.txt").read_text(encoding="utf-8").splitlines()[:6])
THREE_VOICES = "\n".join((ROOT / "tests" / "data" / "diarization" / "daughter_interprets.txt")
                         .read_text(encoding="utf-8").splitlines()[:9])


@pytest.fixture(scope="module")
def scribe(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, models: Models) -> Scribe:
    return models.scribe(Settings(data_dir=tmp_path_factory.mktemp("var"), models_dir=model_cache))


def rendered(tmp: Path, script: str, **options: object) -> tuple[Path, list[RenderedTurn]]:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.fail("espeak-ng and sox are needed: run `make test` (it installs them)")
    out = tmp / "consultation.wav"
    return out, render(script, out, speed=140, **options)  # type: ignore[arg-type]


def der(turns: list[RenderedTurn], transcript: Transcript) -> float:
    return diarization_error([Turn(t.label, t.start, t.end) for t in turns],
                             [Turn(s.voice, s.start, s.end) for s in transcript.segments if s.voice]).rate


def roles_right(turns: list[RenderedTurn], transcript: Transcript) -> float:
    return role_accuracy([Turn(t.speaker, t.start, t.end) for t in turns],
                         [(w.start, w.end, s.speaker) for s in transcript.segments for w in s.words])


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[RenderedTurn]]:
    return rendered(tmp_path_factory.mktemp("two"), TWO_VOICES)


def test_two_voices_in_mono_are_told_apart_and_given_their_roles(scribe: Scribe, two_voices) -> None:
    audio, turns = two_voices
    transcript = scribe.transcribe(audio)
    assert {s.voice for s in transcript.segments} == {"S1", "S2"}
    assert der(turns, transcript) < 0.15
    assert roles_right(turns, transcript) >= 0.95
    assert transcript.segments[0].speaker == "clinician"
    assert "furosemide" in " ".join(s.text.lower() for s in transcript.segments if s.speaker == "patient")


def test_the_caller_says_who_is_who(scribe: Scribe, two_voices) -> None:
    audio, _ = two_voices
    transcript = scribe.transcribe(audio, speakers={"S1": "patient", "S2": "clinician"})
    assert {(s.voice, s.speaker) for s in transcript.segments} == {("S1", "patient"), ("S2", "clinician")}


def test_a_stereo_recording_is_split_by_channel(scribe: Scribe, tmp_path: Path) -> None:
    audio, turns = rendered(tmp_path, TWO_VOICES, stereo=True)
    transcript = scribe.transcribe(audio)
    assert {(s.voice, s.speaker) for s in transcript.segments} == {("ch1", "clinician"), ("ch2", "patient")}
    assert der(turns, transcript) < 0.1
    assert roles_right(turns, transcript) >= 0.95


def test_three_voices_are_counted_and_the_relative_is_other(scribe: Scribe, tmp_path: Path) -> None:
    audio, turns = rendered(tmp_path, THREE_VOICES)
    transcript = scribe.transcribe(audio)
    assert len({s.voice for s in transcript.segments}) == 3
    assert der(turns, transcript) < 0.15
    assert roles_right(turns, transcript) >= 0.9


def test_diarization_off_leaves_one_unnamed_speaker(tmp_path: Path, model_cache: Path, models: Models,
                                                    two_voices) -> None:
    audio, _ = two_voices
    off = models.scribe(Settings(data_dir=tmp_path / "var", models_dir=model_cache, diarization="off"))
    transcript = off.transcribe(audio)
    assert {(s.voice, s.speaker) for s in transcript.segments} == {(None, "other")}


def test_silence_and_a_tone_give_no_words(scribe: Scribe, tmp_path: Path) -> None:
    """Whisper's VAD must keep it from inventing speech over 8 s of silence and 8 s of a 440 Hz tone."""
    clip = tmp_path / "silence_and_tone.wav"
    subprocess.run(["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(clip), "synth", "8", "sine", "440",
                    "vol", "0.3", "pad", "8", "0"], check=True, capture_output=True)
    transcript = scribe.transcribe(clip)
    assert transcript.segments == [], transcript.text  # without VAD, tiny.en hears "You" in the tone


def test_the_cli_refuses_a_role_it_does_not_know(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from service.cli import app

    clip = tmp_path / "clip.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(clip), "trim", "0", "1"], check=True)
    result = CliRunner().invoke(app, ["transcribe", str(clip), "--speakers", "S1=doctor"])
    assert result.exit_code != 0
    assert "--speakers: expected voice=clinician|patient|other" in result.output
