"""`soapscribe draft` with a topic from a folder of one's own (SOAPSCRIBE_TOPICS_DIR, SOAPSCRIBE_TOPIC)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliResult, soapscribe_cli, soapscribe_env

DATA = Path(__file__).resolve().parents[1] / "data"
TOPICS = DATA / "topics"
GOUT_VISIT = DATA / "topic_consultations" / "gout_flare.txt"


def draft(tmp_path: Path, model_cache: Path, topic: str, *args: str) -> CliResult:
    """`soapscribe draft` of the gout visit, in this process (see `soapscribe_cli`)."""
    env = soapscribe_env(tmp_path / "var", model_cache, SOAPSCRIBE_TOPICS_DIR=str(TOPICS), SOAPSCRIBE_TOPIC=topic)
    return soapscribe_cli(env, "draft", GOUT_VISIT, *args)


def test_draft_with_a_topics_folder_gives_that_topics_suggestions(tmp_path: Path, model_cache: Path) -> None:
    result = draft(tmp_path, model_cache, "gout_flare", "--format", "json")
    assert result.returncode == 0, result.stderr
    suggestions = json.loads(result.stdout)["suggestions"]
    assert {s["source"]["topic"] for s in suggestions} == {"gout_flare"}
    # The visit names gout, a problem of the general pack, so the topic's code rule (source "Symptoms") fires too.
    assert {s["source"]["section"] for s in suggestions} == {"Causes and Risk Factors", "Management", "Symptoms"}
    assert any(s["text"].startswith("Hydrochlorothiazide (thiazide diuretic) raises serum urate")
               for s in suggestions)
    assert not any("cramp" in s["text"].lower() for s in suggestions)


def test_the_markdown_note_cites_the_topics_article(tmp_path: Path, model_cache: Path) -> None:
    result = draft(tmp_path, model_cache, "gout_flare")
    assert result.returncode == 0, result.stderr
    assert "Urate 9.2 mg/dL (high)." in result.stdout
    assert '(source: Gout flare, "Management")' in result.stdout
    assert "Leg cramps" not in result.stdout


def test_a_missing_topic_is_one_line_naming_it(tmp_path: Path, model_cache: Path) -> None:
    result = draft(tmp_path, model_cache, "restless_legs")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "topic 'restless_legs'" in lines[0] and str(TOPICS / "restless_legs") in lines[0]
