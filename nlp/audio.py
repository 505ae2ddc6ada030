"""Decode any common audio container/codec to 16 kHz mono float32 with PyAV (no system ffmpeg)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from nlp.asr.base import SAMPLE_RATE


class AudioDecodeError(ValueError):
    """The input is not audio we can decode; the message says why."""


def decode(source: str | Path | BinaryIO, sample_rate: int = SAMPLE_RATE, *, mono: bool = True) -> np.ndarray:
    """Return the first audio stream of `source` as mono float32 samples at `sample_rate`.

    wav, mp3, m4a/aac, ogg/opus, webm, flac and anything else FFmpeg (inside
    PyAV) reads. Video streams are ignored; a file with no audio stream, or
    one that yields no samples, is an AudioDecodeError. With `mono=False` the
    result is (channels, samples): two rows for a stereo (or wider) stream,
    downmixed to stereo, so speakers recorded one a channel can be told apart.
    """
    try:
        container = av.open(source if not isinstance(source, Path) else str(source), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioDecodeError(f"not a readable audio file ({_reason(exc)})") from exc
    chunks: list[np.ndarray] = []
    with container:
        if not container.streams.audio:
            raise AudioDecodeError("the file has no audio stream")
        stream = container.streams.audio[0]
        channels = 2 if not mono and (stream.channels or 1) >= 2 else 1
        resampler = av.AudioResampler(format="flt", layout="stereo" if channels == 2 else "mono", rate=sample_rate)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.FFmpegError as exc:
            if not chunks:
                raise AudioDecodeError(f"the audio could not be decoded ({_reason(exc)})") from exc
            # A truncated file still gives what was decodable before the damage.
    if not chunks:
        raise AudioDecodeError("the file holds no audio samples")
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    if mono:
        return samples
    # Packed float frames interleave the channels: L R L R ...
    return np.ascontiguousarray(samples.reshape(-1, channels).T)


def duration_seconds(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    return float(len(samples)) / sample_rate


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    # PyAV's messages end with the file name, which may be a patient-identifying path.
    return text.split(": '", 1)[0] if text else exc.__class__.__name__


def probe(source: str | Path) -> float:
    """Check cheaply that `source` opens and has an audio stream; return its duration in seconds (0 if unknown)."""
    try:
        container = av.open(str(source), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioDecodeError(f"not a readable audio file ({_reason(exc)})") from exc
    with container:
        if not container.streams.audio:
            raise AudioDecodeError("the file has no audio stream")
        if container.duration is not None:
            return container.duration / av.time_base
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        return 0.0
