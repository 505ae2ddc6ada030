"""Diarize a recognised recording: give each word a voice (by channel or by voice), cut speaker turns, name roles."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

import numpy as np

from nlp.diarize.channels import channel_labels, split_by_channel
from nlp.diarize.roles import decide_roles, merge_roles, voice_cues
from nlp.diarize.turns import speaker_turns
from nlp.diarize.voices import DISTANCE_THRESHOLD, VoiceEncoder, voice_labels
from nlp.types import Role, Segment

Method = Literal["auto", "channels", "voices", "off"]


def diarize(segments: Sequence[Segment], channels: np.ndarray, *, method: Method = "auto",
            encoder: Callable[[], VoiceEncoder], vocabulary: Iterable[str] = (),
            speakers: Mapping[str, Role] | None = None, min_speakers: int = 1, max_speakers: int = 4,
            threshold: float = DISTANCE_THRESHOLD) -> list[Segment]:
    """Segments re-cut into speaker turns, each with its `voice` and its role in `speaker`.

    `channels` is the decoded audio as (channels, samples). "auto" splits by channel when a stereo
    recording has one speaker a channel, else by voice; "off" returns the segments unchanged.
    `encoder` is called only when voices are needed (it loads a model). `speakers` (voice -> role)
    overrides the roles decided from what each voice said.
    """
    words = [word for segment in segments for word in segment.words]
    if method == "off" or not words:
        return list(segments)
    if method == "channels" or (method == "auto" and split_by_channel(channels, words)):
        labels = channel_labels(channels, words)
    else:
        # One channel is used as it is: a mean over it would copy an hour of audio twice for nothing.
        mono = channels if channels.ndim == 1 else channels[0] if channels.shape[0] == 1 else channels.mean(axis=0)
        labels = voice_labels(mono, words, encoder(), min_speakers=min_speakers, max_speakers=max_speakers,
                              threshold=threshold)
    turns = speaker_turns(segments, labels)
    roles = merge_roles(decide_roles(turns, voice_cues(turns, vocabulary)), speakers or {})
    return [turn.model_copy(update={"speaker": roles[turn.voice]}) if turn.voice in roles else turn
            for turn in turns]
