"""ASR matrix: faster-whisper against openai-whisper on the same weights, by length, model, beam and precision.

    .venv/bin/python -m benchmarks.asr_matrix [--minutes 1 10 30] [--full-at 1 10] [--out benchmarks/RESULTS.md]

Audio: the scripted consultations (tests/data/consultations) rendered with espeak-ng and joined with sox,
cut at 1, 10 and 30 minutes, with a -60 dBFS noise floor (`benchmarks.pipeline.consultation_audio`, cached
in the temp dir). Each configuration runs in its own Python process (`--one`), so its peak RSS (VmHWM of
that process: the interpreter, the libraries, the model and the decode) is its own: models loaded by one
configuration never count against another. In the child: load the model, warm up on the first 5 s, then
transcribe the whole file with the project's default options otherwise (VAD on, vocabulary prompt on,
word timestamps on). openai-whisper reads the faster-whisper CTranslate2 weights converted once into an
openai-whisper checkpoint (nlp/asr/ct2_checkpoint.py), so both backends run the same weights; it runs fp32
only.

The full matrix (2 models x greedy/beam 5 x faster-whisper int8/float32 + openai-whisper float32) runs at
the lengths in `--full-at` (default 1 and 10 minutes); at the other lengths only the subset `SUBSET`
(greedy; faster-whisper int8, its fastest, against openai-whisper) because the whole 30-minute matrix takes
over an hour on a 2-core machine. `--full-at 1 10 30` runs everything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.results import RESULTS, write_section

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("tiny.en", "base")
BEAMS = (1, 5)
# (backend, compute type): openai-whisper has fp32 only.
ENGINES = (("faster-whisper", "int8"), ("faster-whisper", "float32"), ("openai-whisper", "float32"))
SUBSET = {("faster-whisper", "int8", 1), ("openai-whisper", "float32", 1)}  # (backend, compute, beam)
SPEED_GOAL = 3.0
MEMORY_GOAL = 0.5
TIMEOUT_S = 3 * 3600


@dataclass(frozen=True)
class Config:
    minutes: float
    model: str
    beam: int
    backend: str
    compute: str


@dataclass(frozen=True)
class Result:
    config: Config
    audio_s: float
    load_s: float
    transcribe_s: float
    cpu_s: float
    peak_rss_mb: float
    words: int
    load_average: float

    @property
    def rtf(self) -> float:
        return self.transcribe_s / self.audio_s


def _vm_hwm_mb() -> float:
    """Peak resident set of this process image (VmHWM; unlike ru_maxrss, not inherited from a parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_one(audio_path: Path, backend: str, model: str, compute: str, beam: int, cache_dir: Path) -> dict:
    """One configuration in this process: load, warm up, transcribe; the figures as a dict."""
    from dataclasses import replace

    from nlp.asr.registry import load_backend
    from nlp.audio import decode, duration_seconds
    from service.scribe import Scribe
    from service.settings import Settings

    settings = Settings(data_dir=cache_dir.parent, models_dir=cache_dir)
    options = replace(Scribe(settings).decode_options(), beam_size=beam)
    audio = decode(audio_path)
    started = time.perf_counter()
    engine = load_backend(backend, model, cache_dir, compute_type=compute)  # type: ignore[arg-type]
    load_s = time.perf_counter() - started
    list(engine.transcribe(audio[: 16_000 * 5], options))
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    segments = list(engine.transcribe(audio, options))
    transcribe_s = time.perf_counter() - started
    return {"audio_s": duration_seconds(audio), "load_s": load_s, "transcribe_s": transcribe_s,
            "cpu_s": _cpu_seconds() - cpu_started, "peak_rss_mb": _vm_hwm_mb(),
            "words": sum(len(segment.words) for segment in segments)}


def _cpu_seconds() -> float:
    """User + system CPU time of this process, all threads: less sensitive than wall time to other jobs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def plan(minutes: list[float], full_at: list[float], subset_models: list[str]) -> list[Config]:
    configs = []
    for length in minutes:
        for model in MODELS:
            for beam in BEAMS:
                for backend, compute in ENGINES:
                    if length in full_at or ((backend, compute, beam) in SUBSET and model in subset_models):
                        configs.append(Config(length, model, beam, backend, compute))
    return configs


def measure(config: Config, cache_dir: Path) -> Result:
    from benchmarks.pipeline import consultation_audio

    audio = consultation_audio(config.minutes)
    load_average = os.getloadavg()[0]
    command = [sys.executable, "-m", "benchmarks.asr_matrix", "--one", str(audio), config.backend, config.model,
               config.compute, str(config.beam), str(cache_dir)]
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT, timeout=TIMEOUT_S)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Result(config, figures["audio_s"], figures["load_s"], figures["transcribe_s"], figures["cpu_s"],
                  figures["peak_rss_mb"],
                  figures["words"], load_average)


def _pairs(results: list[Result]) -> list[tuple[Result, Result]]:
    """(faster-whisper, openai-whisper) pairs of the same length, model and beam."""
    openai = {(r.config.minutes, r.config.model, r.config.beam): r for r in results
              if r.config.backend == "openai-whisper"}
    return [(r, openai[key]) for r in results if r.config.backend == "faster-whisper"
            and (key := (r.config.minutes, r.config.model, r.config.beam)) in openai]


def report(results: list[Result], minutes: list[float], full_at: list[float], subset_models: list[str],
           started: str, load_start: float, load_end: float) -> str:
    rows = "\n".join(
        f"| {r.config.minutes:g} | {r.config.model} | {'greedy' if r.config.beam == 1 else f'beam {r.config.beam}'} "
        f"| {r.config.backend} | {r.config.compute} | {r.load_s:.2f} | {r.transcribe_s:.1f} | {r.rtf:.3f} "
        f"| {r.cpu_s:.1f} "
        f"| {r.peak_rss_mb:.0f} | {r.words:,} | {r.load_average:.1f} |" for r in results)
    pair_rows, speed_ok, memory_ok = [], 0, 0
    for fast, ref in _pairs(results):
        speed = ref.transcribe_s / fast.transcribe_s
        cpu_speed = ref.cpu_s / fast.cpu_s
        memory = fast.peak_rss_mb / ref.peak_rss_mb
        speed_ok += speed >= SPEED_GOAL
        memory_ok += memory <= MEMORY_GOAL
        both = "**yes**" if speed >= SPEED_GOAL and memory <= MEMORY_GOAL else "no"
        pair_rows.append(f"| {fast.config.minutes:g} | {fast.config.model} | "
                         f"{'greedy' if fast.config.beam == 1 else f'beam {fast.config.beam}'} | {fast.config.compute} "
                         f"| {speed:.2f}x | {cpu_speed:.2f}x | {memory:.2f} | {both} |")
    subset = ", ".join(f"{backend} {compute} {'greedy' if beam == 1 else f'beam {beam}'}"
                       for backend, compute, beam in sorted(SUBSET))
    partial = [m for m in minutes if m not in full_at]
    scope = (f"Full matrix at {', '.join(f'{m:g}' for m in full_at if m in minutes)} minute(s)"
             + (f"; at {', '.join(f'{m:g}' for m in partial)} minutes only {subset}, "
                f"{' and '.join(subset_models)} (the whole matrix at 10 and 30 minutes takes hours on this "
                "loaded machine; `--full-at 1 10 30` runs it)" if partial else "")
             + ".")
    return f"""## ASR matrix: faster-whisper against openai-whisper (issue 9)

Measured {started} UTC on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores, both used),
Python {platform.python_version()}. `python -m benchmarks.asr_matrix`. **The machine was shared with other
jobs during this run** (load average {load_start:.1f} at the start, {load_end:.1f} at the end, and per row
below, at that configuration's start): absolute times are pessimistic and vary with the load; compare rows
measured close together. {scope}

Audio: the 13 scripted consultations rendered with espeak-ng (160 wpm), joined with sox and cut at the
length, -60 dBFS noise floor. Each configuration in its own process: load, 5 s warm-up, then one
transcription of the whole file (VAD on, vocabulary prompt on, word timestamps on). RTF = transcription
wall time / audio length (model load excluded); CPU = user + system CPU seconds of that process
during the transcription, all threads. Peak RSS = VmHWM of that process (interpreter, libraries,
model and decode). openai-whisper runs the same weights (the CTranslate2 file converted to an openai-whisper
checkpoint), fp32 only.

| minutes | model | decoding | backend | compute | load (s) | transcribe (s) | RTF | CPU (s) | peak RSS (MB) | words | load avg |
|---|---|---|---|---|---|---|---|---|---|---|---|
{rows}

Speed ratio = openai-whisper transcribe time / faster-whisper transcribe time (same length, model and
decoding; goal judged on it); CPU-time ratio = the same for the processes' user + system CPU time
during the transcription (all threads; less disturbed by other jobs than wall time); memory ratio = faster-whisper peak RSS / openai-whisper peak RSS. Goal: speed ≥ {SPEED_GOAL:g}x at
memory ≤ {MEMORY_GOAL:g}.

| minutes | model | decoding | faster-whisper compute | speed ratio (wall) | CPU-time ratio | memory ratio | goal met |
|---|---|---|---|---|---|---|---|
{chr(10).join(pair_rows)}

Speed goal met in {speed_ok} of {len(pair_rows)} pairs, memory goal in {memory_ok} of {len(pair_rows)}.
"""


def previous_results(out: Path) -> list[Result]:
    """The rows of the asr_matrix section already in `out` (for --resume), read back from its table."""
    from benchmarks.results import markers

    begin, end = markers("asr_matrix")
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if begin not in text:
        return []
    section = text.split(begin, 1)[1].split(end, 1)[0]
    results = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 12 or not cells[0].replace(".", "").isdigit():
            continue
        minutes = float(cells[0])
        beam = 1 if cells[2] == "greedy" else int(cells[2].split()[-1])
        results.append(Result(Config(minutes, cells[1], beam, cells[3], cells[4]), minutes * 60, float(cells[5]),
                              float(cells[6]), float(cells[8]), float(cells[9]), int(cells[10].replace(",", "")),
                              float(cells[11])))
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        audio, backend, model, compute, beam, cache_dir = sys.argv[2:8]
        print(json.dumps(run_one(Path(audio), backend, model, compute, int(beam), Path(cache_dir))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0, 30.0])
    parser.add_argument("--full-at", type=float, nargs="+", default=[1.0, 10.0],
                        help="lengths at which to run the whole matrix (default 1 10); elsewhere the subset")
    parser.add_argument("--subset-models", nargs="+", default=list(MODELS), choices=list(MODELS),
                        help="models of the subset run at the lengths not in --full-at (default both)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the configurations already in the section of --out, run only the others")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    cache_dir = ROOT / "var" / "models"
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    load_start = os.getloadavg()[0]
    configs = plan(args.minutes, args.full_at, args.subset_models)
    results = [r for r in previous_results(args.out) if r.config in configs] if args.resume else []
    done = {r.config for r in results}
    for config in (config for config in configs if config not in done):
        result = measure(config, cache_dir)
        results.append(result)
        print(f"{config}: RTF {result.rtf:.3f}, {result.peak_rss_mb:.0f} MB, load {result.load_average:.1f}",
              flush=True)
        # Written after every configuration, so an interrupted run still leaves its figures.
        write_section(args.out, "asr_matrix", report(results, args.minutes, args.full_at, args.subset_models, started, load_start,
                                                     os.getloadavg()[0]))
    print(report(results, args.minutes, args.full_at, args.subset_models, started, load_start, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
