"""The interface every ASR backend implements, and the options they share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from nlp.types import Segment

if TYPE_CHECKING:  # nlp.asr.vad imports SAMPLE_RATE from here
    from nlp.asr.vad import SpeechActivity

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding settings common to all backends.

    `initial_prompt` carries the knowledge base's vocabulary so drug names
    are spelled right; with `condition_on_previous_text` off (as here) Whisper
    reads it only for the first 30 s. `hotwords` (faster-whisper only) are
    put before every 30 s window's prompt instead. `vad` skips silence before
    decoding.
    """

    language: str | None = "en"
    beam_size: int = 1
    initial_prompt: str | None = None
    hotwords: str | None = None
    vad: bool = True
    word_timestamps: bool = True


@dataclass(frozen=True)
class AsrProgress:
    """Seconds of audio done out of the total, reported after each segment."""

    done: float
    total: float

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)


class AsrBackend(Protocol):
    """Turns 16 kHz mono float32 audio into transcript segments, streamed as they are decoded.

    Segments come with `speaker="other"`; speaker roles are another stage's job. `speech`: the audio's voice
    activity when the caller has it already (it reads the same audio's speech too), so Silero runs once.
    """

    name: str

    def transcribe(self, audio: np.ndarray, options: DecodeOptions,
                   speech: SpeechActivity | None = None) -> Iterator[Segment]: ...


@runtime_checkable
class Seedable(Protocol):
    """A backend whose temperature fallback samples from a state one recording can have to itself (faster-whisper)."""

    def seeded(self) -> AsrBackend: ...


def for_one_recording(engine: AsrBackend) -> AsrBackend:
    """`engine` as one recording's calls (its windows, the speech recognised again, the readings) should share it:
    their sampling from one state started at a fixed seed, so the same audio is heard alike in every job."""
    return engine.seeded() if isinstance(engine, Seedable) else engine


def shift(segment: Segment, offset: float, index: int) -> Segment:
    """`segment` renumbered `index`, its times and its words' times moved `offset` seconds later."""
    if offset == 0:
        return segment.model_copy(update={"id": index})
    words = [word.model_copy(update={"start": round(word.start + offset, 3), "end": round(word.end + offset, 3)})
             for word in segment.words]
    return segment.model_copy(update={
        "id": index, "words": words,
        "start": None if segment.start is None else round(segment.start + offset, 3),
        "end": None if segment.end is None else round(segment.end + offset, 3)})
