"""Where each recognised word of a segment stands in the segment's text, and when a span of it was said."""

from __future__ import annotations

from nlp.types import Segment, Word


def word_spans(segment: Segment) -> list[tuple[int, int]] | None:
    """Each word's character span in the segment text, found by walking the words through it in order.

    None when a word is not found in order (a transcript edited after recognition): for callers that need
    every word placed (sentence splitting, vocabulary correction, speaker turns).
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


def placed_words(segment: Segment) -> list[tuple[tuple[int, int], Word]]:
    """The words found in the segment text, walking left to right and ignoring case, with their spans.

    A word not found (the text was edited after recognition) is skipped, so the others still give times.
    """
    text = segment.text.lower()
    cursor = 0
    placed = []
    for word in segment.words:
        token = word.w.strip().lower()
        at = text.find(token, cursor) if token else -1
        if at >= 0:
            placed.append(((at, at + len(token)), word))
            cursor = at + len(token)
    return placed


def span_times(segment: Segment, start: int, end: int) -> tuple[float, float] | None:
    """When characters [start, end) of the segment were said: the earliest start and the latest end of the
    recognised words that overlap them. None when no word does (callers fall back to the segment's times)."""
    covering = [word for (a, b), word in placed_words(segment) if a < end and start < b]
    if not covering:
        return None
    return min(word.start for word in covering), max(word.end for word in covering)
