"""Vocabulary correction benchmark: word error rate and drug-name recall with and without it.

    .venv/bin/python -m benchmarks.correction [--out benchmarks/RESULTS.md] [--models tiny.en base]

The scripted consultations of tests/data/consultations are rendered with espeak-ng (as in
benchmarks/asr.py, same WER and recall definitions), recognised once per model and prompt setting, and
scored before and after `Corrector.correct` (nlp/asr/correct.py) on the same recognised words.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jiwer

from benchmarks.asr import drug_terms, normalise, render_all
from benchmarks.results import RESULTS, write_section
from knowledge.lexicon import load_lexicon
from nlp.asr.base import DecodeOptions
from nlp.asr.registry import load_backend
from nlp.audio import decode
from nlp.transcript_io import parse_text
from service.scribe import Scribe
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Row:
    model: str
    prompt: bool
    correction: bool
    wer: float
    drug_hits: int
    drug_total: int
    changed: int
    wrong_changes: int

    @property
    def recall(self) -> float:
        return self.drug_hits / self.drug_total if self.drug_total else 1.0


def measure(rendered: dict[str, tuple[str, Path]], settings: Settings, models: list[str]) -> list[Row]:
    scribe = Scribe(settings)
    corrector = scribe.corrector()
    lexicon = load_lexicon(settings.topic)
    drugs = list(dict.fromkeys(word for drug in lexicon.drugs.drugs for word in (drug.display_name, *drug.brands)))
    rows = []
    for model in models:
        engine = load_backend("faster-whisper", model, settings.model_cache_dir, compute_type="int8")
        for use_prompt in (False, True):
            options = DecodeOptions(initial_prompt=scribe.vocabulary_prompt() if use_prompt else None)
            heard = {name: list(engine.transcribe(decode(path), options)) for name, (_, path) in rendered.items()}
            for correction in (False, True):
                refs, hyps, hits, total, changed, wrong = [], [], 0, 0, 0, 0
                for name, (script, _) in rendered.items():
                    segments = corrector.correct(heard[name]) if correction else heard[name]
                    reference = " ".join(segment.text for segment in parse_text(script).segments)
                    hypothesis = " ".join(segment.text for segment in segments)
                    refs.append(normalise(reference))
                    hyps.append(normalise(hypothesis))
                    expected = drug_terms(script, drugs)
                    total += len(expected)
                    hits += sum(1 for term in expected if term in drug_terms(hypothesis, drugs))
                    fixed = [word for segment in segments for word in segment.words if word.original is not None]
                    changed += len(fixed)
                    said = set(normalise(reference).split())
                    wrong += sum(1 for word in fixed if normalise(word.w) not in said)
                rows.append(Row(model, use_prompt, correction, jiwer.wer(refs, hyps), hits, total, changed, wrong))
                print(rows[-1], flush=True)
    return rows


def report(rows: list[Row], files: int) -> str:
    lines = ["## Vocabulary correction (issue 8)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. `python -m benchmarks.correction`. {files} scripted "
             "consultations rendered with espeak-ng at 140 wpm, faster-whisper int8, greedy, VAD on. WER and drug "
             "recall as in the ASR section (drug names = drugs.yaml names and brands). Correction (docs/speech.md): "
             "a word, or two adjacent words, not English (spaCy's vocabulary), of 5+ letters, whose Metaphone key "
             "is within one edit of a drug name's, brand's or synonym's and whose Jaro-Winkler similarity is "
             ">= 0.88 (0.85 when Whisper's word probability < 0.5) and 0.03 above any other drug's, becomes that "
             "name; the heard word stays in `Word.original`. \"wrong\" = changed words whose new spelling is "
             "not in the script.", "",
             "| model | prompt | correction | WER | drug names found | drug recall | words changed | wrong |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.model} | {'on' if r.prompt else 'off'} | {'on' if r.correction else 'off'} | {r.wer:.3f} | "
              f"{r.drug_hits}/{r.drug_total} | {r.recall:.0%} | {r.changed} | {r.wrong_changes} |" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        settings = Settings(data_dir=tmp / "var", models_dir=ROOT / "var" / "models")
        rendered = render_all(tmp)
        rows = measure(rendered, settings, args.models)
    section = report(rows, len(rendered))
    write_section(args.out, "correction", section)
    print(section)


if __name__ == "__main__":
    main()
