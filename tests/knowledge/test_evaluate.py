"""The gold corpus (tests/gold) and its evaluation: the matching rule, the corpus format and `soapscribe eval`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.evaluate import CorpusError, Evaluation, GoldFinding, _score, evaluate, load_corpus, read_gold
from knowledge.extract import Extractor
from nlp.types import Finding

GOLD = Path(__file__).resolve().parents[1] / "gold"
HOLDOUT = Path(__file__).resolve().parents[1] / "gold_holdout"
# Measured 1.00 overall and per kind on both corpora (docs/evaluation.md); the floors sit a little under.
OVERALL_F1 = 0.95
KIND_F1 = {"symptom": 0.95, "timing": 0.95, "medication": 0.95, "electrolyte": 0.97, "lab": 0.97, "condition": 0.95}
HOLDOUT_F1 = 0.95


@pytest.fixture(scope="module")
def evaluation(extractor: Extractor) -> Evaluation:
    return evaluate(load_corpus(GOLD), extractor)


def test_the_gold_corpus_has_at_least_sixty_consultations_each_with_valid_gold() -> None:
    corpus = load_corpus(GOLD)
    assert len(corpus) >= 60
    assert sum(len(c.findings) for c in corpus) >= 250


def test_findings_f1_on_the_gold_corpus_is_at_least_095(evaluation: Evaluation) -> None:
    assert evaluation.overall.f1 >= OVERALL_F1, (evaluation.misses, evaluation.false_positives)


@pytest.mark.parametrize("kind", sorted(KIND_F1))
def test_each_kind_stays_above_its_floor(evaluation: Evaluation, kind: str) -> None:
    assert evaluation.by_kind[kind].f1 >= KIND_F1[kind]


def test_the_holdout_corpus_written_after_the_fixes_stays_above_its_floor(extractor: Extractor) -> None:
    result = evaluate(load_corpus(HOLDOUT), extractor)
    assert result.consultations >= 12 and result.overall.f1 >= HOLDOUT_F1, (result.misses, result.false_positives)


def test_consultations_about_something_else_give_no_leg_cramp(extractor: Extractor) -> None:
    others = [c for c in load_corpus(GOLD) if c.name.startswith("other_")]
    assert len(others) >= 8
    for consultation in others:
        codes = {f.code for f in extractor.extract(consultation.transcript).findings}
        assert "leg_cramp" not in codes, consultation.name


def _finding(code: str, assertion: str = "present", value: float | None = None) -> Finding:
    return Finding(id="f1", kind="electrolyte", code=code, text=code, assertion=assertion, value=value)


@pytest.mark.parametrize(("found", "tp"), [
    (_finding("potassium", value=3.1), 1),
    (_finding("potassium", value=3.14), 1),       # within 0.05
    (_finding("potassium", value=3.3), 0),        # outside the tolerance
    (_finding("potassium", value=None), 0),       # the gold states a value; none extracted
    (_finding("potassium", "absent", 3.1), 0),    # the assertion must agree
    (_finding("sodium", value=3.1), 0),           # the code must agree
])
def test_a_match_needs_kind_code_assertion_and_a_value_within_tolerance(found: Finding, tp: int) -> None:
    result = Evaluation()
    gold = GoldFinding(kind="electrolyte", code="potassium", value=3.1)
    _score(result, "case", [gold], [found])
    assert (result.overall.tp, result.overall.fn, result.overall.fp) == (tp, 1 - tp, 1 - tp)


def test_an_extracted_finding_matches_only_one_gold_finding() -> None:
    result = Evaluation()
    gold = [GoldFinding(kind="electrolyte", code="potassium")] * 2
    _score(result, "case", gold, [_finding("potassium")])
    assert (result.overall.tp, result.overall.fn) == (1, 1)


def test_a_gold_file_with_a_missing_field_names_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "case.yaml"
    bad.write_text("findings:\n  - {kind: symptom}\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"case\.yaml: findings\.0\.code"):
        read_gold(bad)


def test_a_transcript_without_its_gold_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "lonely.txt").write_text("Patient: cramps in my calf\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"lonely\.txt: no gold file"):
        load_corpus(tmp_path)


def test_eval_cli_prints_json_scores_and_fails_on_an_unreadable_corpus(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "service.cli", "eval"]
    (tmp_path / "one.txt").write_text("Patient: My left calf cramps at night.\n", encoding="utf-8")
    (tmp_path / "one.yaml").write_text(
        "findings:\n  - {kind: symptom, code: leg_cramp, site: calf, laterality: left}\n"
        "  - {kind: timing, code: nocturnal}\n", encoding="utf-8")
    done = subprocess.run([*cli, str(tmp_path), "--format", "json"], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    assert report["overall"]["f1"] == 1.0 and report["by_kind"]["symptom"]["tp"] == 1
    (tmp_path / "two.txt").write_text("Patient: hello\n", encoding="utf-8")
    (tmp_path / "two.yaml").write_text("findings: [oops\n", encoding="utf-8")
    failed = subprocess.run([*cli, str(tmp_path)], capture_output=True, text=True)
    assert failed.returncode != 0
    assert "two.yaml" in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
