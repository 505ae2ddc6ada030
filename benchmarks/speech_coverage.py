"""Speech coverage: the words recognised with the vocabulary against those recognised without it (issue 17).

    .venv/bin/python -m benchmarks.speech_coverage [--out benchmarks/RESULTS.md] [--cache DIR]

Every rendered consultation the tests and benchmarks use: the scripts of tests/data/consultations and
tests/data/plan_consultations (whose last sentences are the plan) spoken by espeak-ng at 140 words a minute
(the tests' `rendered` fixture, benchmarks.asr) and 160 (the renderer's default, benchmarks.pipeline), and
the noisy 1-minute cut of tests/nlp/asr/test_coverage.py. Each is recognised as the service does it
(`transcribe_windows`, 60 s windows, VAD, tiny.en) without any vocabulary, with the default vocabulary
(hotwords) as Whisper returns it, and with the default vocabulary after the coverage repair (speech left
without words and the words Whisper doubted recognised again without the vocabulary, `nlp.asr.coverage`).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import jiwer
import numpy as np

from benchmarks.results import RESULTS, write_section
from nlp.asr.base import SAMPLE_RATE, AsrBackend, DecodeOptions
from nlp.asr.coverage import MIN_GAP_S, skipped
from nlp.asr.coverage import speech_spans as vad_spans
from nlp.asr.registry import load_backend
from nlp.asr.windows import transcribe_windows
from nlp.audio import AudioWindow, _quietest, decode
from nlp.transcript_io import parse_text
from nlp.types import Segment
from scripts.render_consultation import render
from service.scribe import Scribe
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SCRIPT_DIRS = (ROOT / "tests" / "data" / "consultations", ROOT / "tests" / "data" / "plan_consultations")
SPEEDS = (140, 160)
WINDOW_S = 60.0
TARGET_SHARE = 0.98


@dataclass(frozen=True)
class Clip:
    name: str
    samples: np.ndarray
    reference: str  # what was said, for counting the words heard right


@dataclass(frozen=True)
class Heard:
    words: int  # words recognised
    heard: int  # words of the script aligned to a recognised word, right or misheard (not deleted)
    right: int  # of those, heard right (alignment hits)
    bare_s: float  # the longest detected speech with no plausibly timed word


@dataclass(frozen=True)
class Row:
    clip: str
    seconds: float
    plain: Heard
    biased: Heard
    repaired: Heard
    wall_biased_s: float
    wall_repaired_s: float


ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def normalise(text: str) -> str:
    """Lower case, no punctuation, numbers in words: the scripts spell numbers out, and Whisper writes them either
    way ("100" or "one hundred", "1,000" or "one thousand"), which is no word more or less heard."""
    text = re.sub(r"(?<![a-z0-9])\d[\d,]*(\.\d+)?(?![a-z0-9])", lambda number: spoken(number.group()),
                  text.lower())
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", text)).strip()


def spoken(number: str) -> str:
    """A number as said ("4.2": "four point two"); digits left as they are past 999,999."""
    whole, _, decimals = number.replace(",", "").partition(".")
    value = int(whole)
    if value > 999_999:
        return number
    words = [*_hundreds(value // 1000), "thousand", *_hundreds(value % 1000)] if value >= 1000 \
        else _hundreds(value) or ["zero"]
    if decimals:
        words += ["point", *(ONES[int(digit)] for digit in decimals)]
    return " ".join(word for word in words if word)


def _hundreds(value: int) -> list[str]:
    words = [ONES[value // 100], "hundred"] if value >= 100 else []
    rest = value % 100
    if rest >= 20:
        words += [TENS[rest // 10], ONES[rest % 10] if rest % 10 else ""]
    elif rest:
        words.append(ONES[rest])
    return words


def said(script: str) -> str:
    return " ".join(segment.text for segment in parse_text(script).segments)


def rendered_scripts(cache: Path) -> list[tuple[Path, int, Path]]:
    """(script, words a minute, audio) for each script of SCRIPT_DIRS at each of SPEEDS, rendered once into `cache`
    (rendering is deterministic)."""
    cache.mkdir(parents=True, exist_ok=True)
    found = []
    for folder in SCRIPT_DIRS:
        for path in sorted(folder.glob("*.txt")):
            for speed in SPEEDS:
                wav = cache / f"{path.stem}-{speed}.wav"
                if not wav.is_file():
                    render(path.read_text(encoding="utf-8"), wav, speed=speed)
                found.append((path, speed, wav))
    return found


def clips(cache: Path) -> list[Clip]:
    """Every rendered consultation, rendered once into `cache`."""
    found = [Clip(f"{path.stem} ({speed})", decode(wav), said(path.read_text(encoding="utf-8")))
             for path, speed, wav in rendered_scripts(cache)]
    return [*found, minute_cut(cache)]


def minute_cut(cache: Path) -> Clip:
    """tests/nlp/asr/test_coverage.py's audio: two consultations at 160 wpm one after the other, the first minute,
    over a -60 dBFS noise floor; its reference is the turns that start within the minute."""
    pieces, reference, offset = [], [], 0.0
    for name in ("asthma_inhaler_cramps", "bumetanide_spironolactone"):
        wav = cache / f"minute-{name}.wav"
        turns = render((SCRIPT_DIRS[0] / f"{name}.txt").read_text(encoding="utf-8"), wav)
        reference += [turn.text for turn in turns if offset + turn.start < 60]
        pieces.append(decode(wav))
        offset += pieces[-1].shape[0] / SAMPLE_RATE
    audio = np.concatenate(pieces)[: 60 * SAMPLE_RATE]
    noise = np.random.default_rng(7).standard_normal(audio.shape[0]).astype(np.float32) * 10 ** (-60 / 20)
    return Clip("test_coverage minute cut (160)", audio + noise, " ".join(reference))


def heard(segments: list[Segment], clip: Clip, speech: list[tuple[float, float]]) -> Heard:
    hypothesis = normalise(" ".join(segment.text for segment in segments))
    reference = normalise(clip.reference)
    aligned = jiwer.process_words(reference, hypothesis) if hypothesis else None
    right = aligned.hits if aligned else 0
    heard_words = aligned.hits + aligned.substitutions if aligned else 0
    bare = max((end - start for start, end in skipped(speech, segments, min_gap_s=0.0)), default=0.0)
    return Heard(sum(len(segment.words) for segment in segments), heard_words, right, round(bare, 2))


def recognise(engine: AsrBackend, clip: Clip, options: DecodeOptions, repair: bool) -> tuple[list[Segment], float]:
    started = time.perf_counter()
    if repair:
        segments = list(transcribe_windows(engine, _windows(clip.samples), options))
    else:
        segments = list(engine.transcribe(clip.samples, options))
    return segments, time.perf_counter() - started


def _windows(samples: np.ndarray) -> list[AudioWindow]:
    """The clip cut as `decode_windows` would cut the file (the clips here are held in memory)."""
    size, search = int(WINDOW_S * SAMPLE_RATE), int(20 * SAMPLE_RATE)
    windows, offset = [], 0
    rest = samples[np.newaxis, :]
    while rest.shape[1] >= size:
        cut = _quietest(rest[:, size - search:size], SAMPLE_RATE) + size - search
        windows.append(AudioWindow(offset=offset / SAMPLE_RATE, samples=rest[:, :cut]))
        rest, offset = rest[:, cut:], offset + cut
    if rest.shape[1]:
        windows.append(AudioWindow(offset=offset / SAMPLE_RATE, samples=rest))
    return windows


def measure(engine: AsrBackend, options: DecodeOptions, cache: Path,
            progress: Callable[[str], None] = lambda _: None) -> list[Row]:
    plain_options = replace(options, hotwords=None, initial_prompt=None)
    rows = []
    for clip in clips(cache):
        speech = vad_spans(clip.samples)
        plain, _ = recognise(engine, clip, plain_options, repair=True)
        biased, wall_biased = recognise(engine, clip, options, repair=False)
        repaired, wall_repaired = recognise(engine, clip, options, repair=True)
        rows.append(Row(clip.name, round(clip.samples.shape[0] / SAMPLE_RATE, 1), heard(plain, clip, speech),
                        heard(biased, clip, speech), heard(repaired, clip, speech), wall_biased, wall_repaired))
        progress(f"{clip.name}: {rows[-1]}")
    return rows


def report(rows: list[Row], when: str) -> str:
    def share(row: Row, field: str) -> float:
        base = getattr(row.plain, field)
        return getattr(row.repaired, field) / base if base else 1.0

    worst_heard = min(rows, key=lambda row: share(row, "heard"))
    worst_right = min(rows, key=lambda row: share(row, "right"))
    worst_words = min(rows, key=lambda row: share(row, "words"))
    bare = [row for row in rows if row.repaired.bare_s >= MIN_GAP_S]
    before = [row for row in rows if row.biased.bare_s >= MIN_GAP_S]
    wall_biased = sum(row.wall_biased_s for row in rows)
    wall_repaired = sum(row.wall_repaired_s for row in rows)
    lines = [
        "## Speech coverage under the vocabulary (issue 17)", "",
        f"Measured {when} UTC on {platform.node()} ({len(os.sched_getaffinity(0))} cores). "
        "`python -m benchmarks.speech_coverage`. faster-whisper tiny.en int8, greedy, VAD on, 60 s windows. "
        "Clips: the 13 scripts of tests/data/consultations and the 3 of tests/data/plan_consultations (the plan "
        "said last), espeak-ng at 140 and 160 words a minute, and the noisy 1-minute cut of "
        "tests/nlp/asr/test_coverage.py. *words*: words recognised; *heard*: words of the script that the "
        "alignment with the transcript (after lower-casing and stripping punctuation) gives a recognised word, "
        "right or misheard, i.e. not deleted: the speech not lost, which does not count a drug name heard as "
        "one word with the vocabulary and as three without as a difference (numbers are counted as said: '100' is "
        "'one hundred'); *right*: of those, heard right; *bare*: the "
        "longest detected speech (Silero VAD) that no plausibly timed word covers (0.5 s either side of a word, "
        "at most 1.5 s per word, stacked words not counted).", "",
        "| clip | s | no vocabulary: words / heard / right / bare s | hotwords as Whisper returns them | "
        "hotwords, repaired (default) | default / none (heard) |",
        "|---|---|---|---|---|---|"]
    for row in rows:
        cells = [f"{h.words} / {h.heard} / {h.right} / {h.bare_s:.1f}" for h in (row.plain, row.biased, row.repaired)]
        lines.append(f"| {row.clip} | {row.seconds:.0f} | {' | '.join(cells)} | {share(row, 'heard'):.1%} |")
    lines += [
        "",
        f"- Words of the script heard, default against no vocabulary: at worst "
        f"{worst_heard.repaired.heard} against {worst_heard.plain.heard} ({share(worst_heard, 'heard'):.1%}, "
        f"{worst_heard.clip}); target >= {TARGET_SHARE:.0%}: "
        f"{'met' if share(worst_heard, 'heard') >= TARGET_SHARE else 'NOT met'}. "
        f"Heard right: at worst {worst_right.repaired.right} against {worst_right.plain.right} "
        f"({share(worst_right, 'right'):.1%}, {worst_right.clip}). "
        f"Words recognised at all: at worst {worst_words.repaired.words} against {worst_words.plain.words} "
        f"({share(worst_words, 'words'):.1%}, {worst_words.clip}).",
        f"- Detected speech of {MIN_GAP_S:g} s or more without a word: {len(before)} clip(s) as Whisper returns "
        f"them with hotwords, {len(bare)} after the repair"
        + (f" ({', '.join(row.clip for row in bare)})" if bare else "") + ".",
        f"- Recognition time over all clips with hotwords: {wall_biased:.1f} s as Whisper returns them, "
        f"{wall_repaired:.1f} s with the check and the re-recognition ({wall_repaired / wall_biased - 1:+.0%}).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "speech_coverage",
                        help="rendered audio kept here between runs")
    parser.add_argument("--model", default="tiny.en")
    args = parser.parse_args()
    settings = Settings(data_dir=args.cache / "var", models_dir=ROOT / "var" / "models")
    scribe = Scribe(settings)
    engine = load_backend("faster-whisper", args.model, settings.model_cache_dir)
    rows = measure(engine, scribe.decode_options(), args.cache, progress=print)
    section = report(rows, f"{datetime.now(UTC):%Y-%m-%d %H:%M}")
    write_section(args.out, "speech_coverage", section)
    print(section)


if __name__ == "__main__":
    main()
