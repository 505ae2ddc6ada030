"""Decode any common audio container/codec to 16 kHz mono float32 with PyAV (no system ffmpeg)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from nlp.asr.base import SAMPLE_RATE
from nlp.errors import InputError


class AudioDecodeError(InputError):
    """The input is not audio we can decode; the message says why."""


def decode(source: str | Path | BinaryIO, sample_rate: int = SAMPLE_RATE, *, mono: bool = True) -> np.ndarray:
    """Return the first audio stream of `source` as mono float32 samples at `sample_rate`.

    wav, mp3, m4a/aac, ogg/opus, webm, flac and anything else FFmpeg (inside
    PyAV) reads. Video streams are ignored; a file with no audio stream, or
    one that yields no samples, is an AudioDecodeError. With `mono=False` the
    result is (channels, samples): two rows for a stereo (or wider) stream,
    downmixed to stereo, so speakers recorded one a channel can be told apart.
    """
    samples = np.concatenate(list(_blocks(source, sample_rate, mono)), axis=1)
    return samples[0] if mono else samples


@dataclass(frozen=True)
class AudioWindow:
    """A stretch of a recording: (channels, samples) float32 starting `offset` seconds into it."""

    offset: float
    samples: np.ndarray


def decode_windows(source: str | Path | BinaryIO, window_s: float, sample_rate: int = SAMPLE_RATE, *,
                   mono: bool = True, search_s: float = 20.0) -> Iterator[AudioWindow]:
    """The recording as consecutive windows of about `window_s` seconds, decoded as they are needed.

    Memory stays that of one window whatever the length of the recording. Each window is cut at the
    quietest 100 ms of its last `search_s` seconds, so a cut falls in a pause rather than inside a word.
    Samples are laid out as `decode(mono=False)` gives them: (channels, samples).
    """
    size = int(window_s * sample_rate)
    search = min(int(search_s * sample_rate), size // 2)
    pending: list[np.ndarray] = []
    held = 0
    offset = 0
    for block in _blocks(source, sample_rate, mono):
        pending.append(block)
        held += block.shape[1]
        while held >= size:
            buffer = np.concatenate(pending, axis=1)
            cut = _quietest(buffer[:, size - search:size], sample_rate) + size - search
            yield AudioWindow(offset=offset / sample_rate, samples=buffer[:, :cut])
            offset += cut
            pending, held = [buffer[:, cut:]], buffer.shape[1] - cut
    if held:
        yield AudioWindow(offset=offset / sample_rate, samples=np.concatenate(pending, axis=1))


def _quietest(samples: np.ndarray, sample_rate: int) -> int:
    """The sample index of the middle of the quietest 100 ms frame of `samples` (channels, n)."""
    frame = sample_rate // 10
    frames = samples.shape[1] // frame
    if frames < 1:
        return int(samples.shape[1])
    energy = (samples[:, :frames * frame].astype(np.float64) ** 2).sum(axis=0).reshape(frames, frame).sum(axis=1)
    return int(np.argmin(energy)) * frame + frame // 2


def _blocks(source: str | Path | BinaryIO, sample_rate: int, mono: bool) -> Iterator[np.ndarray]:
    """Decoded audio as (channels, samples) float32 blocks of a few thousand samples each."""
    try:
        container = av.open(source if not isinstance(source, Path) else str(source), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioDecodeError(f"not a readable audio file ({_reason(exc)})") from exc
    produced = False
    with container:
        if not container.streams.audio:
            raise AudioDecodeError("the file has no audio stream")
        stream = container.streams.audio[0]
        channels = 2 if not mono and (stream.channels or 1) >= 2 else 1
        resampler = av.AudioResampler(format="flt", layout="stereo" if channels == 2 else "mono", rate=sample_rate)
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames, None)
                outs = resampler.resample(frame)
            except av.FFmpegError as exc:
                if not produced:
                    raise AudioDecodeError(f"the audio could not be decoded ({_reason(exc)})") from exc
                break  # A truncated file still gives what was decodable before the damage.
            for out in outs:
                # Packed float frames interleave the channels: L R L R ...
                block = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                if block.size:
                    produced = True
                    yield np.ascontiguousarray(block.reshape(-1, channels).T)
            if frame is None:
                break
    if not produced:
        raise AudioDecodeError("the file holds no audio samples")


def duration_seconds(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    return float(len(samples)) / sample_rate


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    # PyAV's messages end with the file name, which may be a patient-identifying path.
    return text.split(": '", 1)[0] if text else exc.__class__.__name__


def probe(source: str | Path | BinaryIO) -> float:
    """Check cheaply that `source` opens and has an audio stream; return its duration in seconds (0 if unknown).

    A file object is read from where it is and left there (an upload is probed before it is stored)."""
    if not isinstance(source, (str, Path)):
        position = source.tell()
        try:
            return _probe(source)
        finally:
            source.seek(position)
    return _probe(str(source))


def _probe(source: str | BinaryIO) -> float:
    try:
        container = av.open(source, mode="r", metadata_errors="ignore")
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
