"""Silero's voice activity run once and read with any options (nlp/asr/vad.py): the same speech chunks as
faster-whisper's own VAD, and the same recognition as its VAD filter, on rendered speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps

from nlp.asr.base import DecodeOptions
from nlp.asr.coverage import FINE_VAD, speech_spans
from nlp.asr.faster_whisper import FasterWhisperBackend
from nlp.asr.vad import SpeechActivity
from nlp.asr.weights import resolve_model
from nlp.types import Segment, Word

OPTIONS = {
    "recognition's VAD filter": VadOptions(),
    "coverage check's 150 ms pauses": VadOptions(**FINE_VAD),
    "openai-whisper's pieces cut at 3 s": VadOptions(max_speech_duration_s=3),
    "short speech dropped, higher threshold": VadOptions(min_speech_duration_ms=250, threshold=0.6),
}


@pytest.fixture(scope="module")
def tiny_dir(model_cache: Path) -> Path:
    return resolve_model("tiny.en", model_cache)


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_the_chunks_read_from_one_run_are_faster_whispers_vad_chunks(clip_with_pauses: np.ndarray,
                                                                      options: VadOptions) -> None:
    activity = SpeechActivity.of(clip_with_pauses)
    assert activity.chunks(options) == get_speech_timestamps(clip_with_pauses, options)


def test_the_pauses_split_the_speech_as_said(clip_with_pauses: np.ndarray) -> None:
    activity = SpeechActivity.of(clip_with_pauses)
    coarse, fine = activity.spans(), speech_spans(clip_with_pauses, fine=True, speech=activity)
    assert len(coarse) == 2 and coarse[0][0] > 2.5  # 3 s of silence first, 4 s between the sentences
    assert len(fine) > len(coarse)


def test_recognition_given_the_speech_activity_is_faster_whispers_with_its_vad_filter(
        clip_with_pauses: np.ndarray, tiny_dir: Path) -> None:
    backend = FasterWhisperBackend(tiny_dir)
    options = DecodeOptions()
    given = list(backend.transcribe(clip_with_pauses, options, speech=SpeechActivity.of(clip_with_pauses)))

    model = WhisperModel(str(tiny_dir), device="cpu", compute_type="int8", local_files_only=True)
    raw, _info = model.transcribe(clip_with_pauses, language="en", beam_size=1, vad_filter=True,
                                  word_timestamps=True, condition_on_previous_text=False)
    own = [Segment(id=index, start=round(s.start, 3), end=round(s.end, 3), text=s.text.strip(),
                   words=[Word(w=w.word.strip(), start=round(w.start, 3), end=round(w.end, 3),
                               p=round(w.probability, 4)) for w in s.words or [] if w.word.strip()])
           for index, s in enumerate(raw)]

    assert given == own
    assert given[0].start > 2.5  # times on the clip's clock, after the silence the filter dropped
    assert list(backend.transcribe(clip_with_pauses, options)) == given  # the backend runs Silero itself
