"""ASR matrix: faster-whisper against openai-whisper on the same weights, by length, model, beam and precision.

    .venv/bin/python -m benchmarks.asr_matrix [--minutes 1 10 30] [--full-at 1 10] [--out benchmarks/RESULTS.md]

Audio: the scripted consultations (tests/data/consultations) rendered with espeak-ng and joined with sox,
cut at 1, 10 and 30 minutes, with a -60 dBFS noise floor (`benchmarks.pipeline.consultation_audio`, cached
in the temp dir). Each configuration runs in its own Python process (`--one`), which imports the ASR
engine only, so its peak RSS (VmHWM of that process: the interpreter, the engine, the model and the decode)
is the engine's own: models loaded by one configuration never count against another, and the service's spaCy
and diarization torch are not counted. In the child: load the model, warm up on the first 5 s, then
transcribe the whole file with the service's options but no vocabulary biasing (VAD on, word timestamps on)
in the service's windows (`SOAPSCRIBE_ASR_WINDOW_SECONDS`). openai-whisper reads the faster-whisper CTranslate2 weights converted once into
an openai-whisper checkpoint (nlp/asr/ct2_checkpoint.py), so both backends run the same weights; it runs fp32
only. `--cpus 1` pins every configuration to CPU 1 with one thread (OMP_NUM_THREADS) for both backends.

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
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.results import RESULTS, write_section
from nlp.asr.base import DecodeOptions
from nlp.audio import AudioWindow

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


def run_one(audio_path: Path, backend: str, model: str, compute: str, options: DecodeOptions, cache_dir: Path,
            window_s: float) -> dict:
    """One configuration in this process: load, warm up, transcribe; the figures as a dict.

    Only the ASR engine is imported here (not spaCy, nor the diarization's torch, which `service.scribe`
    would bring): the peak RSS is the engine's. The recording is decoded and recognised in windows of
    `window_s` seconds, as the service does, so neither backend holds the whole recording.
    """
    from nlp.asr.registry import load_backend
    from nlp.asr.windows import transcribe_windows
    from nlp.audio import decode_windows

    started = time.perf_counter()
    engine = load_backend(backend, model, cache_dir, compute_type=compute)  # type: ignore[arg-type]
    load_s = time.perf_counter() - started
    first = next(decode_windows(audio_path, 30.0))
    list(engine.transcribe(first.samples[0][: 16_000 * 5], options))
    del first
    samples = 0

    def count(window: AudioWindow) -> None:
        nonlocal samples
        samples += window.samples.shape[1]

    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    segments = list(transcribe_windows(engine, decode_windows(audio_path, window_s), options, on_window=count))
    transcribe_s = time.perf_counter() - started
    return {"audio_s": samples / 16_000, "load_s": load_s, "transcribe_s": transcribe_s,
            "cpu_s": _cpu_seconds() - cpu_started, "peak_rss_mb": _vm_hwm_mb(),
            "words": sum(len(segment.words) for segment in segments)}


def decode_options(beam: int) -> tuple[DecodeOptions, float]:
    """The service's decoding options with `beam` and no vocabulary biasing, and its ASR window length (built
    in the parent, which may import the whole service, and passed to each child as JSON)."""
    from service.scribe import Scribe
    from service.settings import Settings

    settings = Settings(data_dir=ROOT / "var", models_dir=ROOT / "var" / "models")
    # No vocabulary biasing: openai-whisper has no hotwords, so both backends get the same decoding task.
    options = replace(Scribe(settings).decode_options(prompt=False, hotwords=False), beam_size=beam)
    return options, settings.asr_window_seconds


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
    options, window_s = decode_options(config.beam)
    command = [sys.executable, "-m", "benchmarks.asr_matrix", "--one", str(audio), config.backend, config.model,
               config.compute, json.dumps(asdict(options)), str(cache_dir), str(window_s)]
    # Both backends get one thread per CPU this process may use (CTranslate2 and torch both read it).
    env = os.environ | {"HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": str(len(os.sched_getaffinity(0)))}
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
                f"{' and '.join(subset_models)} (the whole matrix at every length takes hours on 2 cores; "
                "`--full-at 1 10 30` runs it)" if partial else "")
             + ".")
    return f"""## ASR matrix: faster-whisper against openai-whisper (issue 9)

Measured {started} UTC on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores), Python
{platform.python_version()}. `python -m benchmarks.asr_matrix`. {_cpus_used()} Load average {load_start:.1f} at the
start, {load_end:.1f} at the end, and per row below at that configuration's start (each configuration adds about
{len(os.sched_getaffinity(0))} itself). {scope}

Audio: the 13 scripted consultations rendered with espeak-ng (160 wpm), joined with sox and cut at the
length, -60 dBFS noise floor. Each configuration in its own process, which imports the ASR engine only (not
spaCy or the diarization's torch): load, 5 s warm-up, then one transcription of the file with the service's
options without vocabulary biasing (openai-whisper has no hotwords, so both get the same task; VAD on, word
timestamps on), decoded and recognised in {_window_s():g} s windows as the service does. RTF = transcription
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


def _window_s() -> float:
    from service.settings import Settings

    return Settings(data_dir=ROOT / "var").asr_window_seconds


def _cpus_used() -> str:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) == os.cpu_count():
        return f"Every configuration could use all {len(cpus)} CPUs, with as many threads."
    return (f"Every configuration was pinned to CPU {', '.join(map(str, cpus))} with {len(cpus)} thread(s) "
            "(OMP_NUM_THREADS), so other work on the other CPUs disturbs it less.")


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
        audio, backend, model, compute, options, cache_dir, window_s = sys.argv[2:9]
        print(json.dumps(run_one(Path(audio), backend, model, compute, DecodeOptions(**json.loads(options)),
                                 Path(cache_dir), float(window_s))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0, 30.0])
    parser.add_argument("--full-at", type=float, nargs="+", default=[1.0, 10.0],
                        help="lengths at which to run the whole matrix (default 1 10); elsewhere the subset")
    parser.add_argument("--subset-models", nargs="+", default=list(MODELS), choices=list(MODELS),
                        help="models of the subset run at the lengths not in --full-at (default both)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the configurations already in the section of --out, run only the others")
    parser.add_argument("--cpus", type=int, nargs="+",
                        help="pin every configuration to these CPUs (default: all this process may use)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.cpus:
        os.sched_setaffinity(0, set(args.cpus))
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
