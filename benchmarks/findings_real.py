"""Findings scored on every gold corpus: `python -m benchmarks.findings_real`.

Scripted (tests/gold, tests/gold_holdout: the leg-cramp topic only) and real dialogues of ../shared/data
(tests/gold_real/dev: tuned on; tests/gold_real/holdout: never tuned on). The held-out set grows by batches; each
batch's first score, taken before any change made for it, is kept in benchmarks/findings_real_holdout_first*.json
with the dialogues it scored, and shown beside the same dialogues' latest; so is a dev batch's
(findings_real_dev_first*.json), scored once before it was tuned on. Writes the `findings_real` section of
benchmarks/RESULTS.md.

    python -m benchmarks.findings_real                    # score every corpus, write RESULTS.md
    python -m benchmarks.findings_real --record-first 2   # first score of the held-out dialogues no batch holds yet
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.results import RESULTS, write_section
from knowledge.evaluate import Evaluation, GoldConsultation, evaluate, load_corpus
from knowledge.extract import Extractor

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {"scripted (tests/gold)": "tests/gold", "scripted held out (tests/gold_holdout)": "tests/gold_holdout",
           "real dev (tests/gold_real/dev)": "tests/gold_real/dev",
           "real held out (tests/gold_real/holdout)": "tests/gold_real/holdout"}
HOLDOUT = "tests/gold_real/holdout"
FIRSTS = "findings_real_holdout_first*.json"
DEV_FIRSTS = "findings_real_dev_first*.json"  # a dev batch scored once before it was tuned on


def _row(label: str, scores: dict[str, Any]) -> str:
    return (f"| {label} | {scores['tp'] + scores['fn']} | {scores['tp']} | {scores['fp']} | {scores['fn']} | "
            f"{scores['precision']:.3f} | {scores['recall']:.3f} | **{scores['f1']:.3f}** |")


def _table(title: str, rows: dict[str, dict[str, Any]]) -> str:
    lines = [f"**{title}**", "", "| scope | gold | tp | fp | fn | precision | recall | F1 |", "|---|---|---|---|---|---|---|---|"]
    lines += [_row(label, scores) for label, scores in rows.items()]
    return "\n".join(lines)


def first_runs(folder: Path = ROOT / "benchmarks", pattern: str = FIRSTS) -> list[dict[str, Any]]:
    """Every held-out batch's first run (with `DEV_FIRSTS`: every dev batch's), oldest first."""
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob(pattern))]
    return sorted(runs, key=lambda run: run["when"])


def _subset(corpus: list[GoldConsultation], names: Iterable[str]) -> list[GoldConsultation]:
    wanted = set(names)
    return [consultation for consultation in corpus if consultation.name in wanted]


def report(results: dict[str, Evaluation], firsts: list[tuple[dict[str, Any], Evaluation]]) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    parts = ["## Findings on every gold corpus (issue 19)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit}. `python -m benchmarks.findings_real`;"
             " matching rule in docs/evaluation.md and docs/findings.md (kind, code and assertion; value within"
             " tolerance; a gold code read through the knowledge base's phrases; conditions by ICD-10-CM category;"
             " codings declared one fact or narrower in knowledge/general/relations/equivalents.yaml; findings outside"
             " what a corpus.yaml declares its gold annotates are not scored).",
             "", "| corpus | consultations | gold | precision | recall | F1 |", "|---|---|---|---|---|---|"]
    for label, result in results.items():
        o = result.overall
        parts.append(f"| {label} | {result.consultations} | {o.tp + o.fn} | {o.precision:.3f} | {o.recall:.3f} | "
                     f"**{o.f1:.3f}** |")
    for first, now in firsts:
        o = first["overall"]
        parts.append(f"| {first['batch']}, **first run** ({first['when']}) | {first['consultations']} | "
                     f"{o['tp'] + o['fn']} | {o['precision']:.3f} | {o['recall']:.3f} | **{o['f1']:.3f}** |")
        n = now.overall
        parts.append(f"| {first['batch']}, the same dialogues now | {now.consultations} | {n.tp + n.fn} | "
                     f"{n.precision:.3f} | {n.recall:.3f} | **{n.f1:.3f}** |")
    for label, result in results.items():
        data = result.as_dict()
        parts += ["", f"### {label}", "",
                  _table("by kind", data["by_kind"]), "", _table("by assertion", data["by_assertion"])]
        agreement = ", ".join(f"{name} {a['agree']}/{a['total']}" for name, a in data["attributes"].items() if a["total"])
        parts += ["", f"Attributes of matched findings: {agreement}."]
    for first, _ in firsts:
        parts += ["", f"### {first['batch']}, first run, by kind", "", _table("by kind", first["by_kind"]), "",
                  _table("by assertion", first["by_assertion"])]
    return "\n".join(parts)


def record_first(label: str, extractor: Extractor, folder: Path = ROOT / "benchmarks") -> Path:
    """Score the held-out dialogues that no batch's first run holds yet, and keep that score as their batch's first
    run: call it once, when they join the held-out set and before anything is changed for them."""
    corpus = load_corpus(ROOT / HOLDOUT)
    held = {name for run in first_runs(folder) for name in run["dialogues"]}
    new = [consultation for consultation in corpus if consultation.name not in held]
    if not new:
        raise SystemExit(f"{HOLDOUT}: every dialogue already has a first run")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    run = {"batch": f"held out {label}", "dialogues": sorted(c.name for c in new),
           **evaluate(new, extractor).as_dict(),
           "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, before any change made for this batch"}
    for key in ("misses", "false_positives", "attribute_errors"):  # the errors stay unread: only the counts are kept
        run.pop(key)
    path = folder / f"findings_real_holdout_first_{label}.json"
    if path.exists():
        raise SystemExit(f"{path}: exists; a first run is taken once")
    path.write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--record-first", metavar="LABEL",
                        help="keep the first score of the held-out dialogues no batch holds yet, as batch LABEL")
    args = parser.parse_args()
    extractor = Extractor().load()
    if args.record_first:
        print(f"wrote {record_first(args.record_first, extractor)}")  # noqa: T201 - a benchmark reports
        return
    results = {label: evaluate(load_corpus(ROOT / folder), extractor) for label, folder in CORPORA.items()}
    scored = load_corpus(ROOT / HOLDOUT) + load_corpus(ROOT / CORPORA["real dev (tests/gold_real/dev)"])
    firsts = [(run, evaluate(_subset(scored, run["dialogues"]), extractor))
              for run in first_runs() + first_runs(pattern=DEV_FIRSTS)]
    body = report(results, firsts)
    write_section(args.out, "findings_real", body)
    for label, result in results.items():
        print(f"{label}: F1 {result.overall.f1:.3f}")  # noqa: T201 - a benchmark reports


if __name__ == "__main__":
    main()
