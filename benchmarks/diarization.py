"""Diarization benchmark: diarization error rate and role accuracy on rendered consultations.

    .venv/bin/python -m benchmarks.diarization [--out benchmarks/RESULTS.md] [--limit N]

Each scripted consultation is rendered by scripts/render_consultation.py with a distinct espeak-ng
voice per speaker (two voices for tests/data/consultations, three for tests/data/diarization), as mono,
as stereo (clinician left), with white noise and sped up, and run through `Scribe.transcribe`
(faster-whisper tiny.en with the service's default vocabulary biasing, then diarization as configured). DER and role
accuracy are defined in nlp/diarize/metrics.py (frame-based, 0.25 s collar, no overlap).
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.results import RESULTS, write_section
from nlp.diarize.metrics import Turn, diarization_error, role_accuracy
from scripts.render_consultation import render
from service.scribe import Scribe
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TWO_VOICES = ROOT / "tests" / "data" / "consultations"
THREE_VOICES = ROOT / "tests" / "data" / "diarization"
CONDITIONS = {  # name: (folder, render options)
    "2 voices, mono": (TWO_VOICES, {}),
    "2 voices, stereo (one a channel)": (TWO_VOICES, {"stereo": True}),
    "2 voices, white noise 0.02": (TWO_VOICES, {"noise": 0.02}),
    "2 voices, tempo x1.25": (TWO_VOICES, {"tempo": 1.25}),
    "2 voices, 190 wpm": (TWO_VOICES, {"speed": 190}),
    "3 voices, mono": (THREE_VOICES, {}),
    "3 voices, white noise 0.02": (THREE_VOICES, {"noise": 0.02}),
}


@dataclass
class Row:
    condition: str
    files: int
    audio_s: float
    scored_s: float
    missed_s: float
    false_alarm_s: float
    confusion_s: float
    speakers_right: int
    role_words: int
    role_right: int
    wall_s: float

    @property
    def der(self) -> float:
        return (self.missed_s + self.false_alarm_s + self.confusion_s) / self.scored_s

    @property
    def role_accuracy(self) -> float:
        return self.role_right / self.role_words if self.role_words else 0.0


def measure(scribe: Scribe, tmp: Path, limit: int | None) -> list[Row]:
    rows = []
    for condition, (folder, options) in CONDITIONS.items():
        scripts = sorted(folder.glob("*.txt"))[:limit]
        row = Row(condition, len(scripts), 0, 0, 0, 0, 0, 0, 0, 0, 0)
        for path in scripts:
            audio = tmp / f"{path.stem}.wav"
            turns = render(path.read_text(encoding="utf-8"), audio, **{"speed": 140, **options})
            started = time.perf_counter()
            transcript = scribe.transcribe(audio)
            row.wall_s += time.perf_counter() - started
            row.audio_s += transcript.duration or 0.0
            error = diarization_error([Turn(turn.label, turn.start, turn.end) for turn in turns],
                                      [Turn(s.voice, s.start, s.end) for s in transcript.segments
                                       if s.voice is not None and s.start is not None and s.end is not None])
            row.scored_s += error.scored
            row.missed_s += error.missed
            row.false_alarm_s += error.false_alarm
            row.confusion_s += error.confusion
            row.speakers_right += len({s.voice for s in transcript.segments if s.voice}) == len({t.label for t in turns})
            words = [(w.start, w.end, s.speaker) for s in transcript.segments for w in s.words]
            row.role_words += len(words)
            row.role_right += round(role_accuracy([Turn(t.speaker, t.start, t.end) for t in turns], words) * len(words))
        rows.append(row)
        print(f"{condition}: DER {row.der:.3f}, roles {row.role_accuracy:.3f}", flush=True)
    return rows


def report(rows: list[Row], settings: Settings) -> str:
    lines = ["## Diarization and speaker roles (issue 8)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, Python "
             f"{platform.python_version()}. `python -m benchmarks.diarization`. ASR: {settings.asr_backend} "
             f"{settings.asr_model} with the service's defaults ({_biasing(settings)}, "
             f"{settings.asr_window_seconds:g} s windows); diarization `{settings.diarization}` "
             f"(voices: resemblyzer d-vectors on <= 2 s chunks cut at pauses, average-linkage clustering at cosine "
             f"distance {settings.diarization_threshold}, {settings.diarization_min_speakers}-"
             f"{settings.diarization_max_speakers} speakers; stereo: louder channel per word).", "",
             "Rendered with `scripts/render_consultation.py` (espeak-ng voices en-us+m3 clinician, en-us+f3 "
             "patient, en+Andy / en+grandma for others; 140 wpm unless said). DER: frame-based (10 ms), "
             "missed + false alarm + confusion over scored reference speech, 0.25 s collar, hypothesis voices "
             "mapped one-to-one to reference speakers. Missed speech is mostly words Whisper did not recognise "
             "(its word times bound the hypothesis). Role accuracy: share of recognised words whose role "
             "(clinician/patient/other) is that of the reference turn they fall in.", "",
             "| condition | files | audio (s) | DER | missed | false alarm | confusion | speaker count right "
             "| role accuracy (words) | transcribe RTF |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.condition} | {r.files} | {r.audio_s:.0f} | {r.der:.1%} | {r.missed_s / r.scored_s:.1%} "
                     f"| {r.false_alarm_s / r.scored_s:.1%} | {r.confusion_s / r.scored_s:.1%} | "
                     f"{r.speakers_right}/{r.files} | {r.role_accuracy:.1%} ({r.role_right}/{r.role_words}) | "
                     f"{r.wall_s / r.audio_s:.2f} |")
    return "\n".join(lines) + "\n"


def _biasing(settings: Settings) -> str:
    steps = [name for name, on in (("hotwords", settings.asr_vocabulary_hotwords),
                                   ("vocabulary prompt", settings.asr_vocabulary_prompt)) if on]
    return " and ".join(steps) or "no vocabulary biasing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--limit", type=int, default=None, help="at most this many consultations per condition")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        settings = Settings(data_dir=tmp / "var", models_dir=ROOT / "var" / "models")
        rows = measure(Scribe(settings), tmp, args.limit)
    section = report(rows, settings)
    write_section(args.out, "diarization", section)
    print(section)


if __name__ == "__main__":
    main()
