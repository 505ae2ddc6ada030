"""Render a scripted consultation (`Speaker: text` lines) to speech with espeak-ng and sox.

Each speaker label gets its own voice (the clinician, the patient, then distinct voices for anyone
else, such as a relative); turns are joined with short pauses. The output is 16 kHz in the format of
the file's extension (wav, flac, ogg): mono, or with `--stereo` the clinician on the left channel and
everyone else on the right (with a little cross-talk, as a headset picks up). `--noise` mixes in white
noise and `--tempo` speeds the whole recording up or down (sox `tempo`, pitch kept). The ground truth,
each turn's speaker label, role, text and times, is written as JSON beside it when asked. Rendering is
deterministic (sox `-R`), so a benchmark can be re-run on the same audio.

    python -m scripts.render_consultation consultation.txt out.wav [--reference out.json]
        [--speed WPM] [--stereo] [--noise 0.02] [--tempo 1.2]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from nlp.transcript_io import role_for_label

VOICES = {"clinician": "en-us+m3", "patient": "en-us+f3", "other": "en+Andy"}
# For a second clinician, a relative, ...: chosen as far from the others as resemblyzer hears them.
EXTRA_VOICES = ("en+grandma", "en-us+klatt", "en-us+f5")
WORDS_PER_MINUTE = 160
PAUSE_S = 0.5
SAMPLE_RATE = 16_000
CROSSTALK = 0.05  # the other channel's speaker, about 26 dB down, in a stereo recording
_LINE = re.compile(r"^\s*(?P<label>[A-Za-z][\w .'-]{0,40}?)\s*:\s*(?P<text>.*)$")


@dataclass(frozen=True)
class RenderedTurn:
    speaker: str  # the role: clinician, patient or other
    text: str
    start: float
    end: float
    label: str = ""  # the script's speaker label ("Doctor", "Daughter"): who spoke, for diarization scoring


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, capture_output=True)


def _duration(path: Path) -> float:
    out = subprocess.run(["soxi", "-D", str(path)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def script_turns(script: str) -> list[tuple[str, str]]:
    """(speaker label, text) per turn; a line without a label continues the previous turn."""
    turns: list[tuple[str, str]] = []
    for line in script.splitlines():
        match = _LINE.match(line)
        if match:
            turns.append((match["label"].strip(), match["text"].strip()))
        elif line.strip() and turns:
            turns[-1] = (turns[-1][0], f"{turns[-1][1]} {line.strip()}")
    return [(label, text) for label, text in turns if text]


def voice_by_label(labels: list[str], voices: dict[str, str]) -> dict[str, str]:
    """The first label of each role gets that role's voice; every further label a distinct extra voice."""
    chosen: dict[str, str] = {}
    spare = list(EXTRA_VOICES)
    for label in labels:
        if label in chosen:
            continue
        voice = voices[role_for_label(label)]
        chosen[label] = voice if voice not in chosen.values() else spare.pop(0)
    return chosen


def render(script: str, out_path: Path, voices: dict[str, str] | None = None, speed: int = WORDS_PER_MINUTE, *,
           stereo: bool = False, noise: float = 0.0, tempo: float = 1.0) -> list[RenderedTurn]:
    """Speak each turn with its speaker's voice and join them; returns each turn's time span in the output."""
    turns = script_turns(script)
    by_label = voice_by_label([label for label, _ in turns], {**VOICES, **(voices or {})})
    rendered: list[RenderedTurn] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        silence = tmpdir / "pause.wav"
        _run(["sox", "-R", "-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(silence), "trim", "0", str(PAUSE_S)])
        left: list[Path] = []   # the clinician's channel (the only one when mono)
        right: list[Path] = []  # everyone else's
        clock = 0.0
        for index, (label, text) in enumerate(turns):
            raw, wav, quiet = (tmpdir / f"turn{index}{suffix}.wav" for suffix in (".raw", "", ".quiet"))
            _run(["espeak-ng", "-v", by_label[label], "-s", str(speed), "-w", str(raw), text])
            _run(["sox", "-R", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(wav)])
            length = _duration(wav)
            role = role_for_label(label)
            rendered.append(RenderedTurn(role, text, round(clock / tempo, 3), round((clock + length) / tempo, 3), label))
            clock += length + PAUSE_S
            if stereo:
                _run(["sox", "-R", "-D", str(wav), str(quiet), "vol", str(CROSSTALK)])
                left += [wav if role == "clinician" else quiet, silence]
                right += [quiet if role == "clinician" else wav, silence]
            else:
                left += [wav, silence]
        speech = tmpdir / "speech.wav"
        if stereo:
            _join(left, tmpdir / "left.wav")
            _join(right, tmpdir / "right.wav")
            _run(["sox", "-R", "-D", "-M", str(tmpdir / "left.wav"), str(tmpdir / "right.wav"), str(speech)])
        else:
            _join(left, speech)
        if noise > 0:
            speech = _add_noise(speech, noise, channels=2 if stereo else 1, tmpdir=tmpdir)
        effects = ["tempo", "-s", str(tempo)] if tempo != 1.0 else []
        out_path.parent.mkdir(parents=True, exist_ok=True)
        _run(["sox", "-R", "-D", str(speech), "-r", str(SAMPLE_RATE), str(out_path), *effects])
    return rendered


def _join(pieces: list[Path], out: Path) -> None:
    _run(["sox", "-R", "-D", *map(str, pieces), "-r", str(SAMPLE_RATE), "-c", "1", str(out)])


def _add_noise(speech: Path, amplitude: float, channels: int, tmpdir: Path) -> Path:
    """White noise of `amplitude` (0.02 is about 25 dB below espeak-ng's speech) mixed into every channel."""
    noise, noisy = tmpdir / "noise.wav", tmpdir / "noisy.wav"
    _run(["sox", "-R", "-n", "-r", str(SAMPLE_RATE), "-c", str(channels), "-b", "16", str(noise),
          "synth", str(_duration(speech)), "whitenoise", "vol", str(amplitude)])
    _run(["sox", "-R", "-D", "-m", str(speech), str(noise), str(noisy)])
    return noisy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", type=Path, help="consultation text, one 'Speaker: text' line per turn")
    parser.add_argument("out", type=Path, help="audio file to write (.wav, .flac, .ogg)")
    parser.add_argument("--reference", type=Path, help="also write the turns (label, role, text, times) as JSON")
    parser.add_argument("--speed", type=int, default=WORDS_PER_MINUTE, help="words per minute")
    parser.add_argument("--stereo", action="store_true", help="clinician left, everyone else right")
    parser.add_argument("--noise", type=float, default=0.0, help="white-noise amplitude to mix in (e.g. 0.02)")
    parser.add_argument("--tempo", type=float, default=1.0, help="play the recording this much faster (sox tempo)")
    args = parser.parse_args()
    turns = render(args.script.read_text(encoding="utf-8"), args.out, speed=args.speed, stereo=args.stereo,
                   noise=args.noise, tempo=args.tempo)
    if args.reference:
        args.reference.write_text(json.dumps([asdict(turn) for turn in turns], indent=2))


if __name__ == "__main__":
    main()
