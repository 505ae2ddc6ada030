"""Long recordings: peak memory and time to transcribe a rendered 60-minute consultation, with progress.

    .venv/bin/python -m benchmarks.long_audio [--minutes 60] [--model tiny.en] [--windows 300 100000]
                                              [--out benchmarks/RESULTS.md]

The two-voice consultations of tests/data/consultations are rendered with espeak-ng
(scripts/render_consultation.py) and joined, with 3 s pauses, until the recording is `--minutes` long
(a FLAC file, so decoding works as on an upload). Each `--windows` value (SOAPSCRIBE_ASR_WINDOW_SECONDS)
is run in a fresh process through `Scribe.transcribe`, the path of the job worker (decode, Whisper,
correction, diarization, sentences), which reports its own peak resident memory (ru_maxrss), wall
time and progress reports. A window longer than the recording is the old behaviour: one array for the
whole recording handed to faster-whisper. Writes the `long_audio` section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.results import RESULTS, write_section
from scripts.render_consultation import render

ROOT = Path(__file__).resolve().parents[1]
CONSULTATIONS = ROOT / "tests" / "data" / "consultations"
PAUSE_S = 3.0


def render_long(out: Path, minutes: float, tmp: Path) -> float:
    """A `minutes`-long recording made of the rendered consultations, repeated; returns its duration."""
    pieces = []
    for path in sorted(CONSULTATIONS.glob("*.txt")):
        wav = tmp / f"{path.stem}.wav"
        render(path.read_text(encoding="utf-8"), wav, speed=140)
        pieces.append(wav)
    pause = tmp / "pause.wav"
    subprocess.run(["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(pause), "trim", "0", str(PAUSE_S)],
                   check=True)
    lengths = [float(subprocess.run(["soxi", "-D", str(p)], check=True, capture_output=True, text=True).stdout)
               for p in pieces]
    order, total = [], 0.0
    while total < minutes * 60:
        for piece, length in zip(pieces, lengths):
            order += [piece, pause]
            total += length + PAUSE_S
            if total >= minutes * 60:
                break
    subprocess.run(["sox", *map(str, order), str(out), "trim", "0", str(minutes * 60)], check=True)
    return minutes * 60


def child(audio: Path, model: str, window: float, models_dir: Path) -> None:
    """Run in a fresh process: transcribe and print one JSON line of measurements."""
    from nlp.asr.base import AsrProgress
    from service.scribe import Scribe
    from service.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        scribe = Scribe(Settings(data_dir=Path(tmp), models_dir=models_dir, asr_model=model,
                                 asr_window_seconds=window))
        reports: list[float] = []
        rss_while_recognising: list[float] = []

        def on_progress(progress: AsrProgress) -> None:
            reports.append(progress.fraction)
            rss_while_recognising.append(_rss_mb())

        started = time.perf_counter()
        transcript = scribe.transcribe(audio, on_progress=on_progress)
        seconds = time.perf_counter() - started
    words = [word for segment in transcript.segments for word in segment.words]
    print(json.dumps({
        "window": window, "seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # Sampled at each progress report, i.e. while Whisper runs (diarization comes after the last one).
        "recognising_rss_mb": max(rss_while_recognising[:-1] or [0.0]),
        "duration": transcript.duration, "segments": len(transcript.segments), "words": len(words),
        "voices": sorted({s.voice for s in transcript.segments if s.voice}),
        "last_word_end": max((w.end for w in words), default=0.0),
        "progress_reports": len(reports), "progress_monotonic": reports == sorted(reports),
        "progress_before_end": max((r for r in reports[:-1]), default=0.0)}))


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def report(rows: list[dict], minutes: float, model: str) -> str:
    lines = ["## Long recordings (issue 8)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, Python "
             f"{platform.python_version()}. `python -m benchmarks.long_audio`. A FLAC of the "
             "two-voice rendered consultations (espeak-ng, 140 wpm, 3 s pauses), `Scribe.transcribe` with "
             f"faster-whisper {model} int8 with the service's defaults (hotwords and the skipped-speech refill), "
             "correction and diarization `auto`, each run in a "
             "fresh process; peak RSS = the process's ru_maxrss (models included). A window longer than the "
             "recording is the behaviour before windowing (one array for the whole recording). RSS while recognising = "
             "the largest VmRSS at a progress report before the last (Whisper running; diarization follows). "
             f"2-core machine, load average {os.getloadavg()[0]:.1f} when written: times are indicative.", "",
             "| recording (min) | window (s) | peak RSS (MB) | RSS while recognising (MB) | wall time (s) | x real time | segments | words | voices | "
             "last word ends (s) | progress reports (monotonic) | progress before the end |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        length = row["duration"]
        label = f"{row['window']:g}" if row["window"] < length else f"{row['window']:g} (one window)"
        recognising = f"{row['recognising_rss_mb']:.0f}" if row.get("recognising_rss_mb") else "not measured"
        lines.append(f"| {length / 60:g} | {label} | {row['peak_rss_mb']:.0f} | {recognising} | {row['seconds']:.0f} | "
                     f"{row['seconds'] / length:.2f} | {row['segments']} | {row['words']} | "
                     f"{', '.join(row['voices'])} | {row['last_word_end']:.0f} | {row['progress_reports']} "
                     f"({'yes' if row['progress_monotonic'] else 'no'}) | {row['progress_before_end']:.0%} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--windows", type=float, nargs="+", default=[300.0, 100_000.0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--audio", type=Path, help="use this recording instead of rendering one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=Path, help="report these JSON lines (earlier child results) instead")
    parser.add_argument("--note", help="a remark printed under the table (with --rows)")
    args = parser.parse_args()
    models_dir = ROOT / "var" / "models"
    if args.child:
        child(args.audio, args.model, args.windows[0], models_dir)
        return
    if args.rows is not None:
        rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines() if line.strip()]
        write_section(args.out, "long_audio", report(rows, args.minutes, args.model) + (f"\n{args.note}\n" if args.note else ""))
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        audio = args.audio
        if audio is None:
            audio = tmp / "long.flac"
            render_long(audio, args.minutes, tmp)
            print(f"rendered {args.minutes:g} min: {audio.stat().st_size / 1e6:.0f} MB", flush=True)
        rows = []
        for window in args.windows:
            done = subprocess.run([sys.executable, "-m", "benchmarks.long_audio", "--child", "--audio", str(audio),
                                   "--model", args.model, "--windows", str(window)],
                                  check=True, capture_output=True, text=True, cwd=ROOT)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    section = report(rows, args.minutes, args.model)
    write_section(args.out, "long_audio", section)
    print(section)


if __name__ == "__main__":
    main()
