"""The held-out dialogues of tests/gold_real: scored to see whether the engine generalises, so never listed, mined
nor tuned on by any benchmark."""

from __future__ import annotations

from pathlib import Path

from knowledge.evaluate import CORPUS_FILE, read_gold

HOLDOUT = Path(__file__).resolve().parents[1] / "tests" / "gold_real" / "holdout"


def held_out(folder: Path = HOLDOUT) -> dict[str, frozenset[str]]:
    """Corpus file (relative to the shared data folder) -> the ids of its held-out dialogues, read from the `source`
    of each gold file, so the split is declared once, by the files that hold it."""
    ids: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == CORPUS_FILE:
            continue
        source = read_gold(path).source
        if source is not None:
            ids.setdefault(source.corpus, set()).add(source.id)
    return {corpus: frozenset(found) for corpus, found in ids.items()}
