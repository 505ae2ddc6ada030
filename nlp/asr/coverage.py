"""Find speech that biased recognition skipped, and recognise it again without the vocabulary.

Given a vocabulary (faster-whisper `hotwords` or an initial prompt), Whisper now and then emits a timestamp far
ahead of the audio it has read and goes on from there: seconds of speech vanish from the transcript, and the
words said just before the jump are stamped with times after it. On a rendered 10-minute consultation tiny.en
with hotwords lost 13 % of the words so, in two stretches of 20 s. A note must not miss what was said, so the
speech the VAD finds is compared with the words' times; a stretch of speech of `MIN_GAP_S` or more that no word
covers is recognised again without the vocabulary, together with the segment after it (whose times the jump
corrupted), and those segments replace the biased ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from nlp.asr.base import SAMPLE_RATE, AsrBackend, DecodeOptions
from nlp.types import Segment

# Shorter uncovered speech is a pause the VAD padded, a cough or a word Whisper rightly dropped.
MIN_GAP_S = 3.0
# Word times are approximate (cross-attention alignment): each word covers this much around it.
WORD_PAD_S = 0.5

Span = tuple[float, float]


def is_biased(options: DecodeOptions) -> bool:
    """Whether decoding is steered by a vocabulary (the cause of skipped speech)."""
    return bool(options.hotwords or options.initial_prompt)


def speech_spans(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[Span]:
    """Where the Silero VAD bundled with faster-whisper hears speech, in seconds (its default settings,
    those of the recognition's own VAD filter)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return [(chunk["start"] / sample_rate, chunk["end"] / sample_rate)
            for chunk in get_speech_timestamps(samples, VadOptions())]


def skipped(speech: Sequence[Span], segments: Sequence[Segment], min_gap_s: float = MIN_GAP_S) -> list[Span]:
    """Stretches of `speech` at least `min_gap_s` long that no recognised word covers, in time order."""
    covered = _merge(sorted((word.start - WORD_PAD_S, word.end + WORD_PAD_S)
                            for segment in segments for word in segment.words))
    gaps: list[Span] = []
    for start, end in speech:
        cursor = start
        for low, high in covered:
            if high <= cursor:
                continue
            if low >= end:
                break
            if low - cursor >= min_gap_s:
                gaps.append((cursor, low))
            cursor = max(cursor, high)
        if end - cursor >= min_gap_s:
            gaps.append((cursor, end))
    return sorted(gaps)


def refill(engine: AsrBackend, samples: np.ndarray, segments: Sequence[Segment], options: DecodeOptions,
           sample_rate: int = SAMPLE_RATE) -> list[Segment]:
    """`segments` (recognised from mono `samples` with `options`, times from the start of `samples`) with
    every skipped stretch of speech recognised again without the vocabulary. Unbiased results are returned
    as they are: the check is only for the failure biasing causes."""
    ordered = sorted(segments, key=lambda segment: segment.start or 0.0)
    if not is_biased(options):
        return ordered
    gaps = skipped(speech_spans(samples, sample_rate), ordered)
    if not gaps:
        return ordered
    plain = replace(options, hotwords=None, initial_prompt=None)
    length = samples.shape[-1] / sample_rate
    done: list[Segment] = []
    rest = ordered
    position = 0.0
    for gap_start, gap_end in gaps:
        if gap_end <= position:  # inside a stretch already recognised again
            continue
        kept = 0  # the segments (a prefix, in time order) that end before the gap stay as they are
        while kept < len(rest) and (rest[kept].end or 0.0) <= gap_start + WORD_PAD_S:
            kept += 1
        before, after = rest[:kept], rest[kept:]
        start = max([position, *(segment.end or 0.0 for segment in before)])
        end = (after[0].end or length) if after else length
        done += before
        done += _recognise(engine, samples, start, end, plain, sample_rate)
        rest = after[1:]
        position = end
    return done + rest


def _recognise(engine: AsrBackend, samples: np.ndarray, start: float, end: float, options: DecodeOptions,
               sample_rate: int) -> list[Segment]:
    """Segments of `samples[start:end]` (seconds), with times moved onto the clock of `samples`."""
    from nlp.asr.windows import shift

    piece = samples[int(start * sample_rate):int(end * sample_rate)]
    return [shift(segment, start, segment.id) for segment in engine.transcribe(piece, options)]


def _merge(spans: Sequence[Span]) -> list[Span]:
    merged: list[Span] = []
    for low, high in spans:
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged
