"""The consultation collection over the API: idempotent uploads, listing, deletion, retry, event streams."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from service import auth
from service.consent import RecordingConsent
from service.intake import accept_audio, sniff_audio
from service.settings import Settings
from service.store.audit import Actor
from service.store.models import Consultation, IdempotencyKey, Job, NoteVersion
from tests.conftest import CONSENT
from tests.service.api_client import Api, CountingReader, assert_problem, encode_tone, file_count, open_api


def count(api: Api, model: type, **where: object) -> int:
    with Session(api.engine) as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.exec(query).one()


# -- Idempotency-Key -------------------------------------------------------------------------


def test_a_retried_upload_with_the_same_key_returns_the_same_consultation(api: Api) -> None:
    first = api.upload(idempotency_key="visit-42")
    again = api.upload(idempotency_key="visit-42")
    assert first.status_code == 202 and again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert count(api, Consultation) == 1 and count(api, Job) == 1


def test_the_same_key_with_a_different_upload_is_refused(api: Api) -> None:
    api.create(idempotency_key="visit-42")
    response = api.upload("statin_exertional_cramps", idempotency_key="visit-42")
    assert_problem(response, 422, "Idempotency-Key 'visit-42' was already used with a different upload")
    assert count(api, Consultation) == 1


def test_idempotency_keys_belong_to_one_tenant(api: Api) -> None:
    mine = api.create(idempotency_key="visit-42")
    theirs = api.create(idempotency_key="visit-42", key=api.other_key)
    assert mine != theirs and count(api, Consultation) == 2


def test_concurrent_retries_with_one_key_create_one_consultation(api: Api) -> None:
    barrier = threading.Barrier(6)
    responses = []

    def post() -> None:
        barrier.wait()
        responses.append(api.upload(idempotency_key="flaky-network"))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in responses) == [200] * 5 + [202], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert count(api, Consultation) == 1 and count(api, Job) == 1 and count(api, IdempotencyKey) == 1


def test_an_audio_retry_with_the_same_key_stores_one_recording(api_without_worker: Api) -> None:
    api = api_without_worker
    wav = encode_tone("wav", "pcm_s16le")
    first = api.upload(field="audio", content=wav, idempotency_key="rec-1")
    again = api.upload(field="audio", content=wav, idempotency_key="rec-1")
    assert (first.status_code, again.status_code) == (202, 200) and first.json()["id"] == again.json()["id"]
    other = api.upload(field="audio", content=encode_tone("flac", "flac"), idempotency_key="rec-1")
    assert_problem(other, 422, "different upload")
    assert count(api, Consultation) == 1


def test_an_audio_upload_is_read_and_hashed_once(api_without_worker: Api) -> None:
    """One pass stores the recording under its hash and binds the Idempotency-Key; only the probe of its
    header reads it again (before, it was read whole twice: hashed, then hashed again while stored)."""
    api = api_without_worker
    wav = encode_tone("wav", "pcm_s16le", seconds=20)
    with Session(api.engine) as session:
        actor = Actor(auth.tenant_for_key(session, api.key).id)
        consent = RecordingConsent(method="verbal", confirmed_by="Dr Test", at=datetime.now(UTC))
        upload = CountingReader(wav)
        first = accept_audio(api.runtime, session, actor, upload, "rec-2", consent=consent)
        assert len(wav) <= upload.bytes_read < 2 * len(wav)
        again = accept_audio(api.runtime, session, actor, CountingReader(wav), "rec-2", consent=consent)
        assert again.replayed and again.consultation.id == first.consultation.id
        sha256 = hashlib.sha256(wav).hexdigest()
        assert first.consultation.recording_sha256 == sha256 and first.consultation.recording_bytes == len(wav)
        key = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == "rec-2")).one()
        assert key.request_sha256 == hashlib.sha256(f"audio\n{sha256}\n".encode()).hexdigest()
    assert file_count(api.runtime.recordings.root) == 1  # the replay's staged copy is gone
    with api.runtime.recordings.open(sha256) as recording:
        assert recording.read() == wav


# -- uploads are judged by their bytes ----------------------------------------------------------


@pytest.mark.parametrize(("container", "codec", "media_type"), [
    ("wav", "pcm_s16le", "audio/wav"), ("flac", "flac", "audio/flac"), ("ogg", "libopus", "audio/ogg"),
    ("mp3", "libmp3lame", "audio/mpeg"), ("ipod", "aac", "audio/mp4"), ("webm", "libopus", "audio/webm"),
])
def test_each_supported_recording_format_is_recognised_by_its_bytes(container: str, codec: str,
                                                                    media_type: str) -> None:
    assert sniff_audio(encode_tone(container, codec)[:512]) == media_type


@pytest.mark.parametrize("head", [b"Doctor: hello", b"\xff\xfe\x00D\x00r", b"%PDF-1.4", b"",
                                  b"RIFF\x00\x00\x00\x00AVI "])
def test_other_bytes_are_not_taken_for_audio(head: bytes) -> None:
    assert sniff_audio(head) is None


def test_a_recording_is_accepted_whatever_name_and_header_it_comes_with(api_without_worker: Api) -> None:
    api = api_without_worker
    response = api.request("POST", "/v1/consultations",
                           files={"audio": ("notes.txt", encode_tone("flac", "flac"), "text/plain")}, data=CONSENT)
    assert response.status_code == 202, response.text
    with Session(api.engine) as session:
        assert session.get(Consultation, response.json()["id"]).content_type == "audio/flac"


# -- listing ----------------------------------------------------------------------------------


def test_the_list_is_newest_first_paged_by_cursor_and_only_the_callers(api_without_worker: Api) -> None:
    api = api_without_worker
    created = [api.create() for _ in range(5)]
    api.create(key=api.other_key)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/consultations", params=params).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created)) and pages == 3


def test_the_list_filters_by_status_and_creation_time(api_without_worker: Api) -> None:
    api = api_without_worker
    before = datetime.now(UTC) - timedelta(seconds=1)
    ids = [api.create() for _ in range(3)]
    with Session(api.engine) as session:
        failed = session.get(Consultation, ids[0])
        failed.status = "failed"
        session.add(failed)
        session.commit()

    def listed(**params: str) -> list[str]:
        response = api.get("/v1/consultations", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert listed(status="failed") == [ids[0]]
    assert listed(status="queued") == [ids[2], ids[1]]
    assert listed(created_after=before.isoformat()) == list(reversed(ids))
    assert listed(created_before=before.isoformat()) == []
    assert listed(created_after=(datetime.now(UTC) + timedelta(minutes=1)).isoformat()) == []


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"cursor": "not-a-cursor!"},
                                   {"status": "lost"}, {"created_after": "yesterday"}])
def test_bad_list_parameters_are_validation_problems(api_without_worker: Api, params: dict[str, str]) -> None:
    assert_problem(api_without_worker.get("/v1/consultations", params=params), 422)


# -- deletion ---------------------------------------------------------------------------------


def test_deleting_purges_the_content_and_leaves_a_tombstone(api: Api) -> None:
    consultation_id = api.ready()
    assert api.request("DELETE", f"/v1/consultations/{consultation_id}").status_code == 204

    for suffix in ("", "/transcript", "/findings", "/note", "/note/versions", "/events"):
        assert_problem(api.get(f"/v1/consultations/{consultation_id}{suffix}"), 410, "was deleted")
    assert_problem(api.request("DELETE", f"/v1/consultations/{consultation_id}"), 410)
    assert_problem(api.get(f"/v1/consultations/{consultation_id}", key=api.other_key), 404)
    with Session(api.engine) as session:
        row = session.get(Consultation, consultation_id)
        assert row.status == "deleted"
        assert (row.transcript_json, row.findings_json) == (None,) * 2
    assert count(api, NoteVersion, consultation_id=consultation_id) == 0
    assert api.get("/v1/consultations").json()["items"] == []
    assert [item["id"] for item in api.get("/v1/consultations", params={"status": "deleted"}).json()["items"]] \
        == [consultation_id]


def test_deleting_removes_the_recording_unless_another_consultation_shares_it(api_without_worker: Api) -> None:
    api = api_without_worker
    recordings: Path = api.runtime.recordings.root
    wav, flac = encode_tone("wav", "pcm_s16le"), encode_tone("flac", "flac")
    shared_a, shared_b = (api.create(field="audio", content=wav) for _ in range(2))
    alone = api.create(field="audio", content=flac)
    assert file_count(recordings) == 2

    api.request("DELETE", f"/v1/consultations/{alone}")
    assert not api.runtime.recordings.path_for(hashlib.sha256(flac).hexdigest()).exists()
    api.request("DELETE", f"/v1/consultations/{shared_a}")
    assert api.runtime.recordings.path_for(hashlib.sha256(wav).hexdigest()).exists(), "still used by shared_b"
    api.request("DELETE", f"/v1/consultations/{shared_b}")
    assert file_count(recordings) == 0


def test_a_consultation_deleted_while_queued_is_never_processed(api_without_worker: Api) -> None:
    api = api_without_worker
    consultation_id = api.create()
    api.request("DELETE", f"/v1/consultations/{consultation_id}")
    api.runtime.start_worker()
    deadline = time.monotonic() + 10
    while count(api, Job, consultation_id=consultation_id, state="queued") and time.monotonic() < deadline:
        time.sleep(0.1)
    with Session(api.engine) as session:
        row = session.get(Consultation, consultation_id)
        assert row.status == "deleted" and row.findings_json is None
    assert count(api, NoteVersion, consultation_id=consultation_id) == 0


# -- retry ------------------------------------------------------------------------------------


def test_a_failed_consultation_can_be_retried_once_the_cause_is_fixed(store_settings: Settings,
                                                                      tmp_path: Path) -> None:
    clinic_templates = tmp_path / "clinic-templates"  # missing: drafting fails with a setup error
    settings = store_settings.model_copy(update={"templates_dir": clinic_templates})
    for api in open_api(settings):
        consultation_id = api.create()
        failed = api.wait(consultation_id)
        assert failed["status"] == "failed" and "templates" in failed["error"]
        clinic_templates.mkdir()  # an empty folder: the built-in templates apply

        retried = api.request("POST", f"/v1/consultations/{consultation_id}/retry")
        assert retried.status_code == 202 and retried.json() == {"id": consultation_id, "status": "queued"}
        ready = api.wait(consultation_id)
        assert ready["status"] == "ready" and ready["error"] is None
        assert api.get(f"/v1/consultations/{consultation_id}/note").json()["version"] == 1
        assert_problem(api.request("POST", f"/v1/consultations/{consultation_id}/retry"), 409, "status: ready")
        assert count(api, Job, consultation_id=consultation_id) == 2


def test_only_a_failed_consultation_can_be_retried(api_without_worker: Api) -> None:
    consultation_id = api_without_worker.create()
    response = api_without_worker.request("POST", f"/v1/consultations/{consultation_id}/retry")
    assert_problem(response, 409, "status: queued")
    assert count(api_without_worker, Job, consultation_id=consultation_id) == 1


# -- server-sent events -----------------------------------------------------------------------


def parse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_the_event_stream_reports_status_changes_until_ready(api: Api) -> None:
    consultation_id = api.create()
    with api.client.stream("GET", f"/v1/consultations/{consultation_id}/events", headers=api.auth()) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = parse_events(text)
    statuses = [data["status"] for name, data in events if name == "status"]
    assert statuses[-1] == "ready" and len(statuses) == len(set(statuses))
    assert events[-1] == ("progress", {"id": consultation_id, "progress": 1.0})
    assert all(name in ("status", "progress") for name, _ in events)


def test_the_event_stream_of_a_finished_consultation_ends_at_once(api: Api) -> None:
    consultation_id = api.ready()
    started = time.monotonic()
    events = parse_events(api.get(f"/v1/consultations/{consultation_id}/events").text)
    assert time.monotonic() - started < 2
    assert events == [("status", {"id": consultation_id, "status": "ready", "progress": 1.0, "error": None}),
                      ("progress", {"id": consultation_id, "progress": 1.0})]
