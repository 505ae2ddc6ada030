"""Render a scripted consultation (`Speaker: text` lines) to speech with espeak-ng and sox.

Each role gets its own voice; turns are joined with short pauses. The output
is 16 kHz mono in the format of the file's extension (wav, flac, ogg), and a
JSON reference (turn texts, roles and times) is written beside it when asked.

    python -m scripts.render_consultation consultation.txt out.wav [--reference out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nlp.transcript_io import parse_text

VOICES = {"clinician": "en-us+m3", "patient": "en-us+f3", "other": "en-us+m5"}
WORDS_PER_MINUTE = 160
PAUSE_S = 0.5
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class RenderedTurn:
    speaker: str
    text: str
    start: float
    end: float


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, capture_output=True)


def _duration(path: Path) -> float:
    out = subprocess.run(["soxi", "-D", str(path)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def render(script: str, out_path: Path, voices: dict[str, str] | None = None,
           speed: int = WORDS_PER_MINUTE) -> list[RenderedTurn]:
    """Speak each turn with its role's voice and join them; returns each turn's time span."""
    voices = {**VOICES, **(voices or {})}
    transcript = parse_text(script)
    turns: list[RenderedTurn] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        pieces: list[Path] = []
        silence = tmpdir / "pause.wav"
        _run(["sox", "-R", "-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(silence), "trim", "0", str(PAUSE_S)])
        clock = 0.0
        for segment in transcript.segments:
            raw = tmpdir / f"turn{segment.id}.raw.wav"
            wav = tmpdir / f"turn{segment.id}.wav"
            _run(["espeak-ng", "-v", voices[segment.speaker], "-s", str(speed), "-w", str(raw), segment.text])
            _run(["sox", "-R", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(wav)])
            length = _duration(wav)
            turns.append(RenderedTurn(segment.speaker, segment.text, round(clock, 3), round(clock + length, 3)))
            clock += length + PAUSE_S
            pieces += [wav, silence]
        out_path.parent.mkdir(parents=True, exist_ok=True)
        _run(["sox", "-R", "-D", *map(str, pieces), "-r", str(SAMPLE_RATE), "-c", "1", str(out_path)])
    return turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", type=Path, help="consultation text, one 'Speaker: text' line per turn")
    parser.add_argument("out", type=Path, help="audio file to write (.wav, .flac, .ogg)")
    parser.add_argument("--reference", type=Path, help="also write the turns with their times as JSON")
    parser.add_argument("--speed", type=int, default=WORDS_PER_MINUTE, help="words per minute")
    args = parser.parse_args()
    turns = render(args.script.read_text(encoding="utf-8"), args.out, speed=args.speed)
    if args.reference:
        args.reference.write_text(json.dumps([turn.__dict__ for turn in turns], indent=2))


if __name__ == "__main__":
    main()
