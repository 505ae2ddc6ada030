"""Test media made at test time: speech (espeak-ng), tones, noise and silence (sox), video (PyAV), and damaged or
lying files. Everything is written under a temporary directory and kept short (<= 2 s unless length is the point)."""

from __future__ import annotations

import io
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np

SPEECH = "Left calf cramps at night."


def sox(out: Path, *effects: str, rate: int = 16000, channels: int = 1, source: Path | None = None) -> bytes:
    """Run sox on `source` (or on nothing, `-n`, to synthesise) into `out`; its bytes."""
    head = [str(source)] if source else ["-n"]
    subprocess.run(["sox", *head, "-r", str(rate), "-c", str(channels), "-b", "16", str(out), *effects],
                   check=True, capture_output=True, timeout=60)
    return out.read_bytes()


def speech(tmp: Path, rate: int = 16000, channels: int = 1, text: str = SPEECH) -> bytes:
    """`text` spoken by espeak-ng, resampled to `rate`, copied onto `channels` channels (WAV)."""
    voice = tmp / "espeak.wav"
    if not voice.exists():
        subprocess.run(["espeak-ng", "-s", "165", "-w", str(voice), text], check=True, capture_output=True,
                       timeout=60)
    return sox(tmp / f"speech-{rate}-{channels}.wav", rate=rate, channels=channels, source=voice)


def synth(tmp: Path, name: str, *effects: str, rate: int = 16000) -> bytes:
    return sox(tmp / name, *effects, rate=rate)


def flac_claiming(tmp: Path, seconds: float) -> bytes:
    """A real 1 s FLAC whose STREAMINFO says it holds `seconds` of audio: what a 3-hour file's header says."""
    data = bytearray(sox(tmp / "short.flac", "trim", "0", "1"))
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO is the first metadata block
    packed = int.from_bytes(data[18:26], "big")
    rate = packed >> 44
    packed = (packed & ~((1 << 36) - 1)) | int(seconds * rate)
    data[18:26] = packed.to_bytes(8, "big")
    return bytes(data)


def wav_header_only(tmp: Path) -> bytes:
    return speech(tmp)[:44]


def video(sound_samples: np.ndarray | None, seconds: float = 1.0) -> bytes:
    """An MP4 with an MPEG-4 video stream (a grey frame a 1/10 s) and, if given, 16 kHz mono samples as AAC."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        picture = output.add_stream("mpeg4", rate=10)
        picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        sound = output.add_stream("aac", rate=16000) if sound_samples is not None else None
        if sound is not None:
            sound.layout = "mono"
        for index in range(int(seconds * 10)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 128, dtype=np.uint8), format="rgb24")
            frame.pts = index
            for packet in picture.encode(frame):
                output.mux(packet)
        for packet in picture.encode(None):
            output.mux(packet)
        if sound is not None:
            size = sound.codec_context.frame_size or 1024
            samples = np.pad(sound_samples.astype(np.float32), (0, size))
            for start in range(0, len(samples) - size, size):
                frame = av.AudioFrame.from_ndarray(samples[start:start + size].reshape(1, -1), format="fltp",
                                                   layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = 16000, start, Fraction(1, 16000)
                for packet in sound.encode(frame):
                    output.mux(packet)
            for packet in sound.encode(None):
                output.mux(packet)
    return buffer.getvalue()


def corrupt_middle(data: bytes, keep: int = 64) -> bytes:
    """The same file with everything after its first `keep` bytes overwritten by a fixed pseudo-random pattern."""
    rng = np.random.default_rng(7)
    return data[:keep] + rng.integers(0, 256, len(data) - keep, dtype=np.uint8).tobytes()


def riff_garbage() -> bytes:
    return b"RIFF" + struct.pack("<I", 4000) + b"WAVE" + b"definitely not audio" * 50
