"""The gold corpus (tests/gold) and its evaluation: the matching rule, the corpus format and `soapscribe eval`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge.equivalents import Equivalents, load_equivalents
from knowledge.errors import KnowledgeError
from knowledge.evaluate import (Agreement, CorpusError, Evaluation, GoldFinding, _score, evaluate, known_concepts, load_corpus,
                                read_gold)
from knowledge.extract import Extractor
from nlp.types import Assertion, Finding, FindingKind

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


@pytest.mark.parametrize(("value", "unit", "tp"), [
    (4, "wk", 1),    # four weeks is the month the gold says
    (1, "mo", 1),
    (30, "d", 1),
    (1, "wk", 0),    # the same number in another unit is another interval
    (6, "wk", 0),
])
def test_a_follow_up_interval_is_compared_in_days(value: float, unit: str, tp: int) -> None:
    result = Evaluation(attributes={"unit": Agreement()})
    gold = GoldFinding(kind="follow_up", code="follow_up", value=1, unit="mo")
    found = Finding(id="f1", kind="follow_up", code="follow_up", text="in a month", value=value, unit=unit)
    _score(result, "case", [gold], [found])
    assert (result.overall.tp, result.overall.fn) == (tp, 1 - tp)


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


# --- codings that are one fact, narrower codes, and what a corpus annotates --------------------------------------

KNOWN = {("exam", "sensation_intact"), ("exam", "sensation_decreased"), ("symptom", "swelling"),
         ("symptom", "leg_swelling"), ("symptom", "back_pain"), ("symptom", "low_back_pain")}
DECLARED = """\
same:
  - why: a normal sensory exam is no sensory deficit
    codings:
      - {kind: exam, code: sensation_intact, assertion: present}
      - {kind: exam, code: sensation_decreased, assertion: absent}
narrower:
  - {why: swelling of the leg is swelling, kind: symptom, broad: swelling, narrow: [leg_swelling]}
  - {why: low back pain is back pain, kind: symptom, broad: back_pain, narrow: [low_back_pain]}
"""


@pytest.fixture
def declared(tmp_path: Path) -> Equivalents:
    path = tmp_path / "equivalents.yaml"
    path.write_text(DECLARED, encoding="utf-8")
    return load_equivalents(KNOWN, path)


def _scored(gold: GoldFinding, found: Finding, equivalents: Equivalents) -> tuple[int, int, int]:
    result = Evaluation()
    _score(result, "case", [gold], [found], equivalents)
    return result.overall.tp, result.overall.fp, result.overall.fn


def _said(kind: FindingKind, code: str, assertion: Assertion = "present") -> Finding:
    return Finding(id="f1", kind=kind, code=code, text=code, assertion=assertion)


@pytest.mark.parametrize(("gold", "found"), [
    (("sensation_decreased", "absent"), ("sensation_intact", "present")),
    (("sensation_intact", "present"), ("sensation_decreased", "absent")),
])
def test_codings_declared_one_fact_match_both_ways(declared: Equivalents, gold: tuple[str, str],
                                                    found: tuple[str, str]) -> None:
    expected = GoldFinding(kind="exam", code=gold[0], assertion=gold[1])  # type: ignore[arg-type]
    assert _scored(expected, _said("exam", *found), declared) == (1, 0, 0)
    assert _scored(expected, _said("exam", *found), Equivalents.none()) == (0, 1, 1)


@pytest.mark.parametrize(("gold", "found", "tp"), [
    ("swelling", "leg_swelling", 1),        # more specific and still right
    ("leg_swelling", "swelling", 0),        # says less than the gold: no place
])
def test_a_narrower_code_found_matches_its_broad_gold_never_the_reverse(declared: Equivalents, gold: str,
                                                                       found: str, tp: int) -> None:
    assert _scored(GoldFinding(kind="symptom", code=gold), _said("symptom", found), declared) == (tp, 1 - tp, 1 - tp)


@pytest.mark.parametrize(("gold", "found", "tp"), [
    ("back_pain", "low_back_pain", 0),      # "no low back pain" does not deny all back pain
    ("low_back_pain", "back_pain", 1),      # "no back pain" denies low back pain too
])
def test_denied_the_broad_code_entails_the_narrow_one(declared: Equivalents, gold: str, found: str, tp: int) -> None:
    expected = GoldFinding(kind="symptom", code=gold, assertion="absent")
    assert _scored(expected, _said("symptom", found, "absent"), declared) == (tp, 1 - tp, 1 - tp)


def test_a_declaration_naming_a_code_the_knowledge_base_lacks_stops_the_load(tmp_path: Path) -> None:
    path = tmp_path / "equivalents.yaml"
    path.write_text(DECLARED.replace("narrow: [leg_swelling]", "narrow: [leg_swelling, ankle_sweling]"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"equivalents\.yaml: narrower\.0\.narrow\.1: 'ankle_sweling' is no "
                                             r"symptom code of the knowledge base \(line 7\)"):
        load_equivalents(KNOWN, path)


def test_a_group_without_its_reason_stops_the_load(tmp_path: Path) -> None:
    path = tmp_path / "equivalents.yaml"
    path.write_text(DECLARED.replace("  - why: a normal sensory exam is no sensory deficit\n", "  -\n"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"equivalents\.yaml: same\.0\.why: Field required"):
        load_equivalents(KNOWN, path)


def test_the_declarations_of_the_knowledge_base_name_only_its_codes(extractor: Extractor) -> None:
    equivalents = load_equivalents(known_concepts(extractor.knowledge))
    assert equivalents.matches(("exam", "strength_reduced", "absent"), ("exam", "strength_normal", "present"))


SAFETY_NET = "Doctor: Keep taking the paracetamol, and if you get a high temperature, let us know.\n"
COFFEE = "Patient: I drink four cups of coffee a day and I work as a teacher.\n"
# (transcript, the finding the gold lists, the corpus.yaml declaring what is not annotated, the finding left out)
SCOPES = {
    "a code": (COFFEE, "{kind: social, code: occupation}", "annotates:\n  social: [occupation, exercise]\n",
               "{kind: social, code: caffeine}"),
    "an assertion": (SAFETY_NET, "{kind: medication, code: acetaminophen}", "unannotated:\n  symptom: [hypothetical]\n",
                     "{kind: symptom, code: fever, assertion: hypothetical}"),
}


def _scored_declaring(extractor: Extractor, folder: Path, said: str, gold: list[str],
                      declared: str | None) -> Evaluation:
    (folder / "visit.txt").write_text(said, encoding="utf-8")
    (folder / "visit.yaml").write_text("findings:\n" + "".join(f"  - {g}\n" for g in gold), encoding="utf-8")
    if declared is not None:
        (folder / "corpus.yaml").write_text(declared, encoding="utf-8")
    return evaluate(load_corpus(folder), extractor)


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_a_finding_the_corpus_declares_unannotated_is_not_scored(extractor: Extractor, tmp_path: Path,
                                                                 scope: str) -> None:
    said, listed, declared, left_out = SCOPES[scope]
    everything = _scored_declaring(extractor, tmp_path, said, [listed], None)
    scoped = _scored_declaring(extractor, tmp_path, said, [listed], declared)
    code = yaml.safe_load(left_out)["code"]
    assert [e.finding.split()[1] for e in everything.false_positives] == [code]
    assert (scoped.overall.tp, scoped.overall.fp, scoped.overall.fn) == (1, 0, 0)


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_a_finding_declared_unannotated_is_scored_where_the_gold_lists_it(extractor: Extractor, tmp_path: Path,
                                                                          scope: str) -> None:
    said, listed, declared, left_out = SCOPES[scope]
    assert _scored_declaring(extractor, tmp_path, said, [listed, left_out], declared).overall.tp == 2
