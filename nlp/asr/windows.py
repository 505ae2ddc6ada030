"""Recognise a long recording window by window, so memory does not grow with its length.

Whisper itself works on 30-second stretches, but faster-whisper computes the features (and its VAD
the speech mask) of the whole array it is given; an hour of audio then costs gigabytes. Feeding it
windows of a few minutes, cut at a pause (`nlp.audio.decode_windows`), bounds that, and the segments'
and words' times are shifted back onto the recording's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from nlp.asr.base import AsrBackend, DecodeOptions, shift
from nlp.asr.coverage import refill
from nlp.asr.vad import SpeechActivity
from nlp.audio import AudioWindow
from nlp.types import Segment


def transcribe_windows(engine: AsrBackend, windows: Iterable[AudioWindow], options: DecodeOptions,
                       on_window: Callable[[AudioWindow], None] | None = None,
                       on_decoded: Callable[[float], None] | None = None) -> Iterator[Segment]:
    """Segments of every window in order, numbered from 0, with times on the whole recording's clock.

    `on_window` sees each window before it is recognised (the caller may keep what diarization needs);
    `on_decoded` gets the recording time reached as each segment is decoded (for progress). A window's
    segments are yielded once the whole window is recognised and speech Whisper lost (skipped, or covered by
    stretched or stacked word times) has been recognised again without the vocabulary (`nlp.asr.coverage`).
    The initial prompt goes to the first window only: Whisper reads it for the first 30 s of what it is
    given, so the result is that of one long array (hotwords, read before every 30 s, go to every window).
    """
    index = 0
    for number, window in enumerate(windows):
        if number == 1:
            options = replace(options, initial_prompt=None)
        if on_window is not None:
            on_window(window)
        samples = window.samples
        mono = samples[0] if samples.ndim == 2 and samples.shape[0] == 1 else \
            samples.mean(axis=0) if samples.ndim == 2 else samples
        speech = SpeechActivity.of(mono)  # read by the recognition's VAD and by the coverage check: run once
        decoded = []
        for segment in engine.transcribe(mono, options, speech=speech):
            decoded.append(segment)
            if on_decoded is not None:
                on_decoded(window.offset + (segment.end or 0.0))
        for segment in refill(engine, mono, decoded, options, speech=speech):
            yield shift(segment, window.offset, index)
            index += 1
