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
from nlp.asr.coverage import Recognised, recheck, refill, speech_spans
from nlp.asr.vad import SpeechActivity
from nlp.audio import AudioWindow
from nlp.types import Segment

# Windows whose doubted words are recognised again together (`nlp.asr.coverage.recheck`): a recognition costs
# about as much for the few seconds one window doubts as for 30 s, and three 60 s windows doubt about that much
# on rendered consultations. Their segments wait for it.
RECHECK_WINDOWS = 3


def transcribe_windows(engine: AsrBackend, windows: Iterable[AudioWindow], options: DecodeOptions,
                       on_window: Callable[[AudioWindow], None] | None = None,
                       on_decoded: Callable[[float], None] | None = None) -> Iterator[Segment]:
    """Segments of every window in order, numbered from 0, with times on the whole recording's clock.

    `on_window` sees each window before it is recognised (the caller may keep what diarization needs);
    `on_decoded` gets the recording time reached as each segment is decoded (for progress). Speech Whisper lost
    in a window (skipped, or covered by stretched or stacked word times) is recognised again without the
    vocabulary once the window is recognised, and the words it doubted (`nlp.asr.coverage`) every
    `RECHECK_WINDOWS` windows, in one call for them all: a window's segments are yielded then.
    The initial prompt goes to the first window only: Whisper reads it for the first 30 s of what it is
    given, so the result is that of one long array (hotwords, read before every 30 s, go to every window).
    """
    index = 0
    pending: list[tuple[AudioWindow, Recognised]] = []
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
        segments = refill(engine, mono, decoded, options, speech=speech, doubts=False)
        pending.append((window, Recognised(mono, segments, options, speech_spans(mono, fine=True, speech=speech))))
        if len(pending) == RECHECK_WINDOWS:
            for segment in _rechecked(engine, pending, index):
                yield segment
                index += 1
            pending = []
    for segment in _rechecked(engine, pending, index):
        yield segment


def _rechecked(engine: AsrBackend, pending: list[tuple[AudioWindow, Recognised]], index: int) -> Iterator[Segment]:
    """The segments of the `pending` windows, their doubted words checked in one call, numbered from `index`."""
    if not pending:
        return
    checked = recheck(engine, [recognised for _, recognised in pending])
    for (window, _), segments in zip(pending, checked, strict=True):
        for segment in segments:
            yield shift(segment, window.offset, index)
            index += 1
