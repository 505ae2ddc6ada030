"""Findings for 15 minutes of real talk, on one core: `python -m benchmarks.findings_speed` (issue 19, goal <= 0.1 s).

The transcript is `benchmarks.note_quality.fifteen_minutes()`: ACI-BENCH train dialogues end to end until about 2,250
words. `Extractor.extract` is warmed twice, then timed; prints the median, range and CPU time of the runs. The
figure is written by hand in benchmarks/RESULTS.md ("Extraction speed"), with the machine's load, which moves it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

WARM_UPS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--shared", type=Path, default=None, help="the shared data folder (default: found)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the goal is stated
    from benchmarks.note_quality import CORPORA, fifteen_minutes
    from knowledge.corpora import find_data, read_records
    from knowledge.extract import Extractor

    transcript = fifteen_minutes(read_records(find_data(args.shared), CORPORA["aci-train"]))
    extractor = Extractor().load()
    for _ in range(WARM_UPS):
        extractor.extract(transcript)
    wall, cpu = [], []
    for _ in range(args.runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        extractor.extract(transcript)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    print(f"{len(transcript.segments)} turns, {len(transcript.text.split()):,} words, CPU {min(os.sched_getaffinity(0))}, "
          f"load average {os.getloadavg()[0]:.1f}: median of {args.runs} runs {statistics.median(wall):.3f} s "
          f"(min {min(wall):.3f}, max {max(wall):.3f}); CPU time, median {statistics.median(cpu):.3f} s")


if __name__ == "__main__":
    main()
