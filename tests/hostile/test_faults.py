"""Faults under load: the database and the broker restarted mid-run, a full disk, a locked SQLite database.

Every accepted consultation must end `ready` or `failed` with a reason, none lost and none run twice; what a
client sends while something is down gets a 503 (or 507 for a full disk) problem with Retry-After, never a
500. Killing the worker or the API mid-job is covered by tests/service/test_jobs_durability.py.
Run these alone with `pytest -m faults`.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from service.settings import Settings
from service.store.db import create_schema, make_engine
from tests.conftest import CONSULTATIONS, soapscribe_env
from tests.hostile.servers import PrivatePostgres, PrivateRedis
from tests.service.api_client import PROBLEM, Api, encode_tone, open_api
from tests.service.processes import Processes, wait_for

pytestmark = pytest.mark.faults

SCRIPTS = sorted(CONSULTATIONS.glob("*.txt"))


def assert_retry_later(response: httpx.Response, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == status and detail in body["detail"], body


# -- PostgreSQL and Redis restarted during a run ------------------------------------------------------


@pytest.fixture
def private_servers(tmp_path: Path) -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    postgres, broker = PrivatePostgres(), PrivateRedis(tmp_path)
    try:
        postgres.start()
        broker.start()
        yield postgres, broker
    finally:
        broker.close()
        postgres.close()


def upload(api: Api, index: int) -> httpx.Response:
    return api.upload(SCRIPTS[index % len(SCRIPTS)].stem)


def test_postgres_and_redis_restarted_mid_run_lose_no_consultation(
        private_servers: tuple[PrivatePostgres, PrivateRedis], tmp_path: Path, model_cache: Path) -> None:
    """The API in-process (Celery dispatcher) and a `soapscribe worker` process, on a private PostgreSQL and
    Redis: Redis is killed with messages in it, PostgreSQL crashes and recovers, while uploads go on."""
    postgres, broker = private_servers
    fast = {"job_sweep_seconds": 0.5, "job_redispatch_seconds": 3.0, "job_lease_seconds": 3.0}
    settings = Settings(data_dir=tmp_path / "var", models_dir=model_cache, database_url=postgres.url,
                        broker_url=broker.url, **fast)  # type: ignore[arg-type]
    run = Processes(soapscribe_env(tmp_path / "var", model_cache, SOAPSCRIBE_DATABASE_URL=postgres.url,
                                   SOAPSCRIBE_BROKER_URL=broker.url,
                                   **{f"SOAPSCRIBE_{key.upper()}": str(value) for key, value in fast.items()}),
                    tmp_path / "var")
    accepted: list[str] = []
    outage_answers: list[int] = []
    engine = make_engine(settings)
    create_schema(engine)  # migrated once, before the worker and the API start (they would race to migrate)
    engine.dispose()
    try:
        run.worker()  # starts loading while the API below takes uploads
        for api in open_api(settings, start_worker=False):
            for index in range(2):
                accepted.append(api.create(SCRIPTS[index].stem))

            broker.kill()  # Redis dies with the messages in it (no persistence)
            for index in range(2, 4):
                response = upload(api, index)
                assert response.status_code == 202, "the database has the job; a worker's sweep re-sends it"
                accepted.append(response.json()["id"])
            broker.start()

            postgres.stop()  # a crash: connections cut, no checkpoint
            for response in (upload(api, 4), api.get("/v1/consultations"),
                             api.get(f"/v1/consultations/{accepted[0]}")):
                assert_retry_later(response, 503, "the database is unavailable")
                outage_answers.append(response.status_code)
            postgres.start()

            response = wait_for(lambda: (r := upload(api, 5)).status_code == 202 and r, timeout=60,
                                what="uploads to be accepted again once PostgreSQL is back")
            accepted.append(response.json()["id"])

        engine = create_engine(postgres.url)

        def all_finished() -> dict[str, str] | None:
            with engine.connect() as connection:
                rows = dict(connection.execute(text("SELECT id, status FROM consultation")).all())
            return rows if all(status in ("ready", "failed") for status in rows.values()) else None

        statuses = wait_for(all_finished, timeout=240, interval=0.5, what="every consultation to finish")
        with engine.connect() as connection:
            jobs = Counter(connection.execute(text("SELECT consultation_id FROM job")).scalars())
            errors = dict(connection.execute(text("SELECT id, error FROM consultation WHERE status = 'failed'"))
                          .all())
        engine.dispose()
    finally:
        logs = run.log_text()
        run.stop_all()

    assert sorted(statuses) == sorted(accepted), "every accepted consultation is there, and nothing else"
    assert jobs == {consultation_id: 1 for consultation_id in accepted}, "one job each"
    assert all(errors.values()), f"a failed consultation says why: {errors}"
    assert Counter(statuses.values())["ready"] == len(accepted), (statuses, errors, logs[-3000:])
    print(f"faults: Redis killed and PostgreSQL crashed mid-run; {len(accepted)} accepted, {len(accepted)} ready, "
          f"{len(outage_answers)} requests during the outage answered 503, 0 lost")


# -- a full disk ------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MB tmpfs as the data dir, unmounted afterwards whatever happens."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.fail(f"could not mount a tmpfs (the fault tests need root): {done.stderr}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(disk: Path) -> Path:
    """Write a file until the disk is full; it is the space an operator would free."""
    filler = disk / "filler"
    # Unbuffered: a buffered file would try to flush its last block again on close, and fail there.
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def test_a_full_disk_is_a_507_nothing_half_written_and_work_resumes_once_space_is_freed(
        small_disk: Path, model_cache: Path) -> None:
    settings = Settings(data_dir=small_disk / "var", models_dir=model_cache, job_lease_seconds=3)
    for api in open_api(settings):
        earlier = api.ready()
        recording = encode_tone("wav", "pcm_s16le", seconds=2.0)
        earlier_recording = api.create(field="audio", content=encode_tone("flac", "flac"))
        etag = api.get(f"/v1/consultations/{earlier}/note").headers["etag"]
        before = api.get("/v1/consultations", params={"limit": 100}).json()["items"]

        filler = fill(small_disk)
        assert_retry_later(api.upload(field="audio", content=recording), 507, "disk is full")
        transcript = api.upload("statin_exertional_cramps")
        assert transcript.status_code in (202, 507), transcript.text  # SQLite may still have room in its WAL
        if transcript.status_code == 507:
            assert_retry_later(transcript, 507, "disk is full")

        # Every read is audited, so reads need room too: they are refused plainly, not answered unaudited.
        assert_retry_later(api.get(f"/v1/consultations/{earlier}/note"), 507, "disk is full")
        recordings = settings.recordings_dir
        assert not [path for path in recordings.rglob(".*") if path.is_file()], "no partial recording is left"
        with sqlite3.connect(f"file:{settings.data_dir / 'soapscribe.db'}?mode=ro", uri=True) as connection:
            rows = dict(connection.execute("SELECT id, status FROM consultation").fetchall())
        assert rows[earlier] == "ready" and earlier_recording in rows
        assert len(rows) == len(before) + (transcript.status_code == 202)

        filler.unlink()
        assert api.get(f"/v1/consultations/{earlier}/note").headers["etag"] == etag
        assert api.get(f"/ehr/api/consultations/{earlier_recording}/audio").status_code == 200
        again = api.create(field="audio", content=recording)
        assert api.get(f"/v1/consultations/{again}").json()["status"] in ("queued", "transcribing", "failed",
                                                                          "extracting", "drafting", "ready")
        later = api.ready("runner_dehydration")
        after = {item["id"] for item in api.get("/v1/consultations", params={"limit": 100}).json()["items"]}
        assert {item["id"] for item in before} | {again, later} <= after
        if transcript.status_code == 202:
            assert api.wait(transcript.json()["id"])["status"] == "ready"
        assert api.get(f"/v1/consultations/{earlier}").json()["status"] == "ready"


# -- a locked SQLite database -------------------------------------------------------------------------


@pytest.fixture
def impatient_api(settings: Settings) -> Iterator[Api]:
    """SQLite that waits only 1 s for another writer's lock (the default is 30 s), with its embedded worker."""
    yield from open_api(settings.model_copy(update={"sqlite_busy_timeout_seconds": 1.0}))


def hold_write_lock(database: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(database, isolation_level=None, timeout=10, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")  # the write lock: other writers wait, readers go on (WAL)
    return connection


def test_a_locked_sqlite_database_is_a_503_with_retry_after_and_nothing_is_lost(impatient_api: Api,
                                                                                settings: Settings) -> None:
    api = impatient_api
    earlier = api.ready()
    database = settings.data_dir / "soapscribe.db"

    lock = hold_write_lock(database)
    try:
        assert_retry_later(api.upload("statin_exertional_cramps"), 503, "the database is busy")
    finally:
        lock.rollback()
        lock.close()

    # A lock released within the busy timeout is waited for: the upload simply succeeds.
    lock = hold_write_lock(database)
    releaser = threading.Timer(0.3, lambda: (lock.rollback(), lock.close()))
    releaser.start()
    waited = api.upload("runner_dehydration")
    releaser.join()
    assert waited.status_code == 202, waited.text

    assert api.wait(waited.json()["id"])["status"] == "ready"
    assert api.wait(earlier)["status"] == "ready"
    items = api.get("/v1/consultations").json()["items"]
    assert sorted(item["id"] for item in items) == sorted([earlier, waited.json()["id"]]), "nothing half-created"
    with sqlite3.connect(database) as connection:
        jobs = Counter(row[0] for row in connection.execute("SELECT consultation_id FROM job"))
    assert jobs == {earlier: 1, waited.json()["id"]: 1}
