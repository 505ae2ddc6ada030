"""The real app in-process (TestClient) on SQLite or PostgreSQL, with two tenants' keys: the v1 API tests' fixture."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.app import create_app
from service.auth import create_key
from service.settings import Settings
from tests.conftest import CONSENT, CONSULTATIONS, shared_models

PROBLEM = "application/problem+json"


@dataclass
class Api:
    client: TestClient
    key: str  # clinic-a
    other_key: str  # clinic-b

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.runtime.engine  # type: ignore[attr-defined]

    @property
    def runtime(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.runtime  # type: ignore[attr-defined]

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}

    def request(self, method: str, path: str, *, key: str | None = None, headers: dict[str, str] | None = None,
                **kwargs: object) -> httpx.Response:
        return self.client.request(method, path, headers={**self.auth(key), **(headers or {})}, **kwargs)  # type: ignore[arg-type]

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    def upload(self, name: str = "furosemide_night_cramps", *, key: str | None = None, field: str = "transcript",
               content: bytes | None = None, idempotency_key: str | None = None,
               consent: dict[str, str] | None = None) -> httpx.Response:
        """Upload a consultation; a recording carries `CONSENT` unless `consent` says otherwise ({}: none)."""
        data = content if content is not None else (CONSULTATIONS / f"{name}.txt").read_bytes()
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        form = consent if consent is not None else (CONSENT if field == "audio" else {})
        return self.request("POST", "/v1/consultations", key=key, headers=headers,
                            files={field: (f"{name}.bin", data)}, data=form)

    def create(self, name: str = "furosemide_night_cramps", **kwargs: object) -> str:
        response = self.upload(name, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 202, response.text
        return response.json()["id"]

    def wait(self, consultation_id: str, *, until: tuple[str, ...] = ("ready", "failed"), key: str | None = None,
             timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status = self.get(f"/v1/consultations/{consultation_id}", key=key).json()
            if status["status"] in until or time.monotonic() > deadline:
                return status
            time.sleep(0.1)

    def ready(self, name: str = "furosemide_night_cramps", **kwargs: object) -> str:
        consultation_id = self.create(name, **kwargs)
        status = self.wait(consultation_id)
        assert status["status"] == "ready", status
        return consultation_id


def open_api(settings: Settings, *, start_worker: bool | None = None) -> Iterator[Api]:
    # The run's one loaded spaCy pipeline and Whisper model, instead of a load per app.
    with TestClient(create_app(settings, start_worker=start_worker, scribe=shared_models().scribe(settings))) as client:
        with Session(client.app.state.runtime.engine) as session:  # type: ignore[attr-defined]
            key, other_key = create_key(session, "clinic-a"), create_key(session, "clinic-b")
        yield Api(client, key, other_key)


@pytest.fixture
def api(store_settings: Settings) -> Iterator[Api]:
    """The real app with its embedded worker, on SQLite and on PostgreSQL."""
    yield from open_api(store_settings)


@pytest.fixture
def api_without_worker(store_settings: Settings) -> Iterator[Api]:
    """The real app with no worker: what is uploaded stays queued (for recordings, which Whisper would take)."""
    yield from open_api(store_settings, start_worker=False)


def assert_problem(response: httpx.Response, status: int, detail_part: str = "") -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers["content-type"]
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    assert detail_part.lower() in body["detail"].lower(), body["detail"]
    return body


def encode_tone(container: str, codec: str, seconds: float = 0.5, rate: int = 16000) -> bytes:
    """A real recording: a short 440 Hz tone encoded with PyAV's FFmpeg in `container` / `codec`."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame_size = stream.codec_context.frame_size or 1024
        samples = (np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate) * 0.3).astype(np.float32)
        fmt = stream.codec_context.format.name if stream.codec_context.format else "fltp"
        for start in range(0, len(samples), frame_size):
            chunk = samples[start:start + frame_size]
            chunk = np.pad(chunk, (0, frame_size - len(chunk)))
            frame = av.AudioFrame.from_ndarray(_as_format(chunk, fmt), format=fmt, layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def _as_format(chunk: np.ndarray, fmt: str) -> np.ndarray:
    if fmt.startswith("s16"):
        return (chunk * 32767).astype(np.int16).reshape(1, -1)
    if fmt.startswith("s32"):
        return (chunk * 2**31 - 1).astype(np.int32).reshape(1, -1)
    return chunk.reshape(1, -1)


def file_count(root: Path) -> int:
    return len([path for path in root.rglob("*") if path.is_file()]) if root.exists() else 0


class CountingReader(io.BytesIO):
    """An upload that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        count = super().readinto(buffer)
        self.bytes_read += count
        return count
