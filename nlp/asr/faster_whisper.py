"""faster-whisper (CTranslate2) backend: the default, fastest on a CPU."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import restore_speech_timestamps
from faster_whisper.vad import collect_chunks

from nlp.asr.base import SAMPLE_RATE, DecodeOptions
from nlp.asr.vad import SpeechActivity
from nlp.types import Segment, Word


MAX_PROMPT_TOKENS = 223  # half of the decoder's 448 positions, less one, as Whisper cuts its prompt
# The seed of the temperature fallback's sampling: any fixed value; what matters is that every recognition starts
# its draws from it.
SAMPLING_SEED = 17


class FasterWhisperBackend:
    """Transcribes with a CTranslate2 model directory, streaming segments as they are decoded."""

    name = "faster-whisper"

    def __init__(self, model_dir: Path, compute_type: str = "int8", cpu_threads: int = 0) -> None:
        self.model_dir = model_dir
        self.multilingual = _is_multilingual(model_dir)
        # local_files_only: a path never triggers a hub look-up, this makes sure of it.
        self._model = WhisperModel(str(model_dir), device="cpu", compute_type=compute_type,
                                   cpu_threads=cpu_threads, local_files_only=True)
        self._sampler_options = {"compute_type": compute_type, "intra_threads": cpu_threads}
        # None: each call samples from a state of its own; a recording's view (`seeded`) shares one.
        self._sampling: _Sampling | None = None

    def seeded(self) -> FasterWhisperBackend:
        """This backend (the same loaded model) for one recording: all its calls draw the temperature fallback's
        samples from one state started at SAMPLING_SEED, so a recording is recognised alike in every job and
        process. Cheaper than a state per call when several calls sample (a model is loaded for it)."""
        view = copy.copy(self)
        view._sampling = _Sampling(self._new_sampler)
        return view

    def _new_sampler(self) -> ctranslate2.models.Whisper:
        return ctranslate2.models.Whisper(str(self.model_dir), device="cpu", **self._sampler_options)

    def _whisper(self) -> WhisperModel:
        """The loaded model, its sampling sent to this view's state (or to a new one for this call)."""
        shell = copy.copy(self._model)  # shares the weights, tokenizer and feature extractor
        shell.model = _SeededGeneration(self._model.model, self._sampling or _Sampling(self._new_sampler))
        return shell

    def transcribe(self, audio: np.ndarray, options: DecodeOptions,
                   speech: SpeechActivity | None = None) -> Iterator[Segment]:
        """`options.vad`: faster-whisper's VAD filter, done here as it does it (speech chunks under its default
        options, joined, times mapped back) so that `speech`, when given, is read instead of running Silero."""
        language = options.language if self.multilingual else "en"
        chunks = None
        if options.vad:
            chunks = (speech if speech is not None else SpeechActivity.of(audio)).chunks()
            audio = np.concatenate(collect_chunks(audio, chunks)[0], axis=0)
        segments, _info = self._whisper().transcribe(
            audio,
            language=language,
            beam_size=options.beam_size,
            initial_prompt=options.initial_prompt,
            hotwords=options.hotwords,
            vad_filter=False,
            word_timestamps=options.word_timestamps,
            condition_on_previous_text=False,
        )
        if chunks:
            segments = restore_speech_timestamps(segments, chunks, SAMPLE_RATE)
        for index, segment in enumerate(segments):
            words = [Word(w=word.word.strip(), start=round(word.start, 3), end=round(word.end, 3),
                          p=round(word.probability, 4))
                     for word in (segment.words or []) if word.word.strip()]
            yield Segment(id=index, start=round(segment.start, 3), end=round(segment.end, 3),
                          text=segment.text.strip(), words=words)

    @cached_property
    def _tokenizer(self) -> Tokenizer:
        return Tokenizer(self._model.hf_tokenizer, self._model.model.is_multilingual, task="transcribe", language="en")

    def log_probabilities(self, audio: np.ndarray, texts: Sequence[tuple[str, str]]) -> list[float]:
        """For each (prompt, text), the log probability Whisper gives `text` (its tokens and the end of text)
        after `prompt` as the previous text, for `audio` (at most 30 s; encoded once for all the texts)."""
        encoded, frames = self._encoded(audio)
        scores = []
        for prompt, text in texts:
            probabilities = self._token_probabilities(encoded, frames, prompt, self._tokenizer.encode(" " + text.strip()))
            # A token the cut audio gives no chance at all counts as very unlikely rather than impossible.
            scores.append(float(np.log(np.maximum(probabilities, 1e-12)).sum()))
        return scores

    def word_doubts(self, audio: np.ndarray, prompt: str, words: Sequence[str]) -> list[float]:
        """For each of `words` (a text as written, word by word), the least probability Whisper gives one of its
        tokens of letters after `prompt` as the previous text, for `audio` (at most 30 s); 1.0 for a word without
        letters. Whisper's own word probability is the mean of its tokens': once it has chosen a word's first
        token the rest follow nearly surely, so the mean hides a doubt on the first ("methanamic" p 0.59, its
        ' met' 0.28)."""
        encoded, frames = self._encoded(audio)
        pieces = [self._tokenizer.encode(" " + word.strip()) for word in words]
        # GPT-2's tokenizer splits a text at its spaces first, so the words' tokens joined are the text's.
        probabilities = self._token_probabilities(encoded, frames, prompt, [token for piece in pieces for token in piece])
        doubts = []
        at = 0
        for piece in pieces:
            lettered = [p for token, p in zip(piece, probabilities[at:at + len(piece)], strict=True)
                        if any(ch.isalpha() for ch in self._tokenizer.decode([token]))]
            doubts.append(float(min(lettered, default=1.0)))
            at += len(piece)
        return doubts

    def _encoded(self, audio: np.ndarray) -> tuple[object, int]:
        """The audio (at most 30 s) through Whisper's encoder, and its frames before the padding."""
        features = self._model.feature_extractor(audio.astype(np.float32))
        frames = min(features.shape[-1], self._model.feature_extractor.nb_max_frames)
        return self._model.encode(pad_or_trim(features)), frames

    def _token_probabilities(self, encoded: object, frames: int, prompt: str, tokens: list[int]) -> np.ndarray:
        """The probability of each of `tokens`, then of the end of text, after `prompt` as the previous text."""
        tokenizer = self._tokenizer
        # Whisper reads at most the last 223 tokens of previous text, as in its own decoding.
        previous = tokenizer.encode(" " + prompt.strip())[-MAX_PROMPT_TOKENS:] if prompt.strip() else []
        start = [tokenizer.sot_prev, *previous] if previous else []
        start += [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        result = self._model.model.align(encoded, start, [[*tokens, tokenizer.eot]], frames)[0]
        return np.asarray(result.text_token_probs)


    def reading(self, audio: np.ndarray, prompt: str) -> str:
        """The text greedy decoding writes for `audio` (at most 30 s, one piece: no VAD, no timestamps) after
        `prompt` as the previous text."""
        segments, _info = self._whisper().transcribe(audio.astype(np.float32), language="en", beam_size=1,
                                                 initial_prompt=prompt or None, vad_filter=False,
                                                 condition_on_previous_text=False, without_timestamps=True)
        return " ".join(segment.text.strip() for segment in segments)


class _Sampling:
    """Where the temperature fallback draws its samples: a model of its own, loaded when first needed and seeded.

    CTranslate2 samples with a generator that each of a model's worker threads seeds once, at its first draw, from
    the process's seed (`set_random_seed`, random when unset); it is never reseeded, so on a loaded model the draws
    go on from wherever the jobs before left them, and the same audio was heard differently from job to job
    (CTranslate2 issue 1757). A model loaded anew has a new worker thread, whose generator starts at the seed."""

    def __init__(self, load: Callable[[], ctranslate2.models.Whisper]) -> None:
        self._load = load
        self._model: ctranslate2.models.Whisper | None = None
        self._lock = threading.Lock()

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:  # one recording's calls follow each other; the lock keeps their draws in order anyway
            if self._model is None:
                self._model = self._load()
            # Read once, at this model's thread's first draw; every caller sets the same value.
            ctranslate2.set_random_seed(SAMPLING_SEED)
            return self._model.generate(*args, **kwargs)


class _SeededGeneration:
    """The loaded CTranslate2 model as faster-whisper calls it, but for generation that samples (temperature
    above 0), which goes to a `_Sampling`. Greedy and beam search draw nothing and stay on the loaded model."""

    def __init__(self, model: ctranslate2.models.Whisper, sampling: _Sampling) -> None:
        self._model = model
        self._sampling = sampling

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("sampling_topk", 1) != 1 and kwargs.get("sampling_temperature", 1.0) > 0:
            return self._sampling.generate(*args, **kwargs)
        return self._model.generate(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def _is_multilingual(model_dir: Path) -> bool:
    # English-only Whisper models have a 51864-token vocabulary; multilingual ones 51865+.
    vocabulary = model_dir / "vocabulary.txt"
    if vocabulary.is_file():
        with vocabulary.open(encoding="utf-8") as handle:
            return sum(1 for _ in handle) >= 51865
    return True
