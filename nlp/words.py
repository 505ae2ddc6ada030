"""Where each recognised word of a segment stands in the segment's text."""

from __future__ import annotations

from nlp.types import Segment


def word_spans(segment: Segment) -> list[tuple[int, int]] | None:
    """Each word's character span in the segment text, found by walking the words through it in order.

    None when a word is not found in order (a transcript edited after recognition).
    """
    spans, cursor = [], 0
    for word in segment.words:
        text = word.w.strip()
        at = segment.text.find(text, cursor)
        if at < 0:
            return None
        cursor = at + len(text)
        spans.append((at, cursor))
    return spans


def span_times(segment: Segment, start: int, end: int) -> tuple[float, float] | None:
    """The start of the first and the end of the last word overlapping characters [start, end)."""
    spans = word_spans(segment) if segment.words else None
    if not spans:
        return None
    times = [(word.start, word.end) for word, (a, b) in zip(segment.words, spans) if a < end and b > start]
    return (times[0][0], times[-1][1]) if times else None
