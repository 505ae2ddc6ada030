"""Extraction speed on a 15-minute consultation, on one core: `python -m benchmarks.extraction`.

The transcript is built from the gold corpus (tests/gold): consultations are concatenated, with
their segments renumbered, until it holds about 2,000 words (roughly 15 minutes of speech at
130-150 words a minute). The process is pinned to one CPU and spaCy/numpy threads are limited to
one; the extractor is loaded and warmed once, then timed over five runs (median reported).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

TARGET_WORDS = 2000
RUNS = 5


def _one_core() -> str:
    """Pin this process to one CPU and one thread per numeric library; say what was done."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return f"pinned to CPU {min(os.sched_getaffinity(0))}"
    return "not pinned (no sched_setaffinity)"


def long_transcript(target_words: int = TARGET_WORDS):  # noqa: ANN201 (imports are deferred until pinned)
    """Gold consultations one after another, segments renumbered, until `target_words` words."""
    from knowledge.evaluate import load_corpus
    from nlp.types import Transcript

    corpus = load_corpus(Path(__file__).resolve().parents[1] / "tests" / "gold")
    segments, words = [], 0
    while words < target_words:
        for consultation in corpus:
            for segment in consultation.transcript.segments:
                segments.append(segment.model_copy(update={"id": len(segments)}))
                words += len(segment.text.split())
            if words >= target_words:
                break
    return Transcript(segments=segments)


def main() -> None:
    pinning = _one_core()
    from benchmarks.results import RESULTS, write_section
    from knowledge.extract import Extractor

    transcript = long_transcript()
    words = sum(len(segment.text.split()) for segment in transcript.segments)
    started = time.perf_counter()
    extractor = Extractor().load()
    load = time.perf_counter() - started
    extractor.extract(transcript)  # warm-up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        findings = extractor.extract(transcript)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    body = f"""## Extraction speed (issue 4)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores,
{pinning}, one thread, load average {os.getloadavg()[0]:.1f} at the start), Python {platform.python_version()}.
`python -m benchmarks.extraction`.

A synthetic 15-minute consultation: gold-corpus consultations (tests/gold) one after another,
{len(transcript.segments)} turns, {words} words; {len(findings.findings)} findings.

| pipeline load (s) | median of {RUNS} runs (s) | min (s) | max (s) | words/s | goal |
|---|---|---|---|---|---|
| {load:.2f} | {median:.3f} | {min(times):.3f} | {max(times):.3f} | {words / median:,.0f} | < 1 s |
"""
    write_section(RESULTS, "extraction", body)
    print(body, file=sys.stdout)


if __name__ == "__main__":
    main()
