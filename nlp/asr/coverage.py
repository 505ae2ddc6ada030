"""Find speech that biased recognition lost, and recognise it again without the vocabulary.

Given a vocabulary (faster-whisper `hotwords` or an initial prompt), Whisper now and then loses its place in
the audio, in three ways seen on rendered consultations:

- it emits a timestamp far ahead of the audio it has read and goes on from there: seconds of speech vanish,
  and the words said just before the jump are stamped after it (tiny.en with hotwords lost 13 % of a rendered
  10-minute consultation so, in two stretches of 20 s);
- it stretches a few words over the rest of the audio: a last segment "I'd like to" stamped 42.4-49.7 s while
  the whole plan was said there. The segment's span covers the speech; its words do not;
- at the end of one of its 30 s chunks it stacks words on one instant ("at the same way" all at 29.98 s) and
  starts the next chunk by reciting the vocabulary over the speech it skipped.

A note must not miss what was said, so the speech the VAD finds is compared with the words' own times, each
word counting only for a plausible length; speech between words (`unheard`), a word stamped longer than any is
said and words stacked on one instant are recognised again without the vocabulary, from the start of the
sentence they interrupted to the end of the segment after them (whose times the loss corrupted), and those
segments replace the biased ones. `skipped` (detected speech of `MIN_GAP_S` or more with no word) is what is
reported and tested.

Inside speech its words do cover, the vocabulary also makes Whisper drop a word ("try magnesium" for "try a
magnesium"), merge several ("millidrammatite" for "milligrams at night") or put a vocabulary word over others
("metronome. I" for "magnesium was normal. I"), which no timing check sees; the word's own probability and length
show it (`doubtful`). The audio around such words is recognised again without the vocabulary and the two
recognitions compared word by word (`recheck`): the plain words are kept where they are more and lose no
vocabulary term.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import numpy as np
from faster_whisper.vad import VadOptions

from nlp.asr.base import SAMPLE_RATE, AsrBackend, DecodeOptions, shift
from nlp.asr.sentences import ends_sentence, split_sentences
from nlp.asr.vad import SpeechActivity
from nlp.types import Segment, Word
from nlp.words import word_spans

# Detected speech (the recognition's own VAD settings) this long with no word is speech lost: the measure reported.
MIN_GAP_S = 2.0
# Word times are approximate (cross-attention alignment): each word covers this much around it.
WORD_PAD_S = 0.5
# What triggers recognising again is finer: this much speech, by a VAD that splits at 150 ms pauses, between
# words (each covering `NEAR_WORD_S` around it). Whisper drops a few words ("in his leg") at the end of its 30 s
# chunks; unbiased tiny.en left at most 0.3 s so on 30 of the 32 rendered consultations (and lost 1.9 and 4.3 s
# on the others), so fillers and breaths a transcript rightly leaves out rarely cost a second recognition.
MIN_LOST_SPEECH_S = 0.5
NEAR_WORD_S = 0.25
FINE_VAD = {"min_silence_duration_ms": 150, "speech_pad_ms": 30}
# No word takes longer to say (unbiased tiny.en stamped none longer on the rendered consultations; biased,
# up to 2.3 s over lost words): a longer stamp covers only this much, and marks where Whisper lost its place.
LONGEST_WORD_S = 1.5
# Words stamped this short, this many in a row, were stacked on one instant instead of aligned to the audio.
STACKED_WORD_S = 0.02
STACKED_RUN = 2
# Rounds of checking and recognising again: each starts where the last left speech uncovered.
REPAIR_ROUNDS = 3
# Inside speech that words do cover, the vocabulary makes Whisper drop or merge words, and its own output shows
# where (`doubtful`): a word it all but did not hear (recited from the vocabulary or made up) ...
RECITED_P = 0.05
# ... a word of the vocabulary it was unsure of (the bias put it there, over "a magnesium" or "was normal") ...
FORCED_P = 0.4
# ... and a word stamped longer than one is said that it was unsure of ("millidrammatite" for "milligrams at
# night", "I" over "was normal").
MERGED_WORD_S = 1.0
MERGED_P = 0.5
# Such a word is recognised again with this much audio either side (to the pause there when one is near), so
# that Whisper hears it in context and the words both recognitions agree on anchor the comparison.
CONTEXT_S = 1.5
# The stretches (of several windows: `nlp.asr.windows`) are recognised in one call, this much silence apart: a
# call costs about the same for 2 s as for 30 s of audio (Whisper encodes 30 s at a time; 0.5 s for tiny.en on
# 2 cores).
STRETCH_GAP_S = 1.0
# Words of the vocabulary this long or longer count when a heard word resembles them ("ompranole").
VOCABULARY_WORD_LETTERS = 5
RESEMBLES = 0.7

Span = tuple[float, float]
Spaced = tuple[str, Word]  # a word and the text between it and the word before


def speech_spans(samples: np.ndarray, sample_rate: int = SAMPLE_RATE, *, fine: bool = False,
                 speech: SpeechActivity | None = None) -> list[Span]:
    """Where the Silero VAD bundled with faster-whisper hears speech, in seconds: with its default settings,
    those of the recognition's own VAD filter, or `fine`, split at every pause of 150 ms. `speech`: the
    samples' voice activity, when already run (as for their recognition)."""
    activity = speech if speech is not None else SpeechActivity.of(samples, sample_rate)
    return activity.spans(VadOptions(**FINE_VAD) if fine else VadOptions())


def stacked(words: Sequence[Word]) -> list[int]:
    """Indexes of `words` (one segment's, in order) that are part of a run stacked on one instant."""
    flags = [word.end - word.start <= STACKED_WORD_S for word in words]
    found: list[int] = []
    run: list[int] = []
    for index, flat in enumerate([*flags, False]):
        if flat and (not run or words[index].start - words[run[-1]].end <= STACKED_WORD_S):
            run.append(index)
            continue
        if len(run) >= STACKED_RUN:
            found += run
        run = [index] if flat else []
    return found


def covering(segments: Sequence[Segment], pad: float = WORD_PAD_S) -> list[Span]:
    """The time each plausibly stamped word covers: itself, at most `LONGEST_WORD_S` of it, `pad` either side;
    stacked words cover nothing."""
    spans = []
    for segment in segments:
        skip = set(stacked(segment.words))
        spans += [(word.start - pad, min(word.end, word.start + LONGEST_WORD_S) + pad)
                  for index, word in enumerate(segment.words) if index not in skip]
    return _merge(sorted(spans))


def unheard(fine_speech: Sequence[Span], segments: Sequence[Segment],
            min_speech_s: float = MIN_LOST_SPEECH_S) -> list[Span]:
    """The stretches between words (`NEAR_WORD_S` around each) that hold `min_speech_s` or more of
    `fine_speech` (`speech_spans(fine=True)`), in time order."""
    covered = covering(segments, NEAR_WORD_S)
    edges = [(-np.inf, 0.0), *covered, (np.inf, np.inf)]
    found = []
    for (_, after), (before, _) in zip(edges, edges[1:]):
        speech = sum(max(0.0, min(end, before) - max(start, after)) for start, end in fine_speech)
        if speech >= min_speech_s:
            first = min(start for start, end in fine_speech if end > after and start < before)
            last = max(end for start, end in fine_speech if end > after and start < before)
            found.append((max(after, first), min(before, last)))
    return found


def skipped(speech: Sequence[Span], segments: Sequence[Segment], min_gap_s: float = MIN_GAP_S) -> list[Span]:
    """Stretches of `speech` at least `min_gap_s` long that no plausibly stamped word covers, in time order."""
    covered = covering(segments)
    gaps: list[Span] = []
    for start, end in speech:
        cursor = start
        for low, high in covered:
            if high <= cursor:
                continue
            if low >= end:
                break
            if low - cursor >= min_gap_s and low > cursor:
                gaps.append((cursor, low))
            cursor = max(cursor, high)
        if end - cursor >= min_gap_s and end > cursor:
            gaps.append((cursor, end))
    return sorted(gaps)


def lost(fine_speech: Sequence[Span], segments: Sequence[Segment]) -> list[Span]:
    """Where recognition lost its place, in time order: speech between words (`unheard`), words stretched
    longer than any word is said, and the instants words were stacked on."""
    stretched = [(word.start, word.end) for segment in segments for word in segment.words
                 if word.end - word.start > LONGEST_WORD_S]
    stacks = [(segment.words[index].start, segment.words[index].start)
              for segment in segments for index in stacked(segment.words)[:1]]
    return sorted([*unheard(fine_speech, segments), *stretched, *stacks])


def refill(engine: AsrBackend, samples: np.ndarray, segments: Sequence[Segment], options: DecodeOptions,
           sample_rate: int = SAMPLE_RATE, *, speech: SpeechActivity | None = None,
           doubts: bool = True) -> list[Segment]:
    """`segments` (recognised from mono `samples` with `options`, times from the start of `samples`) with
    every place recognition lost speech (`lost`) recognised again without the vocabulary. `speech`: the
    samples' voice activity as their recognition read it (else Silero runs on them again).

    Whisper without a vocabulary loses words too, rarely, and at times the last words of the shorter audio it
    is given again, so the result is checked again, up to `REPAIR_ROUNDS` times, as long as a round changes it.
    Then, with `doubts`, the words Whisper doubted inside covered speech (`doubtful`) are checked against a
    recognition without the vocabulary (`recheck`; a caller with several windows batches that instead).
    """
    result = sorted(segments, key=lambda segment: segment.start or 0.0)
    fine_speech = speech_spans(samples, sample_rate, fine=True, speech=speech)
    plain = replace(options, hotwords=None, initial_prompt=None)
    for _ in range(REPAIR_ROUNDS):
        places = lost(fine_speech, result)
        if not places:
            break
        repaired = _repair(engine, samples, result, places, plain, sample_rate)
        if repaired == result:
            break
        result = repaired
    if not doubts:
        return result
    return recheck(engine, [Recognised(samples, result, options, fine_speech)], sample_rate)[0]


def _repair(engine: AsrBackend, samples: np.ndarray, ordered: list[Segment], places: Sequence[Span],
            plain: DecodeOptions, sample_rate: int) -> list[Segment]:
    """`ordered` with the audio around each of `places` recognised again with `plain` options, from the
    start of the sentence the loss interrupted to the end of the segment after it (whose times it corrupted)."""
    length = samples.shape[-1] / sample_rate
    done: list[Segment] = []
    rest = ordered
    position = 0.0
    for lost_start, lost_end in places:
        if lost_end <= position:
            continue  # inside a stretch already recognised again
        kept = 0  # the segments (a prefix, in time order) said before the loss stay as they are
        while kept < len(rest) and _said_until(rest[kept]) < lost_start:
            kept += 1
        done += rest[:kept]
        rest = rest[kept:]
        if rest and (rest[0].start or 0.0) < lost_start:  # the loss starts inside this segment
            done += _whole_sentences_before(rest[0], lost_start)
        elif done and done[-1].words and not ends_sentence(done[-1].words[-1].w) \
                and (done[-1].end or 0.0) > position:
            # Recognition starts again where a sentence starts, not inside one (a mid-sentence start is misheard).
            rest = [done.pop(), *rest]
            done += _whole_sentences_before(rest[0], lost_start)
        start = max([position, *(segment.end or 0.0 for segment in done)])
        dropped = 0  # the segments the loss overlaps, and the first after it
        while dropped < len(rest) and (rest[dropped].start or 0.0) < lost_end:
            dropped += 1
        dropped = min(dropped + 1, len(rest))
        end = max(lost_end, *(segment.end or 0.0 for segment in rest[:dropped])) if dropped else length
        rest = rest[dropped:]
        if not rest:  # nothing after: the loss may run to the end of the audio
            end = length
        done += _recognise(engine, samples, start, end, plain, sample_rate)
        position = end
    return done + rest


def _said_until(segment: Segment) -> float:
    return segment.words[-1].end if segment.words else segment.end or 0.0


def _whole_sentences_before(segment: Segment, moment: float) -> list[Segment]:
    """The sentences of `segment` said before `moment`, up to the last one that ends with its punctuation."""
    parts = [part for part in split_sentences(segment) if part.words and part.words[-1].end < moment]
    ends = [index for index, part in enumerate(parts) if ends_sentence(part.words[-1].w)]
    return parts[:ends[-1] + 1] if ends else []


def _recognise(engine: AsrBackend, samples: np.ndarray, start: float, end: float, options: DecodeOptions,
               sample_rate: int) -> list[Segment]:
    """Segments of `samples[start:end]` (seconds), with times moved onto the clock of `samples`."""
    piece = samples[int(start * sample_rate):int(end * sample_rate)]
    return [shift(segment, start, segment.id) for segment in engine.transcribe(piece, options)]


def vocabulary_words(options: DecodeOptions) -> frozenset[str]:
    """The lower-case words of the vocabulary `options` give Whisper (hotwords and initial prompt)."""
    text = " ".join(part for part in (options.hotwords, options.initial_prompt) if part)
    return frozenset(re.findall(r"[a-z]+", text.lower()))


def doubtful(words: Sequence[Word], vocabulary: frozenset[str]) -> list[int]:
    """Indexes of `words` (in time order) where biased recognition shows it may have dropped or merged words:
    recited (`RECITED_P`), forced toward the `vocabulary` (`FORCED_P`) or merged (`MERGED_WORD_S`, `MERGED_P`)."""
    return [index for index, word in enumerate(words)
            if word.p < RECITED_P
            or (word.p < FORCED_P and _bare(word.w) in vocabulary)
            or (word.p < MERGED_P and word.end - word.start > MERGED_WORD_S)]


@dataclass(frozen=True, eq=False)
class Recognised:
    """Segments recognised from mono `samples` (times from their start) with `options`; `fine_speech`: the
    samples' speech split at 150 ms pauses (`speech_spans(fine=True)`)."""

    samples: np.ndarray
    segments: Sequence[Segment]
    options: DecodeOptions
    fine_speech: Sequence[Span]


def recheck(engine: AsrBackend, recognised: Sequence[Recognised], sample_rate: int = SAMPLE_RATE) -> list[list[Segment]]:
    """The segments of each of `recognised` (in time order) with the audio around each `doubtful` word recognised
    again without the vocabulary, and the words of that recognition kept where they are better (`_better`);
    unchanged without a vocabulary, and a segment left without words is dropped. One recognition serves them
    all: a call costs about the same for 2 s as for 30 s of audio (Whisper encodes 30 s at a time)."""
    found = []
    for item in recognised:
        vocabulary = vocabulary_words(item.options)
        words = [word for segment in item.segments for word in segment.words]
        length = item.samples.shape[-1] / sample_rate
        stretches = _stretches(words, doubtful(words, vocabulary), item.fine_speech, length) if vocabulary else []
        found.append((vocabulary, stretches))
    wanted = [(number, stretch.heard) for number, (_, stretches) in enumerate(found) for stretch in stretches]
    if not wanted:
        return [list(item.segments) for item in recognised]
    plain = replace(recognised[0].options, hotwords=None, initial_prompt=None, vad=False)
    heard = iter(_recognise_stretches(engine, [item.samples for item in recognised], wanted, plain, sample_rate))
    return [_kept(item.segments, stretches, [next(heard) for _ in stretches], vocabulary)
            for item, (vocabulary, stretches) in zip(recognised, found, strict=True)]


def _kept(segments: Sequence[Segment], stretches: Sequence[Stretch], heard: Sequence[list[Spaced]],
          vocabulary: frozenset[str]) -> list[Segment]:
    """`segments` with the better words (`_better`) of each stretch and what was `heard` in it without the
    vocabulary."""
    if not stretches:
        return list(segments)
    owned = [(number, spaced) for number, segment in enumerate(segments) for spaced in _spaced(segment)]
    # Right to left, so that the indexes of the earlier stretches still hold.
    for stretch, again in reversed(list(zip(stretches, heard, strict=True))):
        first, last = stretch.first, stretch.last + 1
        owned[first:last] = _better(owned[first:last], again, {index - first for index in stretch.doubted},
                                    vocabulary, stretch.paused)
    owned = _in_time_order(owned)
    result = []
    for number, segment in enumerate(segments):
        kept = [spaced for owner, spaced in owned if owner == number]
        if [word for _, word in kept] == segment.words:
            result.append(segment)
        elif kept:
            text = "".join(space + word.w for space, word in kept).strip()
            result.append(segment.model_copy(update={"words": [word for _, word in kept], "text": text}))
    return result


def _in_time_order(owned: list[tuple[int, Spaced]]) -> list[tuple[int, Spaced]]:
    """The words with no start before the start of the word before them: a plain word put beside a biased one
    ("a" at 36.34 s before "magnesium", which the vocabulary stamped from 36.32 s over both) moves the biased
    word's start to the plain word's end, where the recognition without the vocabulary heard it begin."""
    ordered: list[tuple[int, Spaced]] = []
    for owner, (space, word) in owned:
        if ordered and word.start < ordered[-1][1][1].start:
            before = ordered[-1][1][1]
            start = max(min(max(word.start, before.end), word.end), before.start)
            word = word.model_copy(update={"start": start, "end": max(word.end, start)})
        ordered.append((owner, (space, word)))
    return ordered


def _spaced(segment: Segment) -> list[Spaced]:
    """The words of `segment`, each with the text before it since the word before (a space, or nothing inside
    "4.2" or "1,000"), so that a text rebuilt from them reads as Whisper wrote it."""
    spans = word_spans(segment)
    if spans is None:
        return [(" ", word) for word in segment.words]
    ends = [0, *(end for _, end in spans)]
    return [(segment.text[ends[index]:start] if index else " ", word)
            for index, ((start, _), word) in enumerate(zip(spans, segment.words, strict=True))]


@dataclass(frozen=True)
class Stretch:
    """Audio (`heard`, in seconds) around the `doubted` words, whose middles hold the words `first` to `last`
    (indexes, inclusive); `paused`: whether it starts and ends where no speech is, else inside speech, where the
    words either side are cut."""

    heard: Span
    first: int
    last: int
    doubted: frozenset[int]
    paused: tuple[bool, bool]


def _stretches(words: Sequence[Word], doubted: Sequence[int], fine_speech: Sequence[Span],
               length: float) -> list[Stretch]:
    """The audio to recognise again around the `doubted` words (`CONTEXT_S` either side, widened to a pause
    less than `CONTEXT_S` further), overlapping stretches joined, in time order."""
    joined: list[tuple[Span, set[int]]] = []
    for index in doubted:
        start, end = max(0.0, words[index].start - CONTEXT_S), min(length, words[index].end + CONTEXT_S)
        start = next((low for low, high in fine_speech if start - CONTEXT_S <= low < start < high), start)
        end = next((high for low, high in fine_speech if low < end < high <= end + CONTEXT_S), end)
        if joined and start <= joined[-1][0][1]:
            joined[-1] = ((joined[-1][0][0], max(end, joined[-1][0][1])), {*joined[-1][1], index})
        else:
            joined.append(((start, end), {index}))

    def paused(moment: float) -> bool:
        return moment in (0.0, length) or not any(low < moment < high for low, high in fine_speech)

    found = []
    for (start, end), indexes in joined:
        inside = [index for index, word in enumerate(words) if start <= _middle(word) <= end]
        first, last = min(inside[0], *indexes), max(inside[-1], *indexes)
        found.append(Stretch((start, end), first, last, frozenset(indexes), (paused(start), paused(end))))
    return found


def _recognise_stretches(engine: AsrBackend, arrays: Sequence[np.ndarray], wanted: Sequence[tuple[int, Span]],
                         options: DecodeOptions, sample_rate: int) -> list[list[Spaced]]:
    """The words heard in each of `wanted` (an index into `arrays` and a span in seconds of that array),
    recognised in one call (overlapping spans joined, `STRETCH_GAP_S` of silence between them), their times on
    the clock of their array."""
    joined = [(number, span) for number in sorted({number for number, _ in wanted})
              for span in _merge(sorted(span for owner, span in wanted if owner == number))]
    gap = np.zeros(int(STRETCH_GAP_S * sample_rate), dtype=arrays[0].dtype)
    pieces: list[np.ndarray] = []
    starts: list[float] = []  # where each joined span starts in the audio given to Whisper
    for number, (start, end) in joined:
        starts.append(sum(piece.shape[0] for piece in pieces) / sample_rate)
        pieces += [arrays[number][int(start * sample_rate):int(end * sample_rate)], gap]
    heard: list[tuple[int, Spaced]] = []
    for segment in engine.transcribe(np.concatenate(pieces), options):
        for space, word in _spaced(segment):
            at = bisect_right(starts, _middle(word)) - 1
            number, (start, end) = joined[at] if at >= 0 else (-1, (0.0, 0.0))
            if at < 0 or _middle(word) > starts[at] + end - start:
                continue  # heard in the silence between spans
            offset = start - starts[at]
            heard.append((number, (space, word.model_copy(update={
                "start": round(word.start + offset, 3), "end": round(word.end + offset, 3)}))))
    return [[spaced for owner, spaced in heard if owner == number and start <= _middle(spaced[1]) <= end]
            for number, (start, end) in wanted]


def _better(biased: Sequence[tuple[int, Spaced]], plain: Sequence[Spaced], doubted: set[int],
            vocabulary: frozenset[str], paused: tuple[bool, bool]) -> list[tuple[int, Spaced]]:
    """The words of one stretch (biased: each with the number of its segment), biased and plain aligned by their
    text. Where they differ next to a `doubted` biased word, the plain words when there are more of them (or as
    many, when some biased ones were all but not heard: `RECITED_P`) and they hold every vocabulary term the
    biased ones resemble (a vocabulary word recited with almost no confidence aside); else, and at an edge of the
    stretch cut inside speech (not
    `paused`: the plain words there are cut), the biased words. Plain words go to the segment of the biased
    words they replace, or of the word before them."""
    terms = [term for term in vocabulary if len(term) >= VOCABULARY_WORD_LETTERS]
    matcher = SequenceMatcher(None, [_bare(word.w) for _, (_, word) in biased],
                              [_bare(word.w) for _, word in plain], autojunk=False)
    kept: list[tuple[int, Spaced]] = []
    for tag, low, high, plain_low, plain_high in matcher.get_opcodes():
        ours, theirs = [word for _, (_, word) in biased[low:high]], plain[plain_low:plain_high]
        near = any(index in doubted for index in range(low - 1, high + 1))
        at_edge = (low == 0 and plain_low == 0 and not paused[0]) or \
            (high == len(biased) and plain_high == len(plain) and not paused[1])
        said = [word for word in ours if word.p >= RECITED_P]
        recited = [word for word in ours if word.p < RECITED_P and _bare(word.w) in vocabulary]
        ours_terms = {term for word in ours if word not in recited for term in _resembled(_bare(word.w), terms)}
        theirs_terms = {term for _, word in theirs for term in _resembled(_bare(word.w), terms)}
        if tag != "equal" and near and not at_edge and len(theirs) >= len(ours) and len(theirs) > len(said) \
                and ours_terms <= theirs_terms:
            owner = biased[low][0] if low < high else biased[max(0, low - 1)][0]
            kept += [(owner, spaced) for spaced in theirs]
        else:
            kept += biased[low:high]
    return kept


def _resembled(text: str, terms: Sequence[str]) -> set[str]:
    """The `terms` that `text` holds or resembles (`RESEMBLES`)."""
    return {term for term in terms if term in text or SequenceMatcher(None, text, term).ratio() >= RESEMBLES}


def _bare(text: str) -> str:
    return re.sub(r"[^a-z0-9']", "", text.lower())


def _middle(word: Word) -> float:
    return (word.start + word.end) / 2


def _merge(spans: Sequence[Span]) -> list[Span]:
    merged: list[Span] = []
    for low, high in spans:
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged
