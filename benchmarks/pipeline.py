"""Where the time goes: `python -m benchmarks.pipeline [--minutes 10]`.

1. The whole pipeline, stage by stage, on one ~10-minute recording: the scripted consultations
   (tests/data/consultations) rendered with espeak-ng, joined with sox, cut at `--minutes`, with a
   -60 dBFS noise floor mixed in
   (cached under the temp dir, since rendering is deterministic). Stages run with the default
   settings (faster-whisper tiny.en int8, greedy, VAD on, vocabulary prompt and drug-name correction
   on, diarization "auto"), on both cores, each model loaded and warmed first. The speech stages are
   one `Scribe.transcribe`, which reports each stage's seconds (`StageTimes`); extraction, drafting,
   rendering and storage are the calls the worker makes after it.
2. The text path, pinned to one core (benchmarks.extraction's pinning): consultations per second
   through `extract` + `draft` for 15-minute transcripts, and the time against transcript length
   (1 to 60 minutes, built like benchmarks.extraction's transcript) with a least-squares line.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from benchmarks.extraction import TARGET_WORDS, _one_core, long_transcript
from benchmarks.results import RESULTS, write_section

ROOT = Path(__file__).resolve().parents[1]
CONSULTATIONS = ROOT / "tests" / "data" / "consultations"
CACHE = Path(tempfile.gettempdir()) / "soapscribe-bench"
WORDS_PER_MINUTE = TARGET_WORDS / 15  # benchmarks.extraction's 15-minute consultation
LENGTHS_MIN = (1, 5, 15, 30, 60)
LENGTH_RUNS = 3
THROUGHPUT_RUNS = 10
AFTER_ASR_GOAL = 0.02
NOISE_FLOOR = 0.001  # white noise, about 60 dB below full scale

T = TypeVar("T")


@dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    after_asr: bool  # runs once the words are known (the "everything after ASR")
    note: str = ""


def timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def _soxi_duration(path: Path) -> float:
    return float(subprocess.run(["soxi", "-D", str(path)], check=True, capture_output=True, text=True).stdout)


def consultation_audio(minutes: float) -> Path:
    """The scripted consultations rendered one after another (repeated if need be), cut at `minutes`."""
    from scripts.render_consultation import render

    out = CACHE / f"pipeline-{minutes:g}min-floor.wav"
    if out.is_file():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    pieces: list[Path] = []
    for script in sorted(CONSULTATIONS.glob("*.txt")):
        piece = CACHE / f"consultation-{script.stem}.wav"
        if not piece.is_file():
            render(script.read_text(encoding="utf-8"), piece)
        pieces.append(piece)
    total = sum(_soxi_duration(piece) for piece in pieces)
    repeats = int(minutes * 60 // total) + 1
    joined, noise, partial = (out.with_suffix(suffix) for suffix in (".joined.wav", ".noise.wav", ".partial.wav"))
    subprocess.run(["sox", "-R", *map(str, pieces * repeats), str(joined), "trim", "0", str(minutes * 60)],
                   check=True, capture_output=True)
    # A microphone's noise floor: espeak-ng and sox pauses are exact zeros, which no real recording has
    # (they once crashed the voice encoder; nlp/diarize/voices.py now handles them).
    subprocess.run(["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(noise), "synth",
                    str(minutes * 60), "whitenoise", "vol", str(NOISE_FLOOR)], check=True, capture_output=True)
    subprocess.run(["sox", "-R", "-m", str(joined), str(noise), str(partial)], check=True, capture_output=True)
    partial.replace(out)
    joined.unlink()
    noise.unlink()
    return out


def stored_consultation(data_dir: Path) -> tuple[object, str]:
    """A fresh SQLite database (migrated) holding one tenant and one queued consultation."""
    from service.settings import Settings
    from service.store import consultations
    from service.store.db import create_schema, make_engine, session_scope
    from service.store.models import Tenant

    engine = make_engine(Settings(data_dir=data_dir))
    create_schema(engine)
    with session_scope(engine) as session:
        tenant = Tenant(name="bench")
        session.add(tenant)
        session.commit()
        consultation = consultations.create(session, tenant.id, transcript_json="{}")
    return engine, consultation.id


def whole_pipeline(audio: Path, data_dir: Path) -> tuple[list[Stage], dict[str, float], dict[str, object]]:
    """Per-stage seconds on `audio`; also the one-off load times and a few facts about the run."""
    import numpy as np
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from knowledge.render import render
    from nlp.audio import decode
    from nlp.diarize.voices import ResemblyzerEncoder
    from service.scribe import Scribe, StageTimes
    from service.settings import Settings
    from service.store import notes

    settings = Settings(data_dir=data_dir, models_dir=ROOT / "var" / "models")
    loads: dict[str, float] = {}
    encoder, loads["voice encoder"] = timed(ResemblyzerEncoder)
    scribe = Scribe(settings, voice_encoder=lambda: encoder)  # what the worker does: one encoder per process
    engine, loads["ASR model"] = timed(scribe.backend)
    _, loads["extractor + drafter + corrector"] = timed(lambda: (
        scribe.extractor().load(), scribe.corrector(), scribe.topic_vocabulary(),
        scribe.draft(long_transcript(200), scribe.extract(long_transcript(200)))))
    (db, consultation_id), loads["SQLite schema"] = timed(lambda: stored_consultation(data_dir))
    warm = decode(audio)[: 16_000 * 5]
    list(engine.transcribe(warm, scribe.decode_options()))
    get_speech_timestamps(warm, VadOptions())
    encoder.embed(warm)  # the first embedding pays torch's one-off set-up

    # The speech stages as the worker runs them: one Scribe.transcribe, which reports each stage's seconds.
    times = StageTimes()
    transcript, transcribe_s = timed(lambda: scribe.transcribe(audio, times=times))
    speech_s = times.seconds
    channels = np.atleast_2d(decode(audio, mono=False))
    samples = channels.mean(axis=0) if len(channels) > 1 else channels[0]
    speech, vad_s = timed(lambda: get_speech_timestamps(samples, VadOptions()))
    findings, extract_s = timed(lambda: scribe.extract(transcript))
    note, draft_s = timed(lambda: scribe.draft(transcript, findings))
    markdown, render_s = timed(lambda: render(note, "markdown", templates_dir=settings.templates_dir))
    _, store_s = timed(lambda: notes.save_draft(db, consultation_id, note.model_dump_json(), markdown))

    voices = {segment.voice for segment in transcript.segments if segment.voice}
    stages = [
        Stage("decode (ffmpeg via nlp.audio, window by window)", speech_s["decode"], False),
        Stage(f"ASR in {settings.asr_window_seconds:g} s windows, VAD and skipped-speech refill included "
              f"(faster-whisper {settings.asr_model} {settings.asr_compute_type}, greedy, "
              f"{'hotwords' if settings.asr_vocabulary_hotwords else 'no hotwords'})", speech_s["recognise"], False,
              f"of which VAD ≈ {vad_s:.2f} s (Silero, timed alone; run twice: by faster-whisper and by the refill check)"),
        Stage("drug-name correction", speech_s.get("correct", 0.0), True),
        Stage(f"diarization ({settings.diarization}: by voice, resemblyzer)", speech_s["diarize"], True,
              f"{len(voices)} voices found"),
        Stage("sentence splitting", speech_s["sentences"], True),
        Stage("extraction", extract_s, True, f"{len(findings.findings)} findings"),
        Stage("guidance + drafting", draft_s, True, f"{len(note.suggestions)} suggestions"),
        Stage("rendering (Markdown)", render_s, True),
        Stage("storage (note JSON + Markdown, SQLite via service.store.notes.save_draft)", store_s, True,
              "WAL, synchronous=FULL: fsync'd"),
    ]
    facts: dict[str, object] = {
        "audio_s": transcript.duration or 0.0, "speech_regions": len(speech),
        "words": sum(len(segment.words) for segment in transcript.segments),
        "sentences": len(transcript.segments), "transcribe_s": transcribe_s,
    }
    return stages, loads, facts


def text_path() -> tuple[dict[str, float], list[tuple[int, int, float]]]:
    """extract + draft on one core: throughput at 15 minutes, and median time per transcript length."""
    from service.scribe import Scribe
    from service.settings import Settings

    scribe = Scribe(Settings())
    scribe.extractor().load()

    def once(transcript) -> float:  # noqa: ANN001
        return timed(lambda: scribe.draft(transcript, scribe.extract(transcript)))[1]

    fifteen = long_transcript()
    once(fifteen)  # warm-up
    times = [once(fifteen) for _ in range(THROUGHPUT_RUNS)]
    throughput = {"words": sum(len(segment.text.split()) for segment in fifteen.segments),
                  "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}
    lengths = []
    for minutes in LENGTHS_MIN:
        transcript = long_transcript(round(minutes * WORDS_PER_MINUTE))
        words = sum(len(segment.text.split()) for segment in transcript.segments)
        lengths.append((minutes, words, statistics.median(once(transcript) for _ in range(LENGTH_RUNS))))
    return throughput, lengths


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least-squares slope, intercept and R² of ys against xs."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    intercept = mean_y - slope * mean_x
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    total = sum((y - mean_y) ** 2 for y in ys)
    return slope, intercept, 1 - residual / total if total else 1.0


def report(stages: list[Stage], loads: dict[str, float], facts: dict[str, object], pinning: str,
           throughput: dict[str, float], lengths: list[tuple[int, int, float]], load_average: float) -> str:
    total = sum(stage.seconds for stage in stages)
    audio_s = float(facts["audio_s"])  # type: ignore[arg-type]
    after_asr = sum(stage.seconds for stage in stages if stage.after_asr)
    text_stages = {"extraction", "guidance + drafting", "rendering (Markdown)"}
    after_text = sum(stage.seconds for stage in stages
                     if stage.name in text_stages or stage.name.startswith("storage"))
    rows = "\n".join(f"| {stage.name} | {stage.seconds:.3f} | {100 * stage.seconds / total:.2f} % | {stage.note} |"
                     for stage in stages)
    slope, intercept, r2 = linear_fit([words for _, words, _ in lengths], [s for _, _, s in lengths])
    per_1000 = [1000 * seconds / words for _, words, seconds in lengths]
    length_rows = "\n".join(f"| {minutes} | {words:,} | {seconds:.3f} | {1000 * seconds / words:.3f} |"
                            for minutes, words, seconds in lengths)
    shape = "linear, with a small fixed cost per consultation" if r2 >= 0.99 else "not clearly linear"
    holds = "holds" if after_asr / total < AFTER_ASR_GOAL else "does not hold"
    holds_text = "holds" if after_text / total < AFTER_ASR_GOAL else "does not hold"
    cps = 1 / throughput["median_s"]
    return f"""## Whole pipeline and text path (issue 9)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores,
load average {load_average:.1f} at the start), Python {platform.python_version()}. `python -m benchmarks.pipeline`.

### Per stage, one {audio_s / 60:.1f}-minute consultation (both cores)

The 13 scripted consultations rendered with espeak-ng (160 wpm, mono 16 kHz), joined with sox, cut at
{audio_s:.0f} s, with white noise {20 * math.log10(NOISE_FLOOR):.0f} dBFS mixed in as a noise floor: {facts["words"]:,} words, {facts["sentences"]} sentences,
{facts["speech_regions"]} speech region(s) found by the VAD alone. Default settings; models loaded and warmed first
(not in the table): {", ".join(f"{name} {seconds:.2f} s" for name, seconds in loads.items())}.

| stage | seconds | % of total | |
|---|---|---|---|
{rows}
| **total** | **{total:.2f}** | 100 % | RTF {total / audio_s:.3f} (goal ≤ 0.1) |

The speech stages are those of one `Scribe.transcribe` (decode to sentences), as its `StageTimes` reports
them: {sum(s.seconds for s in stages[:5]):.2f} s of the call's {facts["transcribe_s"]:.2f} s (the rest: probing the
file, joining the windows' audio, speaker roles). VAD runs inside faster-whisper's
`transcribe`, so it is counted in the ASR row; the VAD alone (Silero via
`faster_whisper.vad.get_speech_timestamps`, default options) is shown beside it and not added to the total.

Everything after ASR (correction, diarization, sentences, extraction, drafting, rendering, storage):
{after_asr:.2f} s, {100 * after_asr / total:.1f} % of the total: the goal "< 2 %" **{holds}**.
Without diarization and correction (extraction onward): {after_text:.3f} s, {100 * after_text / total:.2f} %:
**{holds_text}**.

### Text path: `extract` + `draft` on one core ({pinning})

15-minute transcripts (gold-corpus consultations joined as in `benchmarks.extraction`,
{throughput["words"]:,.0f} words): median {throughput["median_s"]:.3f} s over {THROUGHPUT_RUNS} runs
(min {throughput["min_s"]:.3f}, max {throughput["max_s"]:.3f}): **{cps:.1f} consultations/s** (goal ≥ 50).

Time against length ({WORDS_PER_MINUTE:.0f} words a minute; median of {LENGTH_RUNS}):

| minutes | words | extract + draft (s) | s per 1,000 words |
|---|---|---|---|
{length_rows}

Least squares: time = {1000 * slope:.3f} s per 1,000 words × words/1,000 {intercept:+.3f} s, R² = {r2:.4f}
(the time per 1,000 words goes from {per_1000[0]:.3f} s at {LENGTHS_MIN[0]} minute to {per_1000[-1]:.3f} s at
{LENGTHS_MIN[-1]} minutes: growth is {shape}).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the recording (default 10)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_average = os.getloadavg()[0]
    audio = consultation_audio(args.minutes)
    with tempfile.TemporaryDirectory() as tmp:
        stages, loads, facts = whole_pipeline(audio, Path(tmp) / "var")
    pinning = _one_core()
    throughput, lengths = text_path()
    body = report(stages, loads, facts, pinning, throughput, lengths, load_average)
    write_section(args.out, "pipeline", body)
    print(body, file=sys.stdout)


if __name__ == "__main__":
    main()
