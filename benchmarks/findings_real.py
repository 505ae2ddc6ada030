"""Findings scored on every gold corpus: `python -m benchmarks.findings_real`.

Scripted (tests/gold, tests/gold_holdout: the leg-cramp topic only) and real dialogues of ../shared/data
(tests/gold_real/dev: tuned on; tests/gold_real/holdout: never tuned on). The held-out set's first score, taken
before any change made for it, is kept in benchmarks/findings_real_holdout_first.json and shown beside the
latest. Writes the `findings_real` section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.results import RESULTS, write_section
from knowledge.evaluate import Evaluation, evaluate, load_corpus
from knowledge.extract import Extractor

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {"scripted (tests/gold)": "tests/gold", "scripted held out (tests/gold_holdout)": "tests/gold_holdout",
           "real dev (tests/gold_real/dev)": "tests/gold_real/dev",
           "real held out (tests/gold_real/holdout)": "tests/gold_real/holdout"}
FIRST = ROOT / "benchmarks" / "findings_real_holdout_first.json"


def _row(label: str, scores: dict[str, Any]) -> str:
    return (f"| {label} | {scores['tp'] + scores['fn']} | {scores['tp']} | {scores['fp']} | {scores['fn']} | "
            f"{scores['precision']:.3f} | {scores['recall']:.3f} | **{scores['f1']:.3f}** |")


def _table(title: str, rows: dict[str, dict[str, Any]]) -> str:
    lines = [f"**{title}**", "", "| scope | gold | tp | fp | fn | precision | recall | F1 |", "|---|---|---|---|---|---|---|---|"]
    lines += [_row(label, scores) for label, scores in rows.items()]
    return "\n".join(lines)


def report(results: dict[str, Evaluation], first: dict[str, Any] | None) -> str:
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
    if first is not None:
        o = first["overall"]
        parts.append(f"| real held out, **first run** ({first['when']}) | {first['consultations']} | "
                     f"{o['tp'] + o['fn']} | {o['precision']:.3f} | {o['recall']:.3f} | **{o['f1']:.3f}** |")
    for label, result in results.items():
        data = result.as_dict()
        parts += ["", f"### {label}", "",
                  _table("by kind", data["by_kind"]), "", _table("by assertion", data["by_assertion"])]
        agreement = ", ".join(f"{name} {a['agree']}/{a['total']}" for name, a in data["attributes"].items() if a["total"])
        parts += ["", f"Attributes of matched findings: {agreement}."]
    if first is not None:
        parts += ["", "### real held out, first run, by kind", "", _table("by kind", first["by_kind"]), "",
                  _table("by assertion", first["by_assertion"])]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    extractor = Extractor().load()
    results = {label: evaluate(load_corpus(ROOT / folder), extractor) for label, folder in CORPORA.items()}
    first = json.loads(FIRST.read_text(encoding="utf-8")) if FIRST.is_file() else None
    body = report(results, first)
    write_section(args.out, "findings_real", body)
    for label, result in results.items():
        print(f"{label}: F1 {result.overall.f1:.3f}")  # noqa: T201 - a benchmark reports


if __name__ == "__main__":
    main()
