"""Stereo diarization: with one speaker a channel (headsets, telehealth), a word belongs to the louder channel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp.asr.base import SAMPLE_RATE
from nlp.types import Word

MIN_RATIO = 4.0  # the louder channel must carry 4x the energy (6 dB) of the other, for the typical word


def split_by_channel(channels: np.ndarray, words: Sequence[Word]) -> bool:
    """True when the recording has two channels that carry different speakers, not one signal twice."""
    if channels.ndim != 2 or channels.shape[0] < 2 or not words:
        return False
    ratios = [energy.max() / max(energy.min(), 1e-12) for energy in (_energy(channels, word) for word in words)]
    return float(np.median(ratios)) >= MIN_RATIO


def channel_labels(channels: np.ndarray, words: Sequence[Word]) -> list[str]:
    """The voice of each word, "ch1" (left) or "ch2" (right): the channel with more energy over the word."""
    return [f"ch{int(np.argmax(_energy(channels, word))) + 1}" for word in words]


def _energy(channels: np.ndarray, word: Word) -> np.ndarray:
    start = max(0, int(word.start * SAMPLE_RATE))
    stop = max(start + 1, int(word.end * SAMPLE_RATE))
    piece = channels[:2, start:stop]
    return (piece.astype(np.float64) ** 2).mean(axis=1) if piece.shape[1] else np.zeros(2)
