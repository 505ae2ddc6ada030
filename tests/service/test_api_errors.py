"""Bad requests get precise RFC 9457 problem documents, and nothing already accepted is lost."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.app import create_app
from service.auth import create_key
from service.settings import Settings
from tests.conftest import CONSENT, CONSULTATIONS, Server

PROBLEM = "application/problem+json"


@pytest.fixture
def small_limits(settings: Settings) -> Iterator[tuple[TestClient, str]]:
    """The real app in-process with tiny upload limits and no worker (nothing needs processing here)."""
    limited = settings.model_copy(update={"max_upload_bytes": 4096, "max_transcript_bytes": 512})
    with TestClient(create_app(limited, start_worker=False)) as client:
        with Session(client.app.state.runtime.engine) as session:
            key = create_key(session, "clinic-a")
        client.headers["Authorization"] = f"Bearer {key}"
        yield client, key


def assert_problem(response, status: int, detail_part: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    assert detail_part.lower() in body["detail"].lower(), body["detail"]
    return body


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer ss_wrong"}, {"Authorization": "Basic abc"}])
def test_requests_without_a_valid_key_are_unauthorized(server: Server, headers: dict[str, str]) -> None:
    import httpx

    response = httpx.post(f"{server.url}/v1/consultations", headers=headers,
                          files={"transcript": ("t.txt", b"Doctor: hi")})
    assert_problem(response, 401, "key")


def test_an_upload_without_a_file_is_refused(server: Server) -> None:
    with server.client() as client:
        assert_problem(client.post("/v1/consultations", data={"x": "1"}), 422, "exactly one")


def test_an_upload_with_both_audio_and_transcript_is_refused(server: Server) -> None:
    with server.client() as client:
        response = client.post("/v1/consultations", files={"audio": ("a.wav", b"RIFF"),
                                                           "transcript": ("t.txt", b"Doctor: hi")})
    assert_problem(response, 422, "exactly one")


@pytest.mark.parametrize(("name", "content", "detail"), [
    ("visit.wav", b"RIFF\x24\x00\x00\x00WAVE" + b"definitely not audio" * 50, "not a readable audio file"),
    ("visit.mp3", b"\xff\xfb\x90\x00" + b"\x00" * 10, "audio"),
])
def test_a_file_that_claims_an_audio_format_but_does_not_decode_is_refused(server: Server, name: str, content: bytes,
                                                                           detail: str) -> None:
    with server.client() as client:
        assert_problem(client.post("/v1/consultations", files={"audio": (name, content)}, data=CONSENT), 422,
                       detail)


@pytest.mark.parametrize(("name", "content", "content_type", "detail"), [
    ("visit.wav", b"definitely not audio" * 50, "audio/wav", "is text"),
    ("visit.mp3", (CONSULTATIONS / "furosemide_night_cramps.txt").read_bytes(), "audio/mpeg", "is text"),
    ("visit.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 20, "audio/wav", "supported format"),
    ("visit.wav", b"\x00\x01\x02\x03" * 100, "audio/wav", "supported format"),
])
def test_an_audio_upload_is_judged_by_its_bytes_not_its_name_or_header(server: Server, name: str, content: bytes,
                                                                       content_type: str, detail: str) -> None:
    with server.client() as client:
        response = client.post("/v1/consultations", files={"audio": (name, content, content_type)})
    assert_problem(response, 415, detail)


@pytest.mark.parametrize("head", [b"RIFF\x24\x00\x00\x00WAVEfmt ", b"OggS\x00\x02", b"fLaC\x00\x00", b"ID3\x04\x00",
                                  b"\x00\x00\x00\x20ftypM4A ", b"\x1a\x45\xdf\xa3\x9f"])
def test_a_recording_sent_as_a_transcript_is_unsupported_media(server: Server, head: bytes) -> None:
    with server.client() as client:
        response = client.post("/v1/consultations", files={"transcript": ("t.txt", head + b"\x00" * 64, "text/plain")})
    assert_problem(response, 415, "'audio' field")


@pytest.mark.parametrize(("content", "detail"), [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\xff\xfe\x00\x41\x00\x42", "UTF-8"),
    (b"Doctor: hi\x00there", "NUL"),
    (b"no speaker label here", "line 1"),
    (b'{"segments": [{"id": "x", "text": 3}]}', "segments.0"),
])
def test_a_bad_transcript_is_refused_with_the_reason(server: Server, content: bytes, detail: str) -> None:
    with server.client() as client:
        response = client.post("/v1/consultations", files={"transcript": ("t.txt", content)})
    assert_problem(response, 422, detail)


def test_an_unknown_consultation_is_not_found(server: Server) -> None:
    with server.client() as client:
        for suffix in ("", "/transcript", "/findings", "/note"):
            assert_problem(client.get(f"/v1/consultations/nope{suffix}"), 404, "no consultation")


def test_another_tenants_consultation_is_not_found(server: Server) -> None:
    from tests.conftest import soapscribe_cli

    with server.client() as client, (CONSULTATIONS / "furosemide_night_cramps.txt").open("rb") as handle:
        consultation_id = client.post("/v1/consultations", files={"transcript": ("t.txt", handle)}).json()["id"]
    created = soapscribe_cli({"SOAPSCRIBE_DATA_DIR": str(server.data_dir)}, "keys", "create", "--tenant", "clinic-b")
    assert created.returncode == 0, created.stderr
    other_key = created.stdout.strip().splitlines()[-1]
    with server.client(other_key) as client:
        assert_problem(client.get(f"/v1/consultations/{consultation_id}"), 404, "no consultation")
        assert_problem(client.get(f"/v1/consultations/{consultation_id}/note"), 404, "no consultation")
    assert server.wait_ready(consultation_id)["status"] == "ready"


def test_an_unknown_note_format_is_a_validation_problem(server: Server) -> None:
    with server.client() as client:
        body = assert_problem(client.get("/v1/consultations/x/note", params={"format": "pdf"}), 422, "format")
    assert body["errors"][0]["loc"] == ["query", "format"]


def test_a_recording_over_the_limit_is_refused(small_limits: tuple[TestClient, str]) -> None:
    client, _ = small_limits
    response = client.post("/v1/consultations", files={"audio": ("big.wav", io.BytesIO(b"\x00" * 5000))})
    assert_problem(response, 413, "4096 bytes")


def test_a_transcript_over_the_limit_is_refused(small_limits: tuple[TestClient, str]) -> None:
    client, _ = small_limits
    response = client.post("/v1/consultations", files={"transcript": ("t.txt", b"Doctor: cramps? " * 100)})
    assert_problem(response, 413, "512 bytes")


def test_a_result_that_is_not_ready_is_a_conflict_naming_the_status(small_limits: tuple[TestClient, str]) -> None:
    client, _ = small_limits
    consultation_id = client.post("/v1/consultations",
                                  files={"transcript": ("t.txt", b"Doctor: Any cramps?\nPatient: Yes.")}).json()["id"]
    for suffix in ("/findings", "/note"):
        assert_problem(client.get(f"/v1/consultations/{consultation_id}{suffix}"), 409, "status: queued")


def test_a_refused_upload_leaves_earlier_consultations_untouched(server: Server) -> None:
    with server.client() as client, (CONSULTATIONS / "statin_exertional_cramps.txt").open("rb") as handle:
        first = client.post("/v1/consultations", files={"transcript": ("t.txt", handle)}).json()["id"]
        client.post("/v1/consultations", files={"audio": ("bad.wav", b"garbage" * 100)}, data=CONSENT)
        client.post("/v1/consultations", files={"transcript": ("t.txt", b"")})
    assert server.wait_ready(first)["status"] == "ready"
