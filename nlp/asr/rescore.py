"""The consultation's vocabulary checked against the audio: a term the chart, the upload or the clinic names that the
transcript does not hold is looked for where Whisper was unsure, and written there only when Whisper, reading that
stretch of audio again, finds it likelier than what it wrote and likelier than the drugs that sound like it.
First, the correction's own gates toward the vocabulary are tried again with Whisper's doubt of each word read as
its least sure token (`doubted`).

The spelling gates of `nlp.asr.correct` cannot tell "sin must have been" from simvastatin or "Mende with Lumithy,
I like" from bendroflumethiazide (tiny.en, espeak-ng at 160 words a minute): the words sound too far from the names
to be matched by their letters. The audio can: for that stretch Whisper finds the names 15 and 20 nats likelier
than what its greedy decoding wrote.

For each term of the vocabulary that no word of the transcript names, the runs of up to `MAX_WORDS` words that could
have been it (Whisper unsure of one of them, no number, no drug name but one the term names, about as long, sounding
loosely alike; the first word's opening English word may be kept before the term, "your" of "yourself")
are ranked by sound, and the closest `MAX_CANDIDATES` are scored, with any drug name Whisper wrote without believing
it (`UNBELIEVED_P`) that the vocabulary does not list: the log probability Whisper gives the run's sentence (its
words and audio only, not the rest of a segment that may hold a whole window) with the run replaced by the term,
against the sentence as it wrote it, both after the vocabulary as the previous text (as the hotwords were given).
The likeliest run is written when it is `MIN_GAIN` nats likelier, `READ_MIN_GAIN` likelier than Whisper's own
greedy reading of the sentence again unless that reading holds the term, and
`RIVAL_MARGIN` nats more so than with a drug of the lexicon in the term's place (in the text and the prompt), for the
drugs that sound most like the term or at least as much like the words heard: a chart listing a sound-alike of the
drug said (empagliflozin, when eplerenone was said and heard "amplerinine") gives it no more than the drug said
(when the reading again holds the term, it may trail them by `READ_RIVAL_SLACK`).
The thresholds were set on the 8 *tuned* consultations of benchmarks.vocabulary_recall (their decoy vocabularies
included), where the best-scoring drug nobody said gained 0.5 nats past its rivals and the least a said one 6.2.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

import jellyfish
import numpy as np

from nlp.asr.base import SAMPLE_RATE
from nlp.asr.correct import Corrector, is_spellable, letters, named, plain, sound_distance, with_runs
from nlp.types import Segment, Word

log = logging.getLogger(__name__)

MAX_WORDS = 5  # "Mende with Lumithy, I like" for bendroflumethiazide
MIN_KEPT = 3  # letters of an English word opening a run's first word kept before the term, and of the rest
MAX_KEPT_CANDIDATES = 1  # such runs scored per term, besides MAX_CANDIDATES of whole words
MAX_CANDIDATES = 4  # runs scored per term, the closest in sound first
MAX_SOUND_DISTANCE = 0.65  # Metaphone edits over the longer key: "sin must have been" is 0.62 from simvastatin
MIN_LENGTH_RATIO = 0.5  # the run's letters against the term's
MAX_LENGTH_RATIO = 1.8
CANDIDATE_UNSURE_P = 0.6  # Whisper gave one of the run's words a probability under this ("I be prophin", 0.54)
MIN_GAIN = 2.0  # nats the text with the term must be likelier than the text as heard
RIVAL_MARGIN = 0.5  # ... and likelier by this much than with a sound-alike drug in the term's place
RIVALS = 5  # sound-alike drugs of the lexicon tried against each term
RIVAL_SOUND_DISTANCE = 0.5
# Whisper reads the sentence again (greedy, its audio alone, the consultation's terms as the previous text): the term
# must be MIN_GAIN likelier than that reading too, unless the reading holds the term. "I'm not sure if it's the
# statin", heard "... not starting", is fluvastatin by 7.2 nats and 1.0 over the drugs that sound like it when a chart
# lists fluvastatin, but only 0.4 over the reading again ("If it's not hurting"; benchmarks.vocabulary_recall's decoys).
# When the reading holds the term, the vocabulary's drug may trail a drug that sounds like it by READ_RIVAL_SLACK:
# "and a baby aspirin", heard "and amelias green", read again "... metformin and aspirin", is aspirin by 13.5 nats
# and azithromycin, with azithromycin as the prompt, by 14.6.
READ_RIVAL_SLACK = 2.0
# ... and the term must be READ_MIN_GAIN likelier than the reading again (when it does not hold the term): 0.4 for
# the decoy fluvastatin above; 1.5 for "How often are you using your salbutamol?" (said), heard "... yourself, you
# timeout?", read again "... yourself, you came out?" (3.7 nats over as heard, 3.4 over its sound-alikes).
READ_MIN_GAIN = 1.0
# A drug name Whisper wrote while giving it a probability under this, and the vocabulary does not list, may stand for
# a term of the vocabulary however unlike in sound: with rosuvastatin in the hotwords, tiny.en wrote "They started me
# on rosuvastatin a month ago" as "Next, I'll give me omeprazole." at p 0.0000 (espeak-ng), and that sentence with
# rosuvastatin is 3.8 nats likelier than with omeprazole, each drug as the prompt. Such a run must beat the drug it
# replaces, that drug as the prompt, by RIVAL_MARGIN as it beats the term's sound-alikes.
UNBELIEVED_P = 0.01
PAD_SECONDS = 0.5  # audio kept either side of a sentence when it is read again
SENTENCE_ENDS = ".?!"
# Whisper reads at most 223 tokens of previous text; the consultation's terms are cut at this length, as the service
# cuts them for the hotwords (service.vocabulary.MAX_RECOGNITION_CHARS), which also bounds the terms looked for.
MAX_PROMPT_CHARS = 600


@runtime_checkable
class TextScorer(Protocol):
    """A recogniser that can say how likely a text is for a stretch of audio (a backend that can: faster-whisper)."""

    def log_probabilities(self, audio: np.ndarray, texts: Sequence[tuple[str, str]]) -> list[float]:
        """For each (prompt, text), the log probability of `text` given the audio (16 kHz mono, at most 30 s)
        and `prompt` as the previous text."""
        ...

    def reading(self, audio: np.ndarray, prompt: str) -> str:
        """The text the recogniser writes for the audio (16 kHz mono, at most 30 s) after `prompt` as the previous
        text."""
        ...

    def word_doubts(self, audio: np.ndarray, prompt: str, words: Sequence[str]) -> list[float]:
        """For each of `words` (a text as written), the least probability the recogniser gives one of its tokens
        of letters, for the audio (16 kHz mono, at most 30 s) after `prompt` as the previous text."""
        ...


@dataclass(frozen=True)
class Candidate:
    """A run of one segment's words (first..last) that may be `term`, `distance` apart in sound."""

    segment: int
    first: int
    last: int
    term: str
    distance: float
    drug: str = ""  # the drug name Whisper wrote there, unbelieved (UNBELIEVED_P)
    kept: str = ""  # the English word opening the run's first word, kept before the term (Run.kept)


@dataclass(frozen=True)
class Decision:
    """What reading the audio again decided for one candidate: the gain in nats over the text as heard, and over
    the best sound-alike drug in the term's place."""

    candidate: Candidate
    gain: float
    over_rivals: float
    over_reading: float = -np.inf  # the gain over Whisper's own reading of the sentence again, the terms as prompt
    read: bool = False  # ... which holds the term itself
    over_written: float = np.inf  # the gain over the unbelieved drug Whisper wrote there, itself as the prompt

    @property
    def accepted(self) -> bool:
        if self.gain < MIN_GAIN or self.over_written < RIVAL_MARGIN or \
                not (self.read or self.over_reading >= READ_MIN_GAIN):
            return False
        return self.over_rivals >= (-READ_RIVAL_SLACK if self.read else RIVAL_MARGIN)


def missing_terms(segments: Sequence[Segment], vocabulary: Sequence[str]) -> list[str]:
    """The vocabulary's terms of letters (one word or more: "vitamin d", "mefenamic acid", "co-codamol"; 5 letters
    or more) that the transcript's words do not name."""
    heard = _words(" ".join(word.w for segment in segments for word in segment.words))
    terms = dict.fromkeys(term for term in vocabulary if is_spellable(term))
    return [term for term in terms if _words(term) not in heard]


def _words(text: str) -> str:
    """The text's words, lower-case, without the punctuation around them, a hyphen between two words read as a
    space ("Co-codamol." and "co codamol" alike), padded with a space either side."""
    return f" {' '.join(plain(word) for word in text.replace('-', ' ').split())} "


@dataclass(frozen=True)
class Run:
    """Up to MAX_WORDS words of one segment (first..last) that could be one misheard term: their letters and
    Metaphone key."""

    segment: int
    first: int
    last: int
    letters: str
    key: str
    drug: bool = False  # one drug name Whisper wrote under UNBELIEVED_P
    names: frozenset[str] = frozenset()  # the drug names among its words, which only a term naming them may take
    # The English word that opens the run's first word and is kept before the term, the rest of that word being
    # the term's start: Whisper joins a short word to the sound after it ("How often are you using yourself, you
    # timeout?" for "... your salbutamol?", tiny.en, espeak-ng: ' sal' costs 0.09 nats after ' your', 14.4 after
    # "using" alone, so no run of whole words is the term).
    kept: str = ""


def runs(segments: Sequence[Segment], corrector: Corrector) -> list[Run]:
    """Every run of words that could have been a term, whatever the term: letters only, not across a sentence
    end, Whisper unsure of one word (under CANDIDATE_UNSURE_P). A run may hold drug names (a term of several words
    names one: "potassium chloride", heard "potassium chlorate"), which `candidates` keeps for such a term only."""
    found: list[Run] = []
    for index, segment in enumerate(segments):
        words = segment.words
        cores = [letters(plain(word.w).replace("'", "")) for word in words]
        names = [plain(word.w) if corrector.is_term(word.w) else "" for word in words]
        for first in range(len(words)):
            if names[first] and words[first].p < UNBELIEVED_P:
                found.append(Run(index, first, first, cores[first], jellyfish.metaphone(cores[first]), drug=True))
            for last in range(first, min(len(words), first + MAX_WORDS)):
                if not cores[last].isalpha() or (last > first and words[last - 1].w.rstrip()[-1:] in ".?!"):
                    break
                if min(word.p for word in words[first:last + 1]) < CANDIDATE_UNSURE_P:
                    held = frozenset(name for name in names[first:last + 1] if name)
                    rest = "".join(cores[first + 1:last + 1])
                    opening = _opening_words(cores[first], corrector.english) if last > first else []
                    for kept in ["", *opening]:
                        joined = cores[first][len(kept):] + rest
                        found.append(Run(index, first, last, joined, jellyfish.metaphone(joined), names=held,
                                         kept=kept))
    return found


def _opening_words(core: str, english: frozenset[str]) -> list[str]:
    """The English words of at least MIN_KEPT letters that open `core`, itself an English word, and leave
    MIN_KEPT letters or more after them ("yourself": "you", "your"; none for "Kremps")."""
    if core not in english:
        return []
    return [core[:end] for end in range(MIN_KEPT, len(core) - MIN_KEPT + 1) if core[:end] in english]


def candidates(heard: Sequence[Run], term: str) -> list[Candidate]:
    """The runs that could have been `term` (about as long, sounding loosely alike), the closest in sound first,
    at most MAX_CANDIDATES. A run holding a drug name is kept only for a term of several words that names it,
    and only when the run has other words too: a drug Whisper wrote is not replaced by another."""
    letters_said = letters(term)
    term_key = jellyfish.metaphone(letters_said)
    term_words = set(_words(term).split())
    found = [Candidate(run.segment, run.first, run.last, term, sound_distance(run.key, term_key),
                       run.letters if run.drug else "", run.kept) for run in heard
             if MIN_LENGTH_RATIO <= len(run.letters) / len(letters_said) <= MAX_LENGTH_RATIO
             and (run.drug or (run.names <= term_words and len(run.names) <= run.last - run.first))]
    unbelieved = [candidate for candidate in found if candidate.drug and candidate.drug != letters_said]
    found = [candidate for candidate in found if not candidate.drug and candidate.distance <= MAX_SOUND_DISTANCE]
    found.sort(key=lambda c: (c.distance, c.last - c.first, c.segment, c.first))
    # A run beginning inside a word is tried besides the closest runs of whole words, never in place of one: its
    # letters may come nearer the term's by chance ("Kremps, Doctor," would have pushed out "sin must have been",
    # simvastatin by 15 nats, from the closest four).
    whole = [candidate for candidate in found if not candidate.kept][:MAX_CANDIDATES]
    inside = [candidate for candidate in found if candidate.kept][:MAX_KEPT_CANDIDATES]
    return whole + inside + unbelieved


def prompt_terms(vocabulary: Sequence[str]) -> list[str]:
    """The vocabulary's terms, each once, that fit Whisper's previous-text prompt (MAX_PROMPT_CHARS, as the
    hotwords are cut): the ones looked for, and the prompt they are scored after."""
    listed: list[str] = []
    length = 0
    for term in dict.fromkeys(vocabulary):
        if length + len(term) + 2 > MAX_PROMPT_CHARS:
            break
        listed.append(term)
        length += len(term) + 2
    return listed


def _spoken(words: Sequence[Word]) -> str:
    return " ".join(word.w.strip() for word in words)


def _replaced(words: Sequence[Word], candidate: Candidate, term: str) -> str:
    return _spoken([*words[:candidate.first], _named(words, candidate, term), *words[candidate.last + 1:]])


def _named(words: Sequence[Word], candidate: Candidate, term: str) -> Word:
    """The one word written for the candidate's run, naming `term` (after the word it keeps, if any)."""
    return named(words[candidate.first:candidate.last + 1], f"{candidate.kept} {term}" if candidate.kept else term)


def decide(segments: Sequence[Segment], audio: np.ndarray, vocabulary: Sequence[str], corrector: Corrector,
           scorer: TextScorer) -> list[Decision]:
    """Every candidate of every missing term, scored against the audio. The sound-alike drugs are tried only
    against each term's likeliest candidate that passes MIN_GAIN: the others are not written anyway."""
    listed = prompt_terms(vocabulary)
    prompt = ", ".join(listed)
    by_segment: dict[int, list[Candidate]] = defaultdict(list)
    missing = missing_terms(segments, listed)
    heard = runs(segments, corrector) if missing else []
    listed_lower = {term.lower() for term in listed}
    for term in missing:
        for candidate in candidates(heard, term):
            if candidate.drug not in listed_lower:  # a drug the vocabulary lists was heard, however unsure
                by_segment[candidate.segment].append(candidate)
    gains: dict[Candidate, float] = {}
    as_heard: dict[Candidate, float] = {}  # the log probability of the candidate's sentence as Whisper wrote it
    for index, found in sorted(by_segment.items()):
        words = segments[index].words
        by_sentence: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
        for candidate in found:
            by_sentence[sentence_of(words, candidate)].append(candidate)
        for (start, end), here in sorted(by_sentence.items()):
            said = words[start:end + 1]
            texts = [(prompt, _spoken(said))] + [(prompt, _replaced(said, _within(c, start), c.term)) for c in here]
            scores = scorer.log_probabilities(_audio_of(said, audio), texts)
            gains.update((candidate, score - scores[0]) for candidate, score in zip(here, scores[1:], strict=True))
            as_heard.update((candidate, scores[0]) for candidate in here)
    best: dict[str, Candidate] = {}
    for candidate, gain in gains.items():
        if gain >= MIN_GAIN and (candidate.term not in best or gain > gains[best[candidate.term]]):
            best[candidate.term] = candidate
    over_rivals: dict[Candidate, float] = {}
    readings: dict[Candidate, tuple[float, bool]] = {}
    over_written: dict[Candidate, float] = {}
    for candidate in best.values():
        words = segments[candidate.segment].words
        start, end = sentence_of(words, candidate)
        said, within = words[start:end + 1], _within(candidate, start)
        piece = _audio_of(said, audio)
        reading = scorer.reading(piece, prompt)
        [read_score] = scorer.log_probabilities(piece, [(prompt, reading)])
        readings[candidate] = (gains[candidate] - (read_score - as_heard[candidate]), _holds(reading, candidate.term))
        texts = []
        run = letters(" ".join(plain(word.w) for word in words[candidate.first:candidate.last + 1]))
        rivals = dict.fromkeys([
            *corrector.sound_alikes(letters(candidate.term), RIVALS, RIVAL_SOUND_DISTANCE, besides=candidate.term),
            *corrector.sound_alikes(run, RIVALS, min(candidate.distance, RIVAL_SOUND_DISTANCE),
                                    besides=candidate.term)])
        for rival in rivals:
            rival_prompt = ", ".join(rival if term == candidate.term else term for term in listed)
            texts += [(rival_prompt, _spoken(said)), (rival_prompt, _replaced(said, within, rival))]
        if candidate.drug:  # the sentence as heard, the drug written as the prompt in the term's place
            drug_prompt = ", ".join(candidate.drug if term == candidate.term else term for term in listed)
            [written] = scorer.log_probabilities(piece, [(drug_prompt, _spoken(said))])
            over_written[candidate] = gains[candidate] + as_heard[candidate] - written
        scores = scorer.log_probabilities(piece, texts) if texts else []
        rival_gains = [with_rival - as_heard for as_heard, with_rival in zip(scores[::2], scores[1::2], strict=True)]
        over_rivals[candidate] = gains[candidate] - max(rival_gains, default=-np.inf)
    return [Decision(candidate, gain, over_rivals.get(candidate, -np.inf), *readings.get(candidate, (-np.inf, False)),
                     over_written.get(candidate, np.inf)) for candidate, gain in gains.items()]


def _holds(text: str, term: str) -> bool:
    """Whether `text` names `term` (as words, case, punctuation and hyphens aside)."""
    return _words(term) in _words(text)


def sentence_of(words: Sequence[Word], candidate: Candidate) -> tuple[int, int]:
    """The first and last word of the sentence Whisper wrote around the candidate's run, within its segment: what is
    read again. A segment may hold a whole 30-second window; there the rest of the window's text outweighs the few
    words in question ("Just fewer of mine," is furosemide 6 nats likelier read as its sentence, 0.9 less read
    with the 29 s around it: tiny.en, espeak-ng)."""
    start = candidate.first
    while start > 0 and words[start - 1].w.rstrip()[-1:] not in SENTENCE_ENDS:
        start -= 1
    end = candidate.last
    while end < len(words) - 1 and words[end].w.rstrip()[-1:] not in SENTENCE_ENDS:
        end += 1
    return start, end


def _within(candidate: Candidate, start: int) -> Candidate:
    """The candidate with its word indexes counted from `start` (its sentence's first word)."""
    return replace(candidate, first=candidate.first - start, last=candidate.last - start)


def _audio_of(words: Sequence[Word], audio: np.ndarray) -> np.ndarray:
    """The words' audio with PAD_SECONDS either side, as float32 mono. `audio` may be (channels, samples) in
    half precision, as the service keeps a recording: only the piece is converted and mixed down, so a long
    recording is not copied whole."""
    start = max(0.0, words[0].start - PAD_SECONDS)
    end = words[-1].end + PAD_SECONDS
    piece = audio[..., int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)].astype(np.float32)
    return piece.mean(axis=0) if piece.ndim == 2 else piece


def doubted(segments: Sequence[Segment], audio: np.ndarray, vocabulary: Sequence[str], corrector: Corrector,
            scorer: TextScorer) -> list[Segment]:
    """The segments with each missing vocabulary term written where the correction's gates toward the vocabulary
    (`Corrector.vocabulary_runs`: close in sound, no other drug as close) take the heard words once Whisper's
    doubt of each word is read as its least sure token rather than the mean of its tokens (`word_doubts`).

    Whisper's probability of a word is the mean of its tokens', and a drug name Whisper spells another way goes
    wrong at its first token, after which the rest follow surely: "We could consider methanamic acid instead." for
    mefenamic acid (tiny.en, espeak-ng), "methanamic" p 0.59, too sure for the gates (UNSURE_P), its ' met' 0.28.
    The audio cannot settle it either: ' met' against ' me' is the sound at the word's start, 1.2 nats for
    "methanamic". Only a sentence with words the gates would take were Whisper unsure of every one is read."""
    listed = prompt_terms(vocabulary)
    missing = {_words(term) for term in missing_terms(segments, listed)}
    if not missing:
        return list(segments)
    preferring = corrector.preferring(listed)
    prompt = ", ".join(listed)
    result = []
    for segment in segments:
        words = segment.words
        unsure = [word.model_copy(update={"p": 0.0}) for word in words]
        possible = [(first, last) for first, (last, word) in preferring.vocabulary_runs(unsure).items()
                    if _words(word.w) in missing]
        if not possible:
            result.append(segment)
            continue
        read = dict.fromkeys(sentence_of(words, Candidate(0, first, last, "", 0.0)) for first, last in possible)
        doubts = [word.p for word in words]
        for start, end in read:
            said = words[start:end + 1]
            for index, doubt in enumerate(scorer.word_doubts(_audio_of(said, audio), prompt, [w.w for w in said])):
                doubts[start + index] = min(doubts[start + index], doubt)
        runs = {first: (last, word) for first, (last, word) in preferring.vocabulary_runs(
                    [word.model_copy(update={"p": doubt}) for word, doubt in zip(words, doubts, strict=True)]).items()
                if (first, last) in possible}
        for first, (last, word) in runs.items():
            log.debug("vocabulary term %s for %r: Whisper's least sure token p %.2f", word.w,
                      _spoken(words[first:last + 1]), word.p)
        result.append(with_runs(segment, runs))
    return result


def rescore(segments: Sequence[Segment], audio: np.ndarray, vocabulary: Sequence[str], corrector: Corrector,
            scorer: TextScorer) -> list[Segment]:
    """The segments with each missing vocabulary term written where the audio says it was said (the accepted
    candidates, the likeliest first, none overlapping another), or where the correction's gates take it once
    Whisper's doubt is read token by token (`doubted`). `audio`: 16 kHz, mono or (channels, samples)."""
    if not vocabulary:
        return list(segments)
    segments = doubted(segments, audio, vocabulary, corrector, scorer)
    decisions = decide(segments, audio, vocabulary, corrector, scorer)
    runs: dict[int, dict[int, tuple[int, Word]]] = defaultdict(dict)
    # At most one candidate a term is accepted: `decide` tries the sound-alikes against each term's likeliest only.
    for decision in sorted(decisions, key=lambda d: -d.gain):
        candidate = decision.candidate
        words = segments[candidate.segment].words
        log.debug("vocabulary term %s for %r: gain %.1f, over sound-alikes %.1f, over the reading again %.1f%s",
                  candidate.term, _spoken(words[candidate.first:candidate.last + 1]), decision.gain,
                  decision.over_rivals, decision.over_reading, " (which holds it)" if decision.read else "")
        taken = runs[candidate.segment]
        if not decision.accepted or \
                any(first <= candidate.last and candidate.first <= last for first, (last, _) in taken.items()):
            continue
        taken[candidate.first] = (candidate.last, _named(words, candidate, candidate.term))
    return [with_runs(segment, runs.get(index, {})) for index, segment in enumerate(segments)]
