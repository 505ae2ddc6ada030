"""openai-whisper (PyTorch) backend: the same weights as faster-whisper, run by the reference code.

The CTranslate2 weights are converted once into an openai-whisper checkpoint
(`ct2_checkpoint.cached_checkpoint`) and loaded by path; nothing is fetched
from a hub. torch and whisper are imported when a backend is built, so
importing `nlp` never needs them.

With `options.vad`, faster-whisper's bundled Silero VAD finds the speech;
speech regions are grouped into pieces of at most two minutes of speech, each
piece is transcribed on its own and its segments are yielded with times mapped
back onto the original recording. That both drops silence and streams results
piece by piece (openai-whisper returns a whole call's segments at once, so
without VAD the whole recording is one piece). Differences from faster-whisper:
the initial prompt conditions the first window of every piece, not only of the
recording, and a multilingual model detects the language per piece.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from faster_whisper.vad import VadOptions

from nlp.asr.base import SAMPLE_RATE, DecodeOptions
from nlp.asr.ct2_checkpoint import cached_checkpoint
from nlp.asr.vad import SpeechActivity
from nlp.types import Segment, Word

# Speech per transcribe call. Each call ends with a partial 30 s window, so small pieces cost
# speed (30 s pieces ran 1.7x slower than one long call); two minutes bounds the wait for the
# first segment while costing little.
_PIECE_SECONDS = 120.0
# faster-whisper's default when sampling at temperature > 0; kept equal so both backends fall back alike.
_BEST_OF = 5
SAMPLING_SEED = 17  # as faster-whisper's (nlp.asr.faster_whisper)


class OpenAIWhisperBackend:
    """Transcribes with openai-whisper at fp32 on the CPU, streaming segments per speech piece."""

    name = "openai-whisper"

    def __init__(self, model_dir: Path, cache_dir: Path) -> None:
        import torch
        from whisper.model import ModelDimensions, Whisper

        self.model_dir = model_dir
        self.checkpoint = cached_checkpoint(model_dir, cache_dir)
        checkpoint = torch.load(self.checkpoint, map_location="cpu", weights_only=True)
        model = Whisper(ModelDimensions(**checkpoint["dims"]))
        model.load_state_dict(checkpoint["model_state_dict"])
        model = model.float().eval()
        _set_alignment_heads(model, model_dir)
        self._model = model
        self.multilingual = bool(model.is_multilingual)
        # whisper installs kv-cache hooks on the shared modules during a decode: one decode at a time.
        self._lock = threading.Lock()

    def transcribe(self, audio: np.ndarray, options: DecodeOptions,
                   speech: SpeechActivity | None = None) -> Iterator[Segment]:
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        next_id = 0
        for piece, chunks in _speech_pieces(audio, options.vad, speech):
            for segment in self._transcribe_piece(piece, chunks, options):
                yield segment.model_copy(update={"id": next_id})
                next_id += 1

    def _transcribe_piece(self, piece: np.ndarray, chunks: list[dict[str, int]] | None,
                          options: DecodeOptions) -> list[Segment]:
        import torch
        import whisper

        if piece.size == 0:
            return []
        # The temperature fallback samples with torch's generator: seeded for each piece, so the same audio is
        # heard alike whatever ran before (forked, so no one else's draws change).
        with self._lock, torch.random.fork_rng(devices=[]):
            torch.manual_seed(SAMPLING_SEED)
            result = whisper.transcribe(
                self._model,
                piece,
                verbose=None,
                language=options.language if self.multilingual else "en",
                task="transcribe",
                beam_size=options.beam_size if options.beam_size > 1 else None,
                best_of=_BEST_OF,
                initial_prompt=options.initial_prompt,
                word_timestamps=options.word_timestamps,
                condition_on_previous_text=False,
                fp16=False,
            )
        to_original = _TimeMap(chunks)
        return [_segment(raw, to_original) for raw in result["segments"]]


def _set_alignment_heads(model: Any, model_dir: Path) -> None:
    """Word timestamps use the cross-attention heads listed in the CTranslate2 config.json."""
    import torch

    config_path = model_dir / "config.json"
    heads = json.loads(config_path.read_text()).get("alignment_heads") if config_path.is_file() else None
    if not heads:
        return  # whisper's default: the last half of the decoder layers
    dims = model.dims
    mask = torch.zeros(dims.n_text_layer, dims.n_text_head, dtype=torch.bool)
    for layer, head in heads:
        mask[layer, head] = True
    model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)


def _speech_pieces(audio: np.ndarray, vad: bool,
                   speech: SpeechActivity | None) -> Iterator[tuple[np.ndarray, list[dict[str, int]] | None]]:
    """The audio to transcribe, as (samples, VAD chunks in original sample positions) pieces; `speech`: the
    audio's voice activity if the caller has it."""
    if not vad:
        yield audio, None
        return
    # faster-whisper's defaults, except that speech running on past a piece's length is cut at
    # its last pause (>100 ms), so a long monologue still streams.
    activity = speech if speech is not None else SpeechActivity.of(audio)
    chunks = activity.chunks(VadOptions(max_speech_duration_s=_PIECE_SECONDS))
    limit = int(_PIECE_SECONDS * SAMPLE_RATE)
    group: list[dict[str, int]] = []
    size = 0
    for chunk in chunks:
        length = chunk["end"] - chunk["start"]
        if group and size + length > limit:
            yield _join(audio, group), group
            group, size = [], 0
        group.append(chunk)
        size += length
    if group:
        yield _join(audio, group), group


def _join(audio: np.ndarray, chunks: list[dict[str, int]]) -> np.ndarray:
    return np.concatenate([audio[chunk["start"]:chunk["end"]] for chunk in chunks])


class _TimeMap:
    """Maps a time in a piece (speech chunks joined) back to the original recording."""

    def __init__(self, chunks: list[dict[str, int]] | None) -> None:
        self._ends: list[float] = []  # end of each chunk, in piece seconds
        self._shifts: list[float] = []  # silence removed before each chunk, in seconds
        removed = kept = 0
        previous_end = 0
        for chunk in chunks or []:
            removed += chunk["start"] - previous_end
            kept += chunk["end"] - chunk["start"]
            previous_end = chunk["end"]
            self._ends.append(kept / SAMPLE_RATE)
            self._shifts.append(removed / SAMPLE_RATE)

    def chunk_of(self, t: float, is_end: bool = False) -> int:
        for index, end in enumerate(self._ends):
            if t < end or (is_end and t <= end):
                return index
        return len(self._ends) - 1

    def __call__(self, t: float, chunk: int | None = None, is_end: bool = False) -> float:
        if not self._shifts:
            return round(t, 3)
        index = self.chunk_of(t, is_end) if chunk is None else chunk
        return round(t + self._shifts[index], 3)


def _segment(raw: dict[str, Any], to_original: _TimeMap) -> Segment:
    words = []
    for word in raw.get("words") or []:
        text = word["word"].strip()
        if not text:
            continue
        # Both ends of a word go to the chunk holding its middle, so a word never spans a cut.
        chunk = to_original.chunk_of((word["start"] + word["end"]) / 2)
        words.append(Word(w=text, start=to_original(word["start"], chunk), end=to_original(word["end"], chunk),
                          p=round(float(word["probability"]), 4)))
    if words:
        start, end = words[0].start, words[-1].end
    else:
        start, end = to_original(raw["start"]), to_original(raw["end"], is_end=True)
    return Segment(id=int(raw["id"]), start=start, end=end, text=raw["text"].strip(), words=words)
