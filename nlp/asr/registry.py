"""Load an ASR backend by name; `Backends` keeps what its owner loaded, one per (backend, model, compute type)."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Literal

from nlp.asr.base import AsrBackend
from nlp.asr.weights import resolve_model
from nlp.errors import SetupError

BackendName = Literal["faster-whisper", "openai-whisper"]


class BackendUnavailable(SetupError):
    """The backend's libraries are not installed."""


class Backends:
    """The ASR backends one owner has loaded (the service's Scribe, so a worker loads each Whisper model once),
    one per (backend, model, compute type); safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, Path, str], AsrBackend] = {}

    def get(self, name: BackendName, model: str, cache_dir: Path, compute_type: str = "int8") -> AsrBackend:
        """The backend, loaded on the first request for it."""
        model_dir = resolve_model(model, cache_dir)
        # openai-whisper always runs fp32, so the compute type must not load it twice.
        key = (name, model_dir, compute_type if name == "faster-whisper" else "float32")
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = _build(name, model_dir, cache_dir, compute_type)
            return self._loaded[key]


def load_backend(name: BackendName, model: str, cache_dir: Path, compute_type: str = "int8") -> AsrBackend:
    """A newly loaded backend (Whisper's weights read again); keep it, or use `Backends` to load each once."""
    return _build(name, resolve_model(model, cache_dir), cache_dir, compute_type)


def _build(name: str, model_dir: Path, cache_dir: Path, compute_type: str) -> AsrBackend:
    if name == "faster-whisper":
        from nlp.asr.faster_whisper import FasterWhisperBackend

        return FasterWhisperBackend(model_dir, compute_type=compute_type)
    if name == "openai-whisper":
        # The backend imports these lazily, so check for them before building it.
        missing = [package for package in ("torch", "whisper", "numba", "tiktoken") if importlib.util.find_spec(package) is None]
        if missing:
            raise BackendUnavailable(f"the openai-whisper backend is not installed (missing: {', '.join(missing)}): "
                                     "run `make install-openai-whisper`")
        from nlp.asr.openai_whisper import OpenAIWhisperBackend

        return OpenAIWhisperBackend(model_dir, cache_dir)
    raise ValueError(f"unknown ASR backend {name!r}")
