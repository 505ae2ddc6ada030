"""Audio retention: recordings older than the retention period are purged by the workers' scheduled run
(the embedded worker's loop, the Celery worker's sweep) and by `soapscribe retention run`; transcript,
findings and note stay, the purge is audited, a newer recording and a file another consultation still
needs are kept.

Set-up backdates consultations (and their files' mtimes) in the database rather than waiting for days.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import redis
from sqlalchemy import update
from sqlmodel import Session, col, select
from typer.testing import CliRunner, Result

from service.cli import app
from service.jobs.celery_worker import Sweep
from service.settings import Settings, get_settings
from service.store.models import AuditEvent, Consultation, Job
from tests.conftest import CONSENT
from tests.service.api_client import Api, assert_problem, encode_tone, open_api
from tests.service.processes import REDIS_URL

RETENTION = {"audio_retention_days": 30, "retention_sweep_seconds": 0.2}


def backdate(api: Api, consultation_id: str, sha256: str, days_ago: float, **fields: object) -> None:
    """Make a consultation (and its recording file) look `days_ago` old; the file first, as an upload writes it."""
    when = datetime.now(UTC) - timedelta(days=days_ago)
    os.utime(api.runtime.recordings.path_for(sha256), (when.timestamp(), when.timestamp()))
    with Session(api.engine) as session:
        session.execute(update(Consultation).where(col(Consultation.id) == consultation_id)
                        .values(created_at=when, **fields))
        session.commit()


def drafted_with_recording(api: Api, content: bytes, days_ago: float) -> str:
    """A consultation with a real drafted note (from a transcript), then given a stored recording made `days_ago`.

    Whisper would take the test budget, so the note comes from the transcript and the recording is attached.
    """
    consultation_id = api.ready(consent=CONSENT)
    stored = api.runtime.recordings.put(io.BytesIO(content), api.runtime.settings.max_upload_bytes)
    backdate(api, consultation_id, stored.sha256, days_ago, input_kind="audio", recording_sha256=stored.sha256,
             recording_bytes=stored.size, content_type="audio/wav")
    return consultation_id


def failed_recording(api: Api, content: bytes, days_ago: float) -> str:
    """A recording uploaded `days_ago` whose job failed (a failed consultation's recording is purged too)."""
    consultation_id = api.create(field="audio", content=content)
    with Session(api.engine) as session:
        session.execute(update(Job).where(col(Job.consultation_id) == consultation_id).values(state="failed"))
        session.commit()
    backdate(api, consultation_id, hashlib.sha256(content).hexdigest(), days_ago, status="failed",
             error="the job failed")
    return consultation_id


def purged_at(api: Api, consultation_id: str) -> str | None:
    return api.get(f"/v1/consultations/{consultation_id}").json()["audio_purged_at"]


def wait_purged(api: Api, *ids: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(purged_at(api, consultation_id) for consultation_id in ids):
        assert time.monotonic() < deadline, f"not purged within {timeout} s"
        time.sleep(0.2)


def purge_events(api: Api) -> list[AuditEvent]:
    with Session(api.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "purge")).all())


def results(api: Api, consultation_id: str) -> list[dict]:
    """Transcript, findings and note, as the API returns them."""
    return [api.get(f"/v1/consultations/{consultation_id}{suffix}").json()
            for suffix in ("/transcript", "/findings", "/note")]


def test_the_embedded_worker_purges_expired_recordings_and_keeps_notes_and_needed_files(
        store_settings: Settings) -> None:
    alone, shared = encode_tone("flac", "flac"), encode_tone("wav", "pcm_s16le")
    for api in open_api(store_settings):  # retention off while the note is drafted and the set-up is made
        old = drafted_with_recording(api, alone, days_ago=40)
        before = results(api, old)
        api.runtime.worker.stop()  # the recordings below stay unprocessed (Whisper would take the test budget)
        shared_old = failed_recording(api, shared, days_ago=40)
        shared_new = failed_recording(api, shared, days_ago=2)
    for api in open_api(store_settings.model_copy(update=RETENTION)):
        wait_purged(api, old, shared_old)
        store = api.runtime.recordings
        assert not store.path_for(hashlib.sha256(alone).hexdigest()).exists()
        assert store.path_for(hashlib.sha256(shared).hexdigest()).exists(), "shared_new still needs it"
        assert purged_at(api, shared_new) is None
        assert api.get(f"/ehr/api/consultations/{shared_new}/audio").status_code == 200
        assert results(api, old) == before, "transcript, findings and note stay"
        assert api.get(f"/v1/consultations/{old}").json()["consent"]["method"] == "verbal"
        events = purge_events(api)
        assert sorted(event.consultation_id for event in events) == sorted([old, shared_old])  # type: ignore[type-var]
        assert all(event.api_key_id is None for event in events), "soapscribe purged, not a caller"
        assert_problem(api.get(f"/ehr/api/consultations/{old}/audio"), 410, "purged")
        assert_problem(api.request("POST", f"/v1/consultations/{shared_old}/retry"), 410, "purged")

        api.request("DELETE", f"/v1/consultations/{shared_new}")  # the last consultation that needed it
        assert not store.path_for(hashlib.sha256(shared).hexdigest()).exists()


@pytest.fixture
def broker_prefix() -> Iterator[str]:
    prefix = f"soapscribe-retention-{uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def test_the_celery_workers_sweep_purges_expired_recordings(tmp_path: Path, model_cache: Path, postgres_url: str,
                                                            broker_prefix: str) -> None:
    """The sweep each `soapscribe worker` runs in Celery mode, with its real dispatcher on Redis and PostgreSQL."""
    settings = Settings(data_dir=tmp_path / "var", models_dir=model_cache, database_url=postgres_url,
                        broker_url=REDIS_URL, broker_key_prefix=broker_prefix, **RETENTION)
    old_audio, new_audio = encode_tone("flac", "flac"), encode_tone("wav", "pcm_s16le")
    for api in open_api(settings):
        old = failed_recording(api, old_audio, days_ago=31)
        new = failed_recording(api, new_audio, days_ago=29)
        Sweep(settings, api.engine, api.runtime.dispatcher, api.runtime.recordings).once()
        assert purged_at(api, old) and purged_at(api, new) is None
        assert not api.runtime.recordings.path_for(hashlib.sha256(old_audio).hexdigest()).exists()
        assert api.runtime.recordings.path_for(hashlib.sha256(new_audio).hexdigest()).exists()
        assert [event.consultation_id for event in purge_events(api)] == [old]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[Callable[..., Result]]:
    """`soapscribe` in this process (Typer's runner) on `settings`' data dir, with SOAPSCRIBE_* overrides."""
    monkeypatch.setenv("SOAPSCRIBE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SOAPSCRIBE_MODELS_DIR", str(settings.model_cache_dir))

    def invoke(*args: str, **env: str) -> Result:
        get_settings.cache_clear()  # the CLI reads the environment once per process
        return CliRunner().invoke(app, list(args), env=env)

    yield invoke
    get_settings.cache_clear()


def test_retention_run_purges_now_and_prints_the_ids(settings: Settings, cli: Callable[..., Result]) -> None:
    for api in open_api(settings, start_worker=False):
        old = failed_recording(api, encode_tone("flac", "flac"), days_ago=8)
        new = failed_recording(api, encode_tone("wav", "pcm_s16le"), days_ago=6)
        done = cli("retention", "run", SOAPSCRIBE_AUDIO_RETENTION_DAYS="7")
        assert done.exit_code == 0, done.output
        assert done.stdout.split() == [old]
        assert "purged the recordings of 1 consultation(s) older than 7 days" in done.stderr
        assert purged_at(api, old) and purged_at(api, new) is None
        again = cli("retention", "run", SOAPSCRIBE_AUDIO_RETENTION_DAYS="7")
        assert again.exit_code == 0 and again.stdout == "", "a recording is purged once"


def test_retention_off_keeps_every_recording(settings: Settings, cli: Callable[..., Result]) -> None:
    for api in open_api(settings, start_worker=False):
        kept = failed_recording(api, encode_tone("flac", "flac"), days_ago=4000)
        done = cli("retention", "run", SOAPSCRIBE_AUDIO_RETENTION_DAYS="0")
        assert done.exit_code == 0 and done.stdout == ""
        assert "retention is off" in done.stderr
        assert purged_at(api, kept) is None
