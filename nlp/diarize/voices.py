"""Mono diarization: embed stretches of speech with a speaker encoder and cluster them into voices.

Speech is found from the ASR word timestamps (Whisper already ran its VAD), cut at pauses into
chunks of at most a couple of seconds, and each chunk is embedded with resemblyzer's VoiceEncoder
(a d-vector; its weights ship in the PyPI package). Chunks long enough to carry a reliable voice are
clustered by cosine distance (average-linkage agglomerative clustering with a distance threshold,
which also estimates how many people spoke); shorter chunks join the nearest voice.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from nlp.asr.base import SAMPLE_RATE
from nlp.asr.sentences import PAUSE_SECONDS, ends_sentence, is_title
from nlp.types import Word

PAUSE_S = 0.25        # a silence this long between words starts a new chunk
MAX_CHUNK_S = 2.0     # longer stretches are cut at a word boundary, so a missed turn change costs little
MIN_CLUSTER_S = 0.8   # chunks shorter than this are assigned to a voice, not used to find the voices
MIN_VOICE_S = 4.0     # a cluster with less speech than this is folded into the nearest voice
CONTINUATION_WORDS = 3      # at most this many words finishing a sentence move to the voice that began it
CONTINUATION_GAP_S = PAUSE_SECONDS  # ... when they follow it within less silence than ends an utterance
# A sentence cut after one of these words is unfinished whatever follows ("Your sodium is" | "129, which is low."):
# nobody hands the turn over on an article or a possessive, nor on a copula after a noun outside a wh-clause ("that's
# what it is", "yes it is" end one), so the words up to the next sentence end go on with it, a number or a longer clause too (not after
# "how many a day", which may be answered "2."). Prepositions are left out: they end questions ("what's it for").
DETERMINERS = frozenset({"a", "an", "the", "your", "my", "their", "our"})  # not "his", "her": "I told her"
COPULAS = frozenset({"is", "was", "are", "were"})
WH_WORDS = frozenset({"what", "what's", "where", "where's", "how", "how's", "who", "who's", "which", "when", "why"})
PRONOUNS = frozenset({"i", "you", "he", "she", "it", "we", "they", "that", "this", "there", "so"})
UNFINISHED_CONTINUATION_WORDS = 5  # a value and a short comment on it: "129, which is low."
DISTANCE_THRESHOLD = 0.35  # cosine distance (average linkage) above which two groups are different voices


_DIGITAL_SILENCE = 1e-5  # below any recorded sound (-100 dBFS)
_RATE, _MIN_COVERAGE = 1.3, 0.75  # resemblyzer's embed_utterance defaults: partials per second, last partial's share
_BATCH = 64  # partials per LSTM call: large enough to amortise the per-step overhead, small in memory


class VoiceEncoder(Protocol):
    """Turns a stretch of 16 kHz speech into an L2-normalised speaker embedding."""

    def embed(self, audio: np.ndarray) -> np.ndarray: ...


def embed_all(encoder: VoiceEncoder, clips: Sequence[np.ndarray]) -> np.ndarray:
    """One embedding per clip, as rows; batched when the encoder can (`embed_many`), else one by one."""
    many: Callable[[Sequence[np.ndarray]], np.ndarray] | None = getattr(encoder, "embed_many", None)
    if many is not None:
        return many(clips)
    return np.stack([encoder.embed(clip) for clip in clips])


class ResemblyzerEncoder:
    """resemblyzer's d-vector encoder (GE2E, 256 dimensions), loaded from the weights in its package (about 2 s,
    17 MB): its owner keeps it (the service's Scribe loads one on first use)."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            # webrtcvad, imported by resemblyzer, still imports the deprecated pkg_resources.
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning)  # its scipy.ndimage.morphology import
            from resemblyzer import VoiceEncoder as _Encoder
            from resemblyzer import normalize_volume
        self._normalize = normalize_volume
        self._encoder = _Encoder("cpu", verbose=False)

    def embed(self, audio: np.ndarray) -> np.ndarray:
        embedding: np.ndarray = self.embed_many([audio])[0]
        return embedding

    def embed_many(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """resemblyzer's `embed_utterance` for each clip, with the LSTM run on all clips' partials at once.

        A clip of a couple of seconds has one or two 1.6 s partials; one LSTM call per clip spent
        most of diarization's time stepping 160 frames through three layers for a batch of one or two.
        Each partial's embedding does not depend on the others in its batch, so the result is the
        per-clip one.
        """
        import torch
        from resemblyzer import audio as resemblyzer_audio
        from threadpoolctl import threadpool_limits

        mels, owners = [], []
        # A small LSTM and a 40-band mel product gain nothing from threads, and on a busy machine
        # they make them many times slower.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with threadpool_limits(limits=1):
                for index, clip in enumerate(clips):
                    wav = self._prepare(clip)
                    wav_slices, mel_slices = self._encoder.compute_partial_slices(len(wav), _RATE, _MIN_COVERAGE)
                    if wav_slices[-1].stop >= len(wav):
                        wav = np.pad(wav, (0, wav_slices[-1].stop - len(wav)), "constant")
                    mel = resemblyzer_audio.wav_to_mel_spectrogram(wav)
                    mels += [mel[piece] for piece in mel_slices]
                    owners += [index] * len(mel_slices)
                partials = []
                with torch.no_grad():
                    for first in range(0, len(mels), _BATCH):
                        batch = torch.from_numpy(np.array(mels[first:first + _BATCH]))
                        partials.append(self._encoder(batch).numpy())
        finally:
            torch.set_num_threads(threads)
        embeddings = np.concatenate(partials) if partials else np.zeros((0, 256), dtype=np.float32)
        owner = np.array(owners)
        out = np.stack([embeddings[owner == index].mean(axis=0) for index in range(len(clips))]) if clips else \
            np.zeros((0, embeddings.shape[1]), dtype=np.float32)
        normalised: np.ndarray = out / np.linalg.norm(out, axis=1, keepdims=True)
        return normalised

    def _prepare(self, audio: np.ndarray) -> np.ndarray:
        audio = audio.astype(np.float32)
        if not np.any(np.abs(audio) > _DIGITAL_SILENCE):
            # Exact digital silence makes the volume normalisation take log(0) and the encoder refuse the
            # buffer, failing the whole job; a fixed, inaudible noise floor gives it a (meaningless) voice.
            audio = audio + _DIGITAL_SILENCE * np.random.default_rng(0).standard_normal(len(audio)).astype(np.float32)
        normalised: np.ndarray = self._normalize(audio, -30, increase_only=True)
        return normalised


@dataclass(frozen=True)
class Chunk:
    """A stretch of speech between pauses: words[first:last] of the recording."""

    first: int
    last: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def speech_chunks(words: Sequence[Word], pause: float = PAUSE_S, longest: float = MAX_CHUNK_S) -> list[Chunk]:
    """Consecutive words grouped at pauses, each group at most `longest` seconds (unless one word is longer)."""
    chunks: list[Chunk] = []
    first = 0
    for index in range(1, len(words) + 1):
        if index < len(words):
            gap = words[index].start - words[index - 1].end
            if gap < pause and words[index].end - words[first].start <= longest:
                continue
        chunks.append(Chunk(first, index, words[first].start, words[index - 1].end))
        first = index
    return chunks


def voice_labels(audio: np.ndarray, words: Sequence[Word], encoder: VoiceEncoder, *, min_speakers: int = 1,
                 max_speakers: int = 4, threshold: float = DISTANCE_THRESHOLD) -> list[str]:
    """A voice label ("S1", "S2", ... in order of first speaking) for each word of a mono recording."""
    if not words:
        return []
    chunks = speech_chunks(words)
    embeddings = embed_all(encoder, [_clip(audio, chunk) for chunk in chunks])
    long_enough = [i for i, chunk in enumerate(chunks) if chunk.duration >= MIN_CLUSTER_S] or list(range(len(chunks)))
    clusters = cluster(embeddings[long_enough], min_speakers=min_speakers, max_speakers=max_speakers,
                       threshold=threshold)
    durations = np.array([chunks[i].duration for i in long_enough])
    # A "voice" heard for only a moment is an outlier of a real one, unless the caller asked for that many.
    kept = [c for c in range(clusters.max() + 1) if durations[clusters == c].sum() >= MIN_VOICE_S]
    if len(kept) < min_speakers:
        kept = sorted(range(clusters.max() + 1), key=lambda c: -durations[clusters == c].sum())[:min_speakers]
    centroids = np.stack([embeddings[long_enough][clusters == c].mean(axis=0) for c in kept])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    nearest = np.argmax(embeddings @ centroids.T, axis=1)
    for index, voice in zip(long_enough, clusters):
        if voice in kept:
            nearest[index] = kept.index(voice)
    labels: list[str] = []
    names: dict[int, str] = {}
    for chunk, voice in zip(chunks, nearest):
        name = names.setdefault(int(voice), f"S{len(names) + 1}")
        labels += [name] * (chunk.last - chunk.first)
    return sentences_finished_across_chunks(words, chunks, turns_begun_at_chunk_ends(words, chunks, labels))


def turns_begun_at_chunk_ends(words: Sequence[Word], chunks: Sequence[Chunk], labels: list[str]) -> list[str]:
    """The words after a chunk's last sentence end take the next chunk's voice when another voice speaks on there
    without a pause. A turn most often changes at a sentence end, and Whisper's word times stretch over the pause
    ("in?" 1.44-2.30 s, the patient's "I" 2.52 s), so a chunk may end with the first word of the answer: it gave
    "I" the question's voice, and the answer was cut in two. (Cutting the chunks themselves at sentence ends left
    too little long speech to find three voices by.)"""
    labels = list(labels)
    for chunk, following in zip(chunks, chunks[1:]):
        if labels[following.first] == labels[chunk.first] or \
                words[following.first].start - words[chunk.last - 1].end >= PAUSE_S:
            continue
        ends = [index for index in range(chunk.first, chunk.last - 1) if ends_sentence(words[index].w)]
        if ends:
            labels[ends[-1] + 1:chunk.last] = [labels[following.first]] * (chunk.last - ends[-1] - 1)
    return labels


def sentences_finished_across_chunks(words: Sequence[Word], chunks: Sequence[Chunk], labels: list[str],
                                     longest: int = CONTINUATION_WORDS) -> list[str]:
    """The last words of a sentence begun in one chunk take that chunk's voice when the next chunk, heard as
    another voice, opens with them: "what is bothering" | "you? I keep getting cramps", "about six" | "weeks.",
    "Good afternoon, Mr." | "Jones." (a title's name goes on with it whatever its capital). A chunk may be cut
    inside a sentence (at a breath, or at its length limit), and a word or two is too little speech to tell a
    voice by, so the answer's voice took the question's end. Only a few words up to a sentence end move: a longer
    run that goes on from a sentence without a break is more likely another speaker's; but a sentence cut after a
    word no sentence ends on (`_unfinished`: "Your sodium is" | "129, which is low.") goes on for up to
    `UNFINISHED_CONTINUATION_WORDS`, a number first too."""
    labels = list(labels)
    for chunk, following in zip(chunks, chunks[1:]):
        previous, first = words[chunk.last - 1], words[following.first]
        # lower case or a title's name, not a digit: "how many a day" | "2." may be the answer to a question
        # whose mark Whisper left off; after an unfinished sentence, a digit too
        unfinished = _unfinished(words, chunk)
        goes_on = not ends_sentence(previous.w) and (first.w.strip()[:1].islower() or is_title(previous.w)
                                                     or unfinished)
        if labels[following.first] == labels[chunk.last - 1] or not goes_on or \
                first.start - previous.end >= CONTINUATION_GAP_S:
            continue
        # an unfinished sentence may go on over the next chunks too ("129," is a chunk of its own before a breath)
        last = _said_on(words, following.first, following.first + UNFINISHED_CONTINUATION_WORDS) if unfinished \
            else min(following.last, following.first + longest)
        ends = [index for index in range(following.first, last) if ends_sentence(words[index].w)]
        if ends:
            labels[following.first:ends[0] + 1] = [labels[chunk.last - 1]] * (ends[0] + 1 - following.first)
    return labels


def _said_on(words: Sequence[Word], first: int, last: int) -> int:
    """The end of the words from `first` (at most to `last`) said without a pause that ends an utterance."""
    last = min(last, len(words))
    for index in range(first + 1, last):
        if words[index].start - words[index - 1].end >= CONTINUATION_GAP_S:
            return index
    return last


def _unfinished(words: Sequence[Word], chunk: Chunk) -> bool:
    """Whether the chunk stops on a word no sentence ends on: a determiner, or a copula after a noun said outside a
    wh-clause."""
    last = words[chunk.last - 1].w.strip().lower()
    if last in DETERMINERS:
        return True
    if last not in COPULAS or chunk.last < 2 or words[chunk.last - 2].w.strip(" ,").lower() in PRONOUNS:
        return False
    begun = chunk.last - 1
    while begun > 0 and not ends_sentence(words[begun - 1].w):
        begun -= 1
    return not any(word.w.strip(" ,;:").lower() in WH_WORDS for word in words[begun:chunk.last - 1])


def cluster(embeddings: np.ndarray, *, min_speakers: int, max_speakers: int, threshold: float) -> np.ndarray:
    """Cluster ids (0..k-1) for L2-normalised embeddings; k estimated by the threshold, kept in [min, max]."""
    from sklearn.cluster import AgglomerativeClustering

    if len(embeddings) < 2:
        return np.zeros(len(embeddings), dtype=int)
    found: np.ndarray = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                                distance_threshold=threshold).fit_predict(embeddings)
    count = int(found.max()) + 1
    wanted = min(max(count, min_speakers), max_speakers, len(embeddings))
    if wanted == count:
        return found
    merged: np.ndarray = AgglomerativeClustering(n_clusters=wanted, metric="cosine",
                                                 linkage="average").fit_predict(embeddings)
    return merged


def _clip(audio: np.ndarray, chunk: Chunk) -> np.ndarray:
    start = max(0, int(chunk.start * SAMPLE_RATE))
    return audio[start:max(start + 1, int(chunk.end * SAMPLE_RATE))]
