"""The `soapscribe` command: exit codes, output formats, one-line errors.

The commands run in this process through Typer's CliRunner (`soapscribe_cli`); two tests run the installed entry
point as a real process, as a user would (`installed`), so a start-up or logging problem of the real command shows.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN, CONSULTATIONS, CliResult, soapscribe_cli, soapscribe_env

FUROSEMIDE = CONSULTATIONS / "furosemide_night_cramps.txt"


@pytest.fixture
def run(tmp_path: Path, model_cache: Path):  # type: ignore[no-untyped-def]
    """`soapscribe ARGS` in this process, on a fresh data dir."""
    env = soapscribe_env(tmp_path / "var", model_cache)

    def _run(*args: str | Path) -> CliResult:
        return soapscribe_cli(env, *args)

    return _run


def installed(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The installed `soapscribe` entry point as its own process."""
    return subprocess.run([BIN / "soapscribe", *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=300)


def test_extract_prints_the_findings_contract_as_json(tmp_path: Path, model_cache: Path) -> None:
    result = installed(soapscribe_env(tmp_path / "var", model_cache), "extract", FUROSEMIDE, "--format", "json")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)["findings"]
    codes = {(f["kind"], f["code"]) for f in findings}
    assert {("medication", "furosemide"), ("electrolyte", "potassium"), ("symptom", "leg_cramp")} <= codes
    for finding in findings:
        assert finding["id"].startswith("f") and finding["evidence"]


def test_extract_as_a_table_lists_each_finding(run) -> None:  # type: ignore[no-untyped-def]
    result = run("extract", FUROSEMIDE, "--format", "table")
    assert result.returncode == 0, result.stderr
    assert "furosemide" in result.stdout and "potassium" in result.stdout


@pytest.mark.parametrize(("fmt", "expected"), [
    ("markdown", "## Subjective"), ("text", "SUBJECTIVE"), ("html", "<h2"), ("json", '"sections"'),
])
def test_draft_renders_each_format(run, fmt: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    result = run("draft", FUROSEMIDE, "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert expected.lower() in result.stdout.lower()


def test_draft_as_fhir_prints_a_bundle_with_a_preliminary_composition(run) -> None:  # type: ignore[no-untyped-def]
    result = run("draft", FUROSEMIDE, "--format", "fhir")
    assert result.returncode == 0, result.stderr
    bundle = json.loads(result.stdout)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    assert bundle["entry"][0]["resource"]["status"] == "preliminary"


def test_a_broken_clinic_template_is_one_line_naming_the_file(tmp_path: Path, model_cache: Path) -> None:
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    (clinic / "note.md.j2").write_text("{% if %}\n", encoding="utf-8")
    env = soapscribe_env(tmp_path / "var", model_cache, SOAPSCRIBE_TEMPLATES_DIR=str(clinic))
    result = installed(env, "draft", FUROSEMIDE)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "note.md.j2: line 1" in lines[0], result.stderr


@pytest.mark.audio
def test_transcribe_prints_segments_with_word_timestamps(run, rendered: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    result = run("transcribe", rendered["furosemide_night_cramps"], "--format", "json")
    assert result.returncode == 0, result.stderr
    transcript = json.loads(result.stdout)
    segments = transcript["segments"]
    assert len(segments) >= 8, "one segment per sentence, as the script has ten lines"
    for segment in segments:
        assert segment["words"] and segment["start"] <= segment["words"][0]["start"] < segment["words"][-1]["end"]
    assert "furosemide" in " ".join(s["text"] for s in segments).lower()


@pytest.mark.audio
def test_draft_from_audio_contains_the_medication_and_headings(run, rendered: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    result = run("draft", rendered["furosemide_night_cramps"])
    assert result.returncode == 0, result.stderr
    for heading in ("## Subjective", "## Objective", "## Assessment", "## Plan"):
        assert heading in result.stdout
    assert "furosemide" in result.stdout.lower() and "3.1" in result.stdout


@pytest.mark.parametrize(("command", "make_input", "message"), [
    ("extract", lambda d: d / "missing.txt", "no such file"),
    ("draft", lambda d: d / "missing.wav", "no such file"),
    ("transcribe", lambda d: d / "missing.wav", "no such file"),
    ("transcribe", lambda d: _write(d / "broken.wav", b"not audio" * 30), "not a readable audio file"),
    ("draft", lambda d: _write(d / "broken.ogg", b"OggS" + b"\x00" * 60), "audio"),
    ("extract", lambda d: _write(d / "empty.txt", b""), "empty"),
    ("draft", lambda d: _write(d / "binary.txt", b"\xff\xfe\xfa\x00\x01"), "UTF-8"),
    ("extract", lambda d: _write(d / "bad.json", b'{"segments": 5}'), "segments"),
])
def test_bad_input_gives_one_line_and_a_non_zero_exit(run, tmp_path: Path, command: str, make_input,  # type: ignore[no-untyped-def]
                                                      message: str) -> None:
    result = run(command, make_input(tmp_path))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and message.lower() in lines[0].lower()
    assert "Traceback" not in result.stderr


def test_an_unknown_model_is_a_clear_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    audio = _write(tmp_path / "x.wav", b"RIFF")
    result = run("transcribe", audio, "--model", "large-v9")
    assert result.returncode != 0
    assert "large-v9" in result.stderr and "Traceback" not in result.stderr


def test_keys_create_prints_the_key_alone_on_the_last_line(run) -> None:  # type: ignore[no-untyped-def]
    result = run("keys", "create", "--tenant", "clinic-a")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("ss_")
    assert len(result.stdout.strip().splitlines()[-1].split()) == 1


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
