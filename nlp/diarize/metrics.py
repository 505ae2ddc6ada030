"""How well speakers were found: a frame-based diarization error rate and role accuracy over words.

DER follows the NIST definition (missed speech + false alarm + speaker confusion, over reference
speech time) on 10 ms frames, with the hypothesis voices mapped one-to-one onto the reference speakers
to minimise the error (Hungarian assignment), and a collar around each reference turn boundary left
unscored, as is usual (the reference turns of rendered audio include the synthesiser's own lead-in and
tail silence). Overlapping speech is not modelled: each frame has at most one speaker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FRAME_S = 0.01
COLLAR_S = 0.25


@dataclass(frozen=True)
class Turn:
    """Someone speaking from `start` to `end` seconds: a reference turn or a hypothesis segment."""

    speaker: str
    start: float
    end: float


@dataclass(frozen=True)
class DiarizationError:
    scored: float      # seconds of reference speech scored
    missed: float
    false_alarm: float
    confusion: float

    @property
    def rate(self) -> float:
        return (self.missed + self.false_alarm + self.confusion) / self.scored if self.scored else 0.0


def diarization_error(reference: Sequence[Turn], hypothesis: Sequence[Turn], collar: float = COLLAR_S) -> DiarizationError:
    """Frame-based DER of `hypothesis` against `reference`, with `collar` seconds unscored each side of a boundary."""
    end = max([turn.end for turn in (*reference, *hypothesis)], default=0.0)
    frames = int(np.ceil(end / FRAME_S)) + 1
    ref, ref_names = _frame_labels(reference, frames)
    hyp, hyp_names = _frame_labels(hypothesis, frames)
    scored = np.ones(frames, dtype=bool)
    for turn in reference:
        for edge in (turn.start, turn.end):
            scored[max(0, int((edge - collar) / FRAME_S)):int(np.ceil((edge + collar) / FRAME_S))] = False
    ref, hyp = ref[scored], hyp[scored]
    speech, said = ref >= 0, hyp >= 0
    overlap = np.zeros((len(ref_names), len(hyp_names)))
    np.add.at(overlap, (ref[speech & said], hyp[speech & said]), 1)
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-overlap)
    matched = overlap[rows, cols].sum()
    return DiarizationError(scored=speech.sum() * FRAME_S, missed=(speech & ~said).sum() * FRAME_S,
                            false_alarm=(~speech & said).sum() * FRAME_S,
                            confusion=((speech & said).sum() - matched) * FRAME_S)


def role_accuracy(reference: Sequence[Turn], words: Sequence[tuple[float, float, str]]) -> float:
    """The share of recognised words (start, end, role) whose role is that of the reference turn they fall in.

    A word between turns counts against the nearest turn.
    """
    if not words:
        return 0.0
    right = 0
    for start, end, role in words:
        middle = (start + end) / 2
        turn = min(reference, key=lambda t: 0.0 if t.start <= middle <= t.end else min(abs(t.start - middle),
                                                                                        abs(t.end - middle)))
        right += turn.speaker == role
    return right / len(words)


def _frame_labels(turns: Sequence[Turn], frames: int) -> tuple[np.ndarray, list[str]]:
    names = sorted({turn.speaker for turn in turns})
    labels = np.full(frames, -1, dtype=int)
    for turn in turns:
        labels[int(turn.start / FRAME_S):int(np.ceil(turn.end / FRAME_S))] = names.index(turn.speaker)
    return labels, names
