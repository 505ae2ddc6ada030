"""Decoding any common container/codec to 16 kHz mono float32 with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from nlp.audio import AudioDecodeError, decode, probe

# (file extension, container format, codec, sample format)
FORMATS = [
    ("wav", "wav", "pcm_s16le", "s16"),
    ("flac", "flac", "flac", "s16"),
    ("mp3", "mp3", "libmp3lame", "fltp"),
    ("m4a", "ipod", "aac", "fltp"),
    ("ogg", "ogg", "libopus", "s16"),
    ("webm", "webm", "libopus", "s16"),
]


def encode_tone(path: Path, container_format: str, codec: str, sample_format: str, *, rate: int = 44_100,
                channels: int = 2, seconds: float = 2.0) -> None:
    """Write a 440 Hz tone with PyAV, so the test owns its input instead of shipping binaries."""
    if codec == "libopus":
        rate = 48_000
    layout = "stereo" if channels == 2 else "mono"
    t = np.arange(int(rate * seconds)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        resampler = av.AudioResampler(format=sample_format, layout=layout, rate=rate)
        frame_size = 1024
        for start in range(0, len(tone), frame_size):
            # Packed float frames interleave the channels: L R L R ...
            chunk = np.repeat(tone[start:start + frame_size], channels).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for out in resampler.resample(frame):
                for packet in stream.encode(out):
                    container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


@pytest.mark.parametrize(("ext", "container_format", "codec", "sample_format"), FORMATS)
def test_common_formats_decode_to_16k_mono_float32(tmp_path: Path, ext: str, container_format: str, codec: str,
                                                   sample_format: str) -> None:
    path = tmp_path / f"tone.{ext}"
    encode_tone(path, container_format, codec, sample_format)
    samples = decode(path)
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert abs(len(samples) / 16_000 - 2.0) < 0.1
    # The tone survives: its energy is at 440 Hz.
    spectrum = np.abs(np.fft.rfft(samples[:16_000]))
    assert abs(np.argmax(spectrum) - 440) <= 2


def test_probe_reports_the_duration(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    encode_tone(path, "wav", "pcm_s16le", "s16", seconds=3.0)
    assert abs(probe(path) - 3.0) < 0.05


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not a readable audio file"),
    (b"this is not audio at all" * 10, "not a readable audio file"),
    (b"\x00\x01\x02\x03" * 512, "not a readable audio file"),
])
def test_garbage_is_refused_with_a_reason(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "recording.wav"
    path.write_bytes(content)
    with pytest.raises(AudioDecodeError, match=message):
        decode(path)


def test_the_error_does_not_repeat_the_file_path(tmp_path: Path) -> None:
    path = tmp_path / "Jane_Doe_1970-01-01.wav"
    path.write_bytes(b"not audio")
    with pytest.raises(AudioDecodeError) as excinfo:
        decode(path)
    assert "Jane_Doe" not in str(excinfo.value)


def test_a_truncated_file_gives_what_was_decodable(tmp_path: Path) -> None:
    path = tmp_path / "tone.flac"
    encode_tone(path, "flac", "flac", "s16", seconds=4.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    samples = decode(path)
    assert 0.5 < len(samples) / 16_000 < 4.0
