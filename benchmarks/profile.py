"""Where the text path and diarization spend their CPU time, and diarization before/after batching.

    .venv/bin/python -m benchmarks.profile [--minutes 10] [--top 12]

Profiles are cProfile with the process's CPU clock (`time.process_time`), not wall-clock samples: on a
machine shared with other jobs a sampling profiler charges the time a thread waits for a core to
whatever it was running, while CPU time is what the code itself costs.

1. Text path: `extract` + `draft` of the 15-minute transcript of benchmarks.extraction, three runs,
   pinned to one core; top functions by own time.
2. Diarization by voice on the 10-minute recording of benchmarks.pipeline (words from faster-whisper
   tiny.en int8): "before" embeds each chunk with resemblyzer's `embed_utterance`, one LSTM call per
   chunk (what nlp/diarize/voices.py did), "after" with `ResemblyzerEncoder.embed_many` (all partials
   through the LSTM in batches of 64, BLAS held to one thread). Both label every word; the labels must
   be identical.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks.results import RESULTS, write_section

ROOT = Path(__file__).resolve().parents[1]


def top_entries(profile: cProfile.Profile, count: int) -> list[tuple[str, int, float, float]]:
    """(function, calls, own seconds, cumulative seconds) of the `count` functions with the most own time."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        rows.append((f"{short}:{line}({name})" if line else name, calls, own, cumulative))
    return sorted(rows, key=lambda row: -row[2])[:count]


def profiled(call) -> tuple[object, cProfile.Profile, float]:  # noqa: ANN001
    profile = cProfile.Profile(time.process_time)
    started = time.process_time()
    profile.enable()
    result = call()
    profile.disable()
    return result, profile, time.process_time() - started


def table(rows: list[tuple[str, int, float, float]], total: float) -> str:
    lines = ["| function | calls | own CPU (s) | share | cumulative (s) |", "|---|---|---|---|---|"]
    lines += [f"| `{name}` | {calls:,} | {own:.3f} | {100 * own / total:.1f} % | {cumulative:.3f} |"
              for name, calls, own, cumulative in rows]
    return "\n".join(lines)


class _PerChunk:
    """The encoder as it was: resemblyzer's own `embed_utterance`, one clip (one LSTM call) at a time."""

    def __init__(self, encoder) -> None:  # noqa: ANN001
        self._encoder = encoder

    def embed(self, audio: np.ndarray) -> np.ndarray:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._encoder._encoder.embed_utterance(self._encoder._prepare(audio))
        finally:
            torch.set_num_threads(threads)


def diarization(minutes: float, top: int) -> str:
    from benchmarks.pipeline import consultation_audio
    from nlp.asr.registry import load_backend
    from nlp.audio import decode
    from nlp.diarize.voices import ResemblyzerEncoder, speech_chunks, voice_labels
    from service.scribe import Scribe
    from service.settings import Settings

    audio_path = consultation_audio(minutes)
    settings = Settings(data_dir=ROOT / "var", models_dir=ROOT / "var" / "models")
    audio = decode(audio_path)
    engine = load_backend("faster-whisper", "tiny.en", settings.model_cache_dir, compute_type="int8")
    words = [word for segment in engine.transcribe(audio, Scribe(settings).decode_options()) for word in segment.words]
    encoder = ResemblyzerEncoder()
    encoder.embed(audio[: 16_000 * 2])  # torch's one-off set-up
    runs = {}
    for name, used in (("before", _PerChunk(encoder)), ("after", encoder)):
        wall = time.perf_counter()
        labels, profile, cpu = profiled(lambda used=used: voice_labels(audio, words, used))
        runs[name] = (labels, profile, cpu, time.perf_counter() - wall)
    same = runs["before"][0] == runs["after"][0]
    chunks = len(speech_chunks(words))
    lines = [f"### Diarization by voice, {minutes:g}-minute recording ({len(words):,} words, {chunks} chunks, "
             f"{len(set(runs['after'][0]))} voices)", "",
             "| | CPU (s) | wall (s) |", "|---|---|---|",
             *(f"| {name} | {cpu:.2f} | {wall:.2f} |" for name, (_, _, cpu, wall) in runs.items()),
             "", f"CPU time {runs['before'][2] / runs['after'][2]:.1f}x lower; the labels of all "
             f"{len(words):,} words are **{'identical' if same else 'DIFFERENT'}** before and after.", ""]
    for name in ("before", "after"):
        _, profile, cpu, _ = runs[name]
        lines += [f"Top entries {name}:", "", table(top_entries(profile, top), cpu), ""]
    return "\n".join(lines)


def text_path(top: int) -> str:
    from benchmarks.extraction import _one_core, long_transcript

    pinning = _one_core()
    from service.scribe import Scribe
    from service.settings import Settings

    scribe = Scribe(Settings())
    scribe.extractor().load()
    transcript = long_transcript()
    scribe.draft(transcript, scribe.extract(transcript))  # warm-up
    runs = 3
    _, profile, cpu = profiled(lambda: [scribe.draft(transcript, scribe.extract(transcript)) for _ in range(runs)])
    words = sum(len(segment.text.split()) for segment in transcript.segments)
    return "\n".join([
        f"### Text path: `extract` + `draft`, 15-minute transcript ({words:,} words), {runs} runs, {pinning}", "",
        f"{cpu:.2f} s CPU under the profiler ({cpu / runs:.3f} s a run; cProfile's overhead inflates Python-heavy "
        "code, so compare shares, not with the unprofiled timing in the pipeline section).", "",
        table(top_entries(profile, top), cpu), ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the diarization recording")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    load_start = os.getloadavg()[0]
    diarize_part = diarization(args.minutes, args.top)  # before pinning: the pipeline runs it on both cores
    text_part = text_path(args.top)
    body = f"""## Profiles: text path and diarization (issue 9)

Measured {started} UTC on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores), Python
{platform.python_version()}, `python -m benchmarks.profile`. **Shared machine**: load average {load_start:.1f} at the
start, {os.getloadavg()[0]:.1f} at the end; wall times are inflated by other jobs, CPU times much less. cProfile with
the CPU clock.

{diarize_part}
{text_part}"""
    write_section(args.out, "profile", body)
    print(body, file=sys.stdout)


if __name__ == "__main__":
    main()
