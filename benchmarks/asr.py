"""ASR benchmarks: real-time factor of each backend, and what the vocabulary prompt changes.

    .venv/bin/python -m benchmarks.asr [--out benchmarks/RESULTS.md]

Audio is rendered here with espeak-ng from the scripted consultations in
tests/data/consultations (written by us), so the reference text is known.
"""

from __future__ import annotations

import argparse
import platform
import re
import resource
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jiwer

from benchmarks.results import RESULTS, write_section
from knowledge.vocabulary import vocabulary
from knowledge.lexicon import load_lexicon
from nlp.asr.base import DecodeOptions
from nlp.asr.registry import load_backend
from nlp.audio import decode, duration_seconds
from nlp.transcript_io import parse_text
from scripts.render_consultation import render
from service.scribe import Scribe
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CONSULTATIONS = ROOT / "tests" / "data" / "consultations"


@dataclass
class RtfRow:
    backend: str
    model: str
    compute_type: str
    load_s: float
    audio_s: float
    wall_s: float

    @property
    def rtf(self) -> float:
        return self.wall_s / self.audio_s


@dataclass
class CliRow:
    backend: str
    audio_s: float
    wall_s: float
    peak_rss_mb: float

    @property
    def rtf(self) -> float:
        return self.wall_s / self.audio_s


@dataclass
class VocabRow:
    model: str
    prompt: bool
    wer: float
    drug_hits: int
    drug_total: int
    term_hits: int
    term_total: int

    @property
    def recall(self) -> float:
        return self.drug_hits / self.drug_total if self.drug_total else 1.0


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", text.lower())).strip()


def drug_terms(script: str, terms: list[str]) -> list[str]:
    text = normalise(script)
    return [term for term in terms if re.search(rf"\b{re.escape(normalise(term))}\b", text)]


def render_all(tmp: Path) -> dict[str, tuple[str, Path]]:
    rendered = {}
    for path in sorted(CONSULTATIONS.glob("*.txt")):
        script = path.read_text(encoding="utf-8")
        out = tmp / f"{path.stem}.wav"
        render(script, out, speed=140)
        rendered[path.stem] = (script, out)
    return rendered


def one_minute_clip(tmp: Path, rendered: dict[str, tuple[str, Path]]) -> Path:
    """Join consultations until at least 60 s of speech, then cut at 60 s."""
    import subprocess

    out = tmp / "clip60.wav"
    pieces = [str(path) for _, path in rendered.values()]
    subprocess.run(["sox", *pieces, str(out), "trim", "0", "60"], check=True)
    return out


def measure_rtf(clip: Path, settings: Settings, runs: list[tuple[str, str, str]]) -> list[RtfRow]:
    audio = decode(clip)
    options = DecodeOptions(initial_prompt=Scribe(settings).vocabulary_prompt())
    rows = []
    for backend, model, compute_type in runs:
        started = time.perf_counter()
        engine = load_backend(backend, model, settings.model_cache_dir, compute_type=compute_type)  # type: ignore[arg-type]
        load_s = time.perf_counter() - started
        list(engine.transcribe(audio[:16_000 * 5], options))  # warm-up
        started = time.perf_counter()
        list(engine.transcribe(audio, options))
        rows.append(RtfRow(backend, model, compute_type, load_s, duration_seconds(audio),
                           time.perf_counter() - started))
    return rows


_PEAK_RSS_LAUNCHER = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def measure_cli(clip: Path, settings: Settings, backends: list[str]) -> list[CliRow]:
    """`soapscribe transcribe CLIP` as a user runs it: process start, model load and decoding, timed together."""
    import os
    import subprocess
    import sys

    env = os.environ | {"SOAPSCRIBE_DATA_DIR": str(settings.data_dir),
                        "SOAPSCRIBE_MODELS_DIR": str(settings.model_cache_dir), "HF_HUB_OFFLINE": "1"}
    audio_s = duration_seconds(decode(clip))
    rows = []
    for backend in backends:
        command = [sys.executable, "-m", "service.cli", "transcribe", str(clip), "--backend", backend]
        subprocess.run(command, env=env, check=True, capture_output=True)  # converts/caches weights once
        started = time.perf_counter()
        # Measured through a small launcher: on Linux a child starts with its parent's peak RSS, so the
        # benchmark process (with models loaded) must not be the direct parent.
        done = subprocess.run([sys.executable, "-c", _PEAK_RSS_LAUNCHER, *command], env=env, check=True,
                              capture_output=True, text=True)
        wall = time.perf_counter() - started
        peak_kb = int(done.stdout.strip().splitlines()[-1])
        rows.append(CliRow(backend, audio_s, wall, peak_kb / 1024))
    return rows


def measure_vocabulary(rendered: dict[str, tuple[str, Path]], settings: Settings, models: list[str]) -> list[VocabRow]:
    terms = vocabulary(settings.topic)
    lexicon = load_lexicon(settings.topic)
    drugs = list(dict.fromkeys(word for drug in lexicon.drugs.drugs for word in (drug.display_name, *drug.brands)))
    prompt = Scribe(settings).vocabulary_prompt()
    rows = []
    for model in models:
        engine = load_backend("faster-whisper", model, settings.model_cache_dir, compute_type="int8")
        for use_prompt in (False, True):
            refs, hyps, hits, total, term_hits, term_total = [], [], 0, 0, 0, 0
            for script, path in rendered.values():
                reference = " ".join(segment.text for segment in parse_text(script).segments)
                options = DecodeOptions(initial_prompt=prompt if use_prompt else None)
                hypothesis = " ".join(segment.text for segment in engine.transcribe(decode(path), options))
                refs.append(normalise(reference))
                hyps.append(normalise(hypothesis))
                expected = drug_terms(script, drugs)
                total += len(expected)
                hits += sum(1 for term in expected if term in drug_terms(hypothesis, drugs))
                expected = drug_terms(script, terms)
                term_total += len(expected)
                term_hits += sum(1 for term in expected if term in drug_terms(hypothesis, terms))
            rows.append(VocabRow(model, use_prompt, jiwer.wer(refs, hyps), hits, total, term_hits, term_total))
    return rows


def report(rtf: list[RtfRow], cli: list[CliRow], vocab: list[VocabRow], clip_s: float) -> str:
    lines = ["## ASR (issue 3)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
             f"({platform.processor() or platform.machine()}, {_cores()} cores), Python {platform.python_version()}. "
             f"`python -m benchmarks.asr`.", "",
             f"### Real-time factor on a {clip_s:.0f} s espeak-ng clip (greedy, VAD on, vocabulary prompt on)", "",
             "| backend | model | compute | load (s) | transcribe (s) | RTF |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.backend} | {r.model} | {r.compute_type} | {r.load_s:.2f} | {r.wall_s:.2f} | {r.rtf:.3f} |"
              for r in rtf]
    lines += ["", "RTF = wall-clock transcription time / audio duration (lower is faster); model load excluded,",
              "one 5 s warm-up run first.", "",
              f"### `soapscribe transcribe` on the same {clip_s:.0f} s clip (whole command: start, load, decode)", "",
              "| backend | wall (s) | RTF | peak RSS (MB) |", "|---|---|---|---|"]
    lines += [f"| {r.backend} | {r.wall_s:.2f} | {r.rtf:.3f} | {r.peak_rss_mb:.0f} |" for r in cli]
    lines += ["",
              "### Vocabulary prompt: word error rate and drug-name recall", "",
              f"{len(list(CONSULTATIONS.glob('*.txt')))} scripted consultations rendered with espeak-ng at 140 wpm; "
              "WER against the script after lower-casing and stripping punctuation (spoken numbers in the script "
              "vs digits from Whisper count as errors, so WER is an upper bound); drug names = mentions of a "
              "drugs.yaml name or brand in the script found in the transcript; topic terms = the same for "
              "the whole ASR vocabulary (drugs, electrolytes, symptom words).", "",
              "| model | prompt | WER | drug names found | drug recall | topic terms found |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {r.model} | {'on' if r.prompt else 'off'} | {r.wer:.3f} | {r.drug_hits}/{r.drug_total} | "
              f"{r.recall:.0%} | {r.term_hits}/{r.term_total} |" for r in vocab]
    lines += ["", f"Peak RSS of the benchmark process: {_peak_rss_mb():.0f} MB."]
    return "\n".join(lines) + "\n"


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        settings = Settings(data_dir=tmp / "var", models_dir=ROOT / "var" / "models")
        rendered = render_all(tmp)
        clip = one_minute_clip(tmp, rendered)
        rtf = measure_rtf(clip, settings, [("faster-whisper", "tiny.en", "int8"),
                                           ("faster-whisper", "tiny.en", "float32"),
                                           ("openai-whisper", "tiny.en", "float32")])
        cli = measure_cli(clip, settings, ["faster-whisper", "openai-whisper"])
        vocab = measure_vocabulary(rendered, settings, ["tiny.en", "base"])
        section = report(rtf, cli, vocab, duration_seconds(decode(clip)))
    write_section(args.out, "asr", section)
    print(section)


if __name__ == "__main__":
    main()
