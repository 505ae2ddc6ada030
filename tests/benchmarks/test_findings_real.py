"""The held-out set grows by batches, each keeping its own first run (benchmarks/findings_real.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.findings_real import DEV_FIRSTS, HOLDOUT, ROOT, first_runs, record_first
from knowledge.corpora import CorpusNotFound, find_data
from knowledge.extract import Extractor


def test_every_held_out_dialogue_has_exactly_one_first_run() -> None:
    held = sorted(path.stem for path in (ROOT / HOLDOUT).glob("*.yaml") if path.name != "corpus.yaml")
    named = [name for run in first_runs() for name in run["dialogues"]]
    assert sorted(named) == held


def test_a_first_run_is_taken_for_the_new_dialogues_only_and_only_once(extractor: Extractor, tmp_path: Path) -> None:
    try:
        find_data()
    except CorpusNotFound:
        pytest.skip("the shared development corpora (../shared/data) are not present")
    held = sorted(path.stem for path in (ROOT / HOLDOUT).glob("*.yaml") if path.name != "corpus.yaml")
    old, new = held[:-2], held[-2:]
    (tmp_path / "findings_real_holdout_first.json").write_text(
        json.dumps({"batch": "held out 1", "dialogues": old, "when": "2026-01-01 00:00 UTC"}), encoding="utf-8")
    path = record_first("9", extractor, tmp_path)
    run = json.loads(path.read_text(encoding="utf-8"))
    assert run["dialogues"] == new and run["consultations"] == 2 and run["batch"] == "held out 9"
    assert "misses" not in run and "false_positives" not in run  # the errors of a held-out batch stay unread
    with pytest.raises(SystemExit, match="every dialogue already has a first run"):
        record_first("10", extractor, tmp_path)


def test_a_dev_batch_first_run_names_dev_dialogues_only() -> None:
    dev = {path.stem for path in (ROOT / "tests/gold_real/dev").glob("*.yaml") if path.name != "corpus.yaml"}
    runs = first_runs(pattern=DEV_FIRSTS)
    assert runs and all(set(run["dialogues"]) <= dev for run in runs)
