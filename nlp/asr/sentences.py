"""Split long ASR segments into sentences by their word timestamps.

A vocabulary prompt makes Whisper drop its own segment breaks (one 27 s segment for a whole
consultation on espeak audio), and a finding's evidence is only as precise as its segment. Splitting
at sentence ends and long pauses gives segments about one utterance long, as a turn-by-turn
transcript has.
"""

from __future__ import annotations

from nlp.types import Segment, Word
from nlp.words import word_spans

SENTENCE_END = (".", "?", "!")
PAUSE_SECONDS = 1.0  # a silence this long between words ends an utterance even without punctuation


def split_sentences(segment: Segment, pause: float = PAUSE_SECONDS) -> list[Segment]:
    """The segment as one segment per sentence (same speaker and voice); unchanged when it has no words."""
    if not segment.words:
        return [segment]
    groups: list[list[Word]] = [[]]
    for word in segment.words:
        current = groups[-1]
        if current and (current[-1].w.endswith(SENTENCE_END) or word.start - current[-1].end >= pause):
            groups.append([])
        groups[-1].append(word)
    if len(groups) == 1:
        return [segment]
    spans = word_spans(segment)
    parts, first = [], 0
    for words in groups:
        last = first + len(words) - 1
        text = segment.text[spans[first][0]:spans[last][1]] if spans else " ".join(w.w for w in words)
        parts.append(segment.model_copy(update={"start": words[0].start, "end": words[-1].end, "text": text,
                                                "words": words}))
        first = last + 1
    return parts
