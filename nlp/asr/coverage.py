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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from faster_whisper.vad import VadOptions

from nlp.asr.base import SAMPLE_RATE, AsrBackend, DecodeOptions, shift
from nlp.asr.sentences import SENTENCE_END, split_sentences
from nlp.asr.vad import SpeechActivity
from nlp.types import Segment, Word

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

Span = tuple[float, float]


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
           sample_rate: int = SAMPLE_RATE, *, speech: SpeechActivity | None = None) -> list[Segment]:
    """`segments` (recognised from mono `samples` with `options`, times from the start of `samples`) with
    every place recognition lost speech (`lost`) recognised again without the vocabulary. `speech`: the
    samples' voice activity as their recognition read it (else Silero runs on them again).

    Whisper without a vocabulary loses words too, rarely, and at times the last words of the shorter audio it
    is given again, so the result is checked again, up to `REPAIR_ROUNDS` times, as long as a round changes it.
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
    return result


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
        elif done and done[-1].words and not done[-1].words[-1].w.endswith(SENTENCE_END) \
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
    ends = [index for index, part in enumerate(parts) if part.words[-1].w.endswith(SENTENCE_END)]
    return parts[:ends[-1] + 1] if ends else []


def _recognise(engine: AsrBackend, samples: np.ndarray, start: float, end: float, options: DecodeOptions,
               sample_rate: int) -> list[Segment]:
    """Segments of `samples[start:end]` (seconds), with times moved onto the clock of `samples`."""
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
