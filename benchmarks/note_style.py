"""A clinic's own style: notes drafted in a style learned from a handful of a clinic's example notes.

    .venv/bin/python -m benchmarks.note_style [--shared PATH] [--out benchmarks/RESULTS.md] [--examples 10]

PriMock57's notes are a UK GP's: terse, abbreviated headings (PMH, DH, SH, Imp, Plan). The style is learned
(knowledge/notes/style_learn.py) from `--examples` of its notes drawn once with a fixed seed; the notes of the
other consultations are drafted in the built-in style (ACI-BENCH's, learned from its train notes) and in the
learned one, and scored against their references with ROUGE (`rouge-score`, stemmed) and the median length.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from pathlib import Path

from benchmarks.note_quality import CORPORA, clinician_note, draft_all, length_ratio, rouge
from benchmarks.results import RESULTS, write_section
from knowledge.corpora import find_data, read_records
from knowledge.drafting import Drafter
from knowledge.extract import Extractor
from knowledge.notes.plan import PLAN_DIR, load_plan
from knowledge.notes.style_learn import learn_style, load_headings, style_yaml

SECTION = "note_style"
SEED = 20261206


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--examples", type=int, default=10)
    args = parser.parse_args()
    records = read_records(find_data(args.shared), CORPORA["primock57"])
    chosen = {r.id for r in random.Random(SEED).sample(records, args.examples)}
    examples = [r for r in records if r.id in chosen]
    scored = [r for r in records if r.id not in chosen]
    style = learn_style([r.note for r in examples], "primock57", load_plan(), load_headings())
    extractor = Extractor().load()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "note_plan"
        shutil.copytree(PLAN_DIR, folder)
        (folder / "style.yaml").write_text(style_yaml(style, len(examples)), encoding="utf-8")
        rows = []
        for label, drafter in (("built-in style (ACI-BENCH train)", Drafter()),
                               (f"style learned from {len(examples)} PriMock57 notes", Drafter(plan_dir=folder))):
            drafted = draft_all(scored, extractor, drafter)
            scores = rouge([(clinician_note(d.note), d.record.note) for d in drafted])
            rows.append(f"| {label} | {len(drafted)} | {scores['rouge1']:.1f} | {scores['rouge2']:.1f} | "
                        f"{scores['rougeLsum']:.1f} | {length_ratio(drafted):.2f}x |")
    titles = ", ".join(f"{code} '{title}'" for code, title in style.titles.items()
                       if title != load_plan().style.titles.get(code))
    text = "\n".join([
        "## A clinic's own style (`python -m benchmarks.note_style`)", "",
        f"PriMock57's house style learned from {len(examples)} of its notes (drawn with `random.Random({SEED})`); the "
        f"other {len(scored)} consultations drafted in each style and scored against their reference notes "
        "(ROUGE F1 x 100, stemmed; median length ours / reference). No code differs between the rows: only the "
        "style file.", "",
        "| style | notes | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | median length |", "|---|---|---|---|---|---|", *rows, "",
        f"Learned headings: {titles}. Learned patterns: "
        + "; ".join(f"{code}.{key} '{pattern}'" for code, keys in style.phrases.items() if code != "history"
                    for key, pattern in keys.items()) + ".",
        "Learned part lengths (words): " + ", ".join(f"{code} {n}" for code, n in style.lengths.items()) + ".",
    ])
    print(text)  # noqa: T201 - a benchmark reports
    write_section(args.out, SECTION, text)


if __name__ == "__main__":
    main()
