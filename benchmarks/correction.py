"""Vocabulary correction benchmark: word error rate and drug-name recall with and without it.

    .venv/bin/python -m benchmarks.correction [--out benchmarks/RESULTS.md] [--models tiny.en base]

The scripted consultations of tests/data/consultations are rendered with espeak-ng (as in
benchmarks/asr.py, same WER and recall definitions), recognised once per model and biasing step (none,
initial prompt, hotwords, both), and scored before and after `Corrector.correct` (nlp/asr/correct.py) on the
same recognised words.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jellyfish
import jiwer

from benchmarks.asr import drug_terms, normalise, render_all
from benchmarks.results import RESULTS, write_section
from knowledge.lexicon import load_lexicon
from nlp.asr.base import AsrBackend, DecodeOptions
from nlp.asr.correct import Corrector
from nlp.asr.registry import load_backend
from nlp.asr.windows import transcribe_windows
from nlp.audio import decode_windows
from nlp.transcript_io import parse_text
from nlp.types import Segment
from service.scribe import Scribe
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


# (label, initial prompt, hotwords): the ways of biasing Whisper towards the topic's vocabulary.
STEPS = [("none", False, False), ("prompt", True, False), ("hotwords", False, True), ("prompt+hotwords", True, True)]


@dataclass
class Row:
    model: str
    step: str
    correction: bool
    wer: float
    drug_hits: int
    drug_total: int
    changed: int
    wrong_changes: int
    seconds: float

    @property
    def recall(self) -> float:
        return self.drug_hits / self.drug_total if self.drug_total else 1.0


def _recognise(engine: AsrBackend, audio: dict[str, Path], options: DecodeOptions, window_s: float,
               cache: Path | None) -> tuple[dict[str, list[Segment]], float]:
    """Each consultation's segments, recognised as the service does (in windows, skipped speech recognised
    again), and the recognition time; with `cache`, kept for the next run (to tune the correction without
    recognising again)."""
    if cache is not None and cache.is_file():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        return ({name: [Segment.model_validate(s) for s in segments] for name, segments in stored["heard"].items()},
                stored["seconds"])
    started = time.perf_counter()
    heard = {name: list(transcribe_windows(engine, decode_windows(path, window_s), options))
             for name, path in audio.items()}
    seconds = time.perf_counter() - started
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"seconds": seconds, "heard": {
            name: [s.model_dump(mode="json") for s in segments] for name, segments in heard.items()}}), encoding="utf-8")
    return heard, seconds


def _why(missed: list[str], segments: list[Segment], corrector: Corrector) -> list[str]:
    """For each missed name, the heard word most like it, its probability, and whether it is 'English'."""
    words = [w for s in segments for w in s.words]
    notes = []
    for term in missed:
        scored = [(jellyfish.jaro_winkler_similarity(w.w.strip(".,?!").lower(), term.lower()), w) for w in words]
        if not scored:
            notes.append(term)
            continue
        score, word = max(scored, key=lambda pair: pair[0])
        core = word.w.strip(".,?!").lower()
        notes.append(f"{term} ~ {word.w!r} jw={score:.2f} p={word.p:.2f} english={core in corrector.english} "
                     f"sound={jellyfish.metaphone(core)}/{jellyfish.metaphone(term.lower())}")
    return notes


def measure(rendered: dict[str, tuple[str, Path]], settings: Settings, models: list[str],
            steps: list[str] | None = None, cache: Path | None = None) -> list[Row]:
    scribe = Scribe(settings)
    corrector = scribe.corrector()
    lexicon = load_lexicon(settings.topic)
    drugs = list(dict.fromkeys(word for drug in lexicon.drugs.drugs for word in (drug.display_name, *drug.brands)))
    audio = {name: path for name, (_, path) in rendered.items()}
    rows = []
    for model in models:
        engine = load_backend("faster-whisper", model, settings.model_cache_dir, compute_type="int8")
        for step, use_prompt, use_hotwords in STEPS:
            if steps and step not in steps:
                continue
            options = DecodeOptions(initial_prompt=scribe.vocabulary_prompt() if use_prompt else None,
                                    hotwords=scribe.vocabulary_hotwords() if use_hotwords else None)
            heard, seconds = _recognise(engine, audio, options, settings.asr_window_seconds,
                                        cache / f"{model}-{step}.json" if cache else None)
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
                    found = drug_terms(hypothesis, drugs)
                    hits += sum(1 for term in expected if term in found)
                    missed = [term for term in expected if term not in found]
                    if missed and correction:
                        print(f"  {model} {step} {name}: missed {_why(missed, segments, corrector)}", flush=True)
                    fixed = [word for segment in segments for word in segment.words if word.original is not None]
                    changed += len(fixed)
                    said = set(normalise(reference).split())
                    wrong += sum(1 for word in fixed if normalise(word.w) not in said)
                rows.append(Row(model, step, correction, jiwer.wer(refs, hyps), hits, total, changed, wrong, seconds))
                print(rows[-1], flush=True)
    return rows


def report(rows: list[Row], files: int) -> str:
    lines = ["## Vocabulary correction (issue 8)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. `python -m benchmarks.correction`. {files} scripted "
             "consultations rendered with espeak-ng at 140 wpm, faster-whisper int8, greedy, VAD on, recognised as "
             "the service does (`transcribe_windows`: 60 s windows; with biasing, speech Whisper skipped is "
             "recognised again without the vocabulary, nlp/asr/coverage.py). WER and drug "
             "recall as in the ASR section (drug names = drugs.yaml names and brands). Steps: `prompt` = the "
             "vocabulary as Whisper's initial prompt (read for the first 30 s only, since "
             "condition_on_previous_text is off); `hotwords` = the same terms as faster-whisper `hotwords`, "
             "put before every 30 s window's prompt; `correction` (docs/speech.md) = a word, or two adjacent "
             "words, not English (spaCy's vocabulary), of 5+ letters, whose Metaphone key is within one edit of a "
             "drug name's, brand's or synonym's and whose Jaro-Winkler similarity is high enough and above any "
             "other drug's, becomes that name; and just before a dose (\"met four min 1,000 milligrams\") one to "
             "four words Whisper was unsure of are matched to a drug name by sound (docs/speech.md); the heard "
             "words stay in `Word.original`. The correction thresholds were set on these same consultations "
             "(no held-out rendered set). \"wrong\" = changed "
             "words whose new spelling is not in the script. \"ASR s\" = recognition time of the whole set "
             "(2-core machine shared with other work: compare within a run only).", "",
             "| model | biasing | correction | WER | drug names found | drug recall | words changed | wrong | ASR s |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.model} | {r.step} | {'on' if r.correction else 'off'} | {r.wer:.3f} | "
              f"{r.drug_hits}/{r.drug_total} | {r.recall:.0%} | {r.changed} | {r.wrong_changes} | {r.seconds:.0f} |"
              for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    parser.add_argument("--steps", nargs="+", choices=[step for step, _, _ in STEPS], help="default: all")
    parser.add_argument("--limit", type=int, help="only the first N consultations (a quick look)")
    parser.add_argument("--cache", type=Path, help="keep what Whisper heard here, and reuse it on the next run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        settings = Settings(data_dir=tmp / "var", models_dir=ROOT / "var" / "models")
        rendered = render_all(tmp)
        if args.limit:
            rendered = dict(list(rendered.items())[:args.limit])
        rows = measure(rendered, settings, args.models, args.steps, args.cache)
    section = report(rows, len(rendered))
    write_section(args.out, "correction", section)
    print(section)


if __name__ == "__main__":
    main()
