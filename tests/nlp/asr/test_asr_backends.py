"""Both ASR backends on the same weights and the same rendered speech: they must agree."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer
import numpy as np
import pytest

from nlp.asr.base import AsrBackend, DecodeOptions
from nlp.asr.registry import Backends
from tests.conftest import Models
from nlp.types import Segment

pytest.importorskip("whisper", reason="the openai-whisper backend is not installed (make install-dev)")

GREEDY = DecodeOptions(language="en", beam_size=1, vad=False, word_timestamps=True)


@pytest.fixture(scope="module")
def faster(model_cache: Path, models: Models) -> AsrBackend:
    return models.backends.get("faster-whisper", "tiny.en", model_cache, compute_type="float32")


@pytest.fixture(scope="module")
def openai(model_cache: Path, models: Models) -> AsrBackend:
    return models.backends.get("openai-whisper", "tiny.en", model_cache)


def normalised(segments: list[Segment]) -> str:
    text = " ".join(segment.text for segment in segments).lower()
    return " ".join(re.sub(r"[^\w\s']", " ", text).split())


def test_openai_whisper_agrees_with_faster_whisper_at_float32(faster: AsrBackend, openai: AsrBackend,
                                                              clinical_clip: np.ndarray) -> None:
    reference = normalised(list(faster.transcribe(clinical_clip, GREEDY)))
    hypothesis = normalised(list(openai.transcribe(clinical_clip, GREEDY)))
    assert "potassium" in reference
    assert jiwer.wer(reference, hypothesis) <= 0.1, (reference, hypothesis)


@pytest.mark.parametrize("backend_name", ["faster", "openai"])
def test_words_have_timestamps_in_increasing_order(backend_name: str, request: pytest.FixtureRequest,
                                                   clinical_clip: np.ndarray) -> None:
    backend: AsrBackend = request.getfixturevalue(backend_name)
    segments = list(backend.transcribe(clinical_clip, GREEDY))
    assert [segment.id for segment in segments] == list(range(len(segments)))
    words = [word for segment in segments for word in segment.words]
    assert len(words) >= 10
    assert all(0.0 <= word.p <= 1.0 and word.start <= word.end for word in words)
    starts = [word.start for word in words]
    assert starts == sorted(starts)
    assert all(round(value, 3) == value for word in words for value in (word.start, word.end))


def test_vad_drops_silence_and_keeps_the_original_timeline(faster: AsrBackend, openai: AsrBackend,
                                                           clip_with_pauses: np.ndarray) -> None:
    options = DecodeOptions(language="en", beam_size=1, vad=True, word_timestamps=True)
    ours = [word for segment in openai.transcribe(clip_with_pauses, options) for word in segment.words]
    theirs = [word for segment in faster.transcribe(clip_with_pauses, options) for word in segment.words]
    assert ours[0].start >= 2.5  # the first 3 s are silence
    assert [word.start for word in ours] == sorted(word.start for word in ours)
    # Same words at the same places in the recording as faster-whisper's own VAD gives.
    assert [word.w.lower() for word in ours] == [word.w.lower() for word in theirs]
    assert max(abs(a.start - b.start) for a, b in zip(ours, theirs)) <= 0.1


def test_backends_load_each_backend_once(model_cache: Path, models: Models) -> None:
    backends = models.backends
    first = backends.get("openai-whisper", "tiny.en", model_cache)
    assert backends.get("openai-whisper", "tiny.en", model_cache) is first
    # openai-whisper always runs fp32: another compute type is the same model, not a second copy.
    assert backends.get("openai-whisper", "tiny.en", model_cache, compute_type="int8") is first
    assert backends.get("faster-whisper", "tiny.en", model_cache) is backends.get("faster-whisper", "tiny.en",
                                                                                  model_cache)


def test_each_backends_keeps_its_own_models(model_cache: Path, models: Models) -> None:
    """No process-wide cache: what one owner loaded is not another's (each Scribe, so each Runtime, has its own)."""
    shared = models.backends.get("faster-whisper", "tiny.en", model_cache)
    own = Backends().get("faster-whisper", "tiny.en", model_cache)
    assert own is not shared
    assert Backends().get("faster-whisper", "tiny.en", model_cache) is not own


def test_word_timing_uses_the_alignment_heads_openai_published_for_the_model(openai: AsrBackend) -> None:
    """config.json's heads (set on the model) equal whisper's own table, decoded locally, no download."""
    import base64
    import gzip

    import whisper

    dims = openai._model.dims
    published = np.frombuffer(gzip.decompress(base64.b85decode(whisper._ALIGNMENT_HEADS["tiny.en"])), dtype=bool)
    assert np.array_equal(openai._model.alignment_heads.to_dense().numpy(),
                          published.reshape(dims.n_text_layer, dims.n_text_head))
