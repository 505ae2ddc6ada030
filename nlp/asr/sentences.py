"""Make ASR segments whole sentences: join the pieces of one, split the runs of many, by their word timestamps.

A vocabulary prompt makes Whisper drop its own segment breaks (one 27 s segment for a whole
consultation on espeak audio), and a finding's evidence is only as precise as its segment. Splitting
at sentence ends and long pauses gives segments about one utterance long, as a turn-by-turn
transcript has. Whisper also ends segments inside a sentence ("We will consider" | "Switching the
omeprazole."), and so do window and VAD cuts and the re-recognition of lost speech; extraction and the
note then quote half a sentence, so such pieces of one speaker's sentence are joined first.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlp.types import Segment, Word
from nlp.words import word_spans

SENTENCE_END = (".", "?", "!")
TRAILING_OFF = ("...", "\u2026")  # Whisper's mark of a pause inside a sentence ("your sodium was..." | "133.")
PAUSE_SECONDS = 1.0  # a silence this long between words ends an utterance even without punctuation
_INSTANT = 0.02  # Whisper's timestamps are 0.02 s apart: a word shorter than this has no duration


TITLES = frozenset({"mr.", "mrs.", "ms.", "dr.", "prof.", "st."})  # "Good afternoon, Mr." | "Jones."


def ends_sentence(word: str) -> bool:
    """Whether a recognised word ends its sentence: a full stop, question or exclamation mark, not an ellipsis nor
    a title's point."""
    word = word.strip()
    return word.endswith(SENTENCE_END) and not word.endswith(TRAILING_OFF) and not is_title(word)


def opens_sentence(word: str) -> bool:
    """Whether Whisper wrote `word` as a sentence's first word: not lower-case ("had a blood clots." | "in his
    leg." is one sentence), nor a digit (Whisper seldom opens a sentence with one; "Your sodium was gone." | "1 for
    the, your potassium" is one)."""
    first = word.strip()[:1]
    return not (first.islower() or first.isdigit())


def is_title(word: str) -> bool:
    """"Mr.", "Dr.": the name that follows is part of the same sentence, whatever its capital."""
    return word.strip().lower() in TITLES


def _cut_by_window(word: Word, following: Word) -> bool:
    """A full stop on a word of no duration, with the next word at the same instant, is how Whisper closes a 30 s
    chunk it stopped inside a sentence ("your thighs." 29.98-29.98 | "I ride today," 29.98: "hydrate" heard as two
    words): no sentence end. Where the chunk ended is not checked: its times are the recording's, not the chunk's."""
    return word.end - word.start < _INSTANT and following.start - word.end < _INSTANT


def _sentence_ends_between(word: Word, following: Word) -> bool:
    """A sentence ends after `word` and before `following`: `word` ends one and `following` opens the next."""
    return ends_sentence(word.w) and opens_sentence(following.w) and not _cut_by_window(word, following)


def split_sentences(segment: Segment, pause: float = PAUSE_SECONDS) -> list[Segment]:
    """The segment as one segment per sentence (same speaker and voice); unchanged when it has no words."""
    if not segment.words:
        return [segment]
    groups: list[list[Word]] = [[]]
    for word in segment.words:
        current = groups[-1]
        if current and (_sentence_ends_between(current[-1], word) or word.start - current[-1].end >= pause):
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


def join_sentences(segments: Sequence[Segment], pause: float = PAUSE_SECONDS) -> list[Segment]:
    """Consecutive segments of one speaker and voice joined when no sentence end separates them and less than
    `pause` passes between their words (the pause that `split_sentences` splits at). Texts are joined with a
    space, words kept as they are, so every word time and character span of the result is exact."""
    joined: list[Segment] = []
    for segment in segments:
        previous = joined[-1] if joined else None
        if previous is not None and _continues(previous, segment, pause):
            joined[-1] = previous.model_copy(update={
                "text": f"{previous.text} {segment.text}", "words": [*previous.words, *segment.words],
                "end": segment.end if segment.end is not None else previous.end})
        else:
            joined.append(segment)
    return joined


def sentences(segments: Sequence[Segment], pause: float = PAUSE_SECONDS) -> list[Segment]:
    """The segments as one segment per sentence, numbered from 0: pieces joined, then runs split."""
    return [sentence.model_copy(update={"id": index})
            for index, sentence in enumerate(part for segment in join_sentences(segments, pause)
                                             for part in split_sentences(segment, pause))]


def _continues(previous: Segment, segment: Segment, pause: float) -> bool:
    if (previous.speaker, previous.voice) != (segment.speaker, segment.voice):
        return False
    if not previous.words or not segment.words or _sentence_ends_between(previous.words[-1], segment.words[0]):
        return False
    return segment.words[0].start - previous.words[-1].end < pause
