"""Re-cut ASR segments into speaker turns once each word has a voice."""

from __future__ import annotations

from collections.abc import Sequence

from nlp.types import Segment
from nlp.words import word_spans


def speaker_turns(segments: Sequence[Segment], voices: Sequence[str]) -> list[Segment]:
    """Each segment split where the voice changes between its words; `voices` has one label per word, in order.

    A segment without words keeps no voice. Ids are renumbered 0, 1, ...
    """
    turns: list[Segment] = []
    position = 0
    for segment in segments:
        labels = voices[position:position + len(segment.words)]
        position += len(segment.words)
        if not segment.words:
            turns.append(segment.model_copy(update={"id": len(turns)}))
            continue
        spans = word_spans(segment)
        first = 0
        for index in range(1, len(labels) + 1):
            if index < len(labels) and labels[index] == labels[first]:
                continue
            words = segment.words[first:index]
            text = segment.text[spans[first][0]:spans[index - 1][1]] if spans else " ".join(w.w for w in words)
            turns.append(Segment(id=len(turns), speaker=segment.speaker, voice=labels[first], start=words[0].start,
                                 end=words[-1].end, text=text, words=list(words)))
            first = index
    return turns
