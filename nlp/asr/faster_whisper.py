"""faster-whisper (CTranslate2) backend: the default, fastest on a CPU."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

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


class FasterWhisperBackend:
    """Transcribes with a CTranslate2 model directory, streaming segments as they are decoded."""

    name = "faster-whisper"

    def __init__(self, model_dir: Path, compute_type: str = "int8", cpu_threads: int = 0) -> None:
        self.model_dir = model_dir
        self.multilingual = _is_multilingual(model_dir)
        # local_files_only: a path never triggers a hub look-up, this makes sure of it.
        self._model = WhisperModel(str(model_dir), device="cpu", compute_type=compute_type,
                                   cpu_threads=cpu_threads, local_files_only=True)

    def transcribe(self, audio: np.ndarray, options: DecodeOptions,
                   speech: SpeechActivity | None = None) -> Iterator[Segment]:
        """`options.vad`: faster-whisper's VAD filter, done here as it does it (speech chunks under its default
        options, joined, times mapped back) so that `speech`, when given, is read instead of running Silero."""
        language = options.language if self.multilingual else "en"
        chunks = None
        if options.vad:
            chunks = (speech if speech is not None else SpeechActivity.of(audio)).chunks()
            audio = np.concatenate(collect_chunks(audio, chunks)[0], axis=0)
        segments, _info = self._model.transcribe(
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
        segments, _info = self._model.transcribe(audio.astype(np.float32), language="en", beam_size=1,
                                                 initial_prompt=prompt or None, vad_filter=False,
                                                 condition_on_previous_text=False, without_timestamps=True)
        return " ".join(segment.text.strip() for segment in segments)


def _is_multilingual(model_dir: Path) -> bool:
    # English-only Whisper models have a 51864-token vocabulary; multilingual ones 51865+.
    vocabulary = model_dir / "vocabulary.txt"
    if vocabulary.is_file():
        with vocabulary.open(encoding="utf-8") as handle:
            return sum(1 for _ in handle) >= 51865
    return True
