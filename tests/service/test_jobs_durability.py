"""Jobs survive concurrency and killed processes: real PostgreSQL, real Redis (Celery), real worker processes.

Run these alone with `pytest -m durability`.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle, islice
from pathlib import Path
from uuid import uuid4

import pytest
import redis
from sqlalchemy import text

from service.settings import Settings
from service.store.crypto import Cell, load_keyring
from tests.conftest import CONSENT, CONSULTATIONS, Server, soapscribe_env
from tests.service.processes import (REDIS_URL, Processes, consultation_row, database, jobs_of, owner_pid,
                                     wait_for)

pytestmark = pytest.mark.durability

# A short lease so a dead worker's job is taken again within seconds; heartbeats renew it every lease/3.
LEASE = "2"


@pytest.fixture
def broker_prefix() -> Iterator[str]:
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"soapscribe-test-{uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    made: list[Processes] = []

    def make(**env: str) -> Processes:
        data_dir = tmp_path / "var"
        made.append(Processes(soapscribe_env(data_dir, **env), data_dir))
        return made[-1]

    yield make  # type: ignore[misc]
    for each in made:
        each.stop_all()


def upload(server: Server, path: Path, field: str = "transcript") -> str:
    with server.client() as client, path.open("rb") as handle:
        response = client.post("/v1/consultations", files={field: (path.name, handle)},
                               data=CONSENT if field == "audio" else {})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_fifty_concurrent_uploads_through_redis_each_run_exactly_once(processes, model_cache: Path,
                                                                        postgres_url: str, broker_prefix: str) -> None:
    run = processes(model_cache=model_cache, SOAPSCRIBE_DATABASE_URL=postgres_url,
                    SOAPSCRIBE_BROKER_URL=REDIS_URL, SOAPSCRIBE_BROKER_KEY_PREFIX=broker_prefix)
    run.run("db", "upgrade")
    server, _ = run.serve()
    workers = [run.worker(), run.worker()]
    scripts = list(islice(cycle(sorted(CONSULTATIONS.glob("*.txt"))), 50))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(lambda path: upload(server, path), scripts))
    engine = database(postgres_url)

    def all_finished() -> list[str] | None:
        with engine.connect() as connection:
            statuses = connection.execute(text("SELECT status FROM consultation")).scalars().all()
            unfinished = connection.execute(text("SELECT count(*) FROM job WHERE state IN ('queued', 'running')"))
        finished = sum(s in ("ready", "failed") for s in statuses) == 50 and unfinished.scalar() == 0
        return statuses if finished else None

    statuses = wait_for(all_finished, timeout=150, interval=0.5, what="50 consultations to finish")
    elapsed = time.monotonic() - started
    with engine.connect() as connection:
        jobs = connection.execute(text("SELECT consultation_id, state, attempts, lease_owner FROM job")).all()
    engine.dispose()

    assert len(set(ids)) == 50
    assert Counter(statuses) == {"ready": 50}, run.log_text()
    assert Counter(job.consultation_id for job in jobs) == {consultation_id: 1 for consultation_id in ids}
    assert {(job.state, job.attempts) for job in jobs} == {("done", 1)}
    owners = Counter(owner_pid(job.lease_owner) for job in jobs)
    assert set(owners) <= {worker.pid for worker in workers}, "the API must not run jobs when a broker is set"
    assert redis.Redis.from_url(REDIS_URL).llen(f"{broker_prefix}celery") == 0, "no message is left behind"
    print(f"50/50 ready in {elapsed:.1f} s; jobs per worker {sorted(owners.values())}")


def _wait_until_transcribing(engine, consultation_id: str) -> dict:  # type: ignore[no-untyped-def]
    def transcribing() -> dict | None:
        jobs = jobs_of(engine, consultation_id)
        if consultation_row(engine, consultation_id)["status"] == "transcribing" and jobs[0]["state"] == "running":
            return jobs[0]
        return None

    return wait_for(transcribing, timeout=60, interval=0.05, what="the job to be transcribing")


def _watch_until_finished(engine, consultation_id: str, timeout: float) -> tuple[dict, set, set]:  # type: ignore[no-untyped-def]
    """Poll until the consultation is ready or failed: its row, the (owner, lease expiry) pairs and the
    (status, progress) pairs seen meanwhile."""
    leases: set = set()
    stages: set = set()

    def finished() -> dict | None:
        jobs = jobs_of(engine, consultation_id)
        for job in jobs:
            if job["lease_until"] is not None:
                leases.add((owner_pid(job["lease_owner"]), job["lease_until"]))
        row = consultation_row(engine, consultation_id)
        stages.add((row["status"], row["progress"]))
        # The note is stored just before the job is marked finished: wait for both.
        done = row["status"] in ("ready", "failed") and all(job["state"] in ("done", "failed") for job in jobs)
        return row if done else None

    return wait_for(finished, timeout=timeout, interval=0.1, what="the consultation to finish"), leases, stages


@pytest.mark.audio
def test_a_worker_killed_mid_transcription_loses_nothing(processes, model_cache: Path, postgres_url: str,
                                                         broker_prefix: str, rendered: dict[str, Path]) -> None:
    run = processes(model_cache=model_cache, SOAPSCRIBE_DATABASE_URL=postgres_url,
                    SOAPSCRIBE_BROKER_URL=REDIS_URL, SOAPSCRIBE_BROKER_KEY_PREFIX=broker_prefix,
                    SOAPSCRIBE_JOB_LEASE_SECONDS=LEASE, SOAPSCRIBE_JOB_SWEEP_SECONDS="0.5")
    run.run("db", "upgrade")
    server, _ = run.serve()
    first = run.worker()
    consultation_id = upload(server, rendered["furosemide_night_cramps"], field="audio")
    engine = database(postgres_url)

    job = _wait_until_transcribing(engine, consultation_id)
    assert owner_pid(job["lease_owner"]) == first.pid
    run.kill(first)
    killed = time.monotonic()
    time.sleep(1.0)
    [job] = jobs_of(engine, consultation_id)
    assert job["state"] == "running" and job["attempts"] == 1, "the dead worker's job keeps its lease until it expires"
    assert consultation_row(engine, consultation_id)["status"] == "transcribing"

    second = run.worker()
    row, leases, stages = _watch_until_finished(engine, consultation_id, timeout=120)
    recovered = time.monotonic() - killed
    [job] = jobs_of(engine, consultation_id)
    engine.dispose()

    assert row["status"] == "ready", (row, run.log_text())
    assert (job["state"], job["attempts"]) == ("done", 2)
    assert owner_pid(job["lease_owner"]) == second.pid
    # The note is stored encrypted (service/store/encrypted_columns.py): read it with the processes' key file.
    keys = load_keyring(Settings(data_dir=run.data_dir), create=False)
    assert row["note_markdown"] and "## Subjective" in keys.decrypt_text(
        row["note_markdown"], Cell("note_version", "markdown", (consultation_id, "1")))
    renewals = [until for pid, until in leases if pid == second.pid]
    assert len(renewals) >= 2, f"the heartbeat renewed the lease while the second attempt ran: {leases}"
    progress = sorted(p for status, p in stages if status == "transcribing")
    assert any(0 < p < 0.9 for p in progress), f"transcription progress is reported as it goes: {stages}"
    with server.client() as client:
        assert client.get(f"/v1/consultations/{consultation_id}/note").status_code == 200
    print(f"killed worker: attempts 2, ready {recovered:.1f} s after the kill; lease renewed {len(renewals) - 1} "
          f"times in attempt 2; transcribing progress seen {progress}")


@pytest.mark.audio
def test_the_embedded_worker_resumes_a_job_after_the_api_process_is_killed(processes, model_cache: Path,
                                                                           rendered: dict[str, Path]) -> None:
    run = processes(model_cache=model_cache, SOAPSCRIBE_JOB_LEASE_SECONDS=LEASE)
    server, api = run.serve()
    consultation_id = upload(server, rendered["statin_exertional_cramps"], field="audio")
    engine = database(f"sqlite:///{run.data_dir / 'soapscribe.db'}")

    job = _wait_until_transcribing(engine, consultation_id)
    assert owner_pid(job["lease_owner"]) == api.pid
    run.kill(api)
    killed = time.monotonic()

    restarted, api_again = run.serve()
    row, _, _ = _watch_until_finished(engine, consultation_id, timeout=120)
    recovered = time.monotonic() - killed
    [job] = jobs_of(engine, consultation_id)
    engine.dispose()

    assert row["status"] == "ready", (row, run.log_text())
    assert (job["state"], job["attempts"]) == ("done", 2)
    assert owner_pid(job["lease_owner"]) == api_again.pid
    with restarted.client() as client:
        assert client.get(f"/v1/consultations/{consultation_id}/note").status_code == 200
    print(f"killed API (SQLite): attempts 2, ready {recovered:.1f} s after the kill")


def test_a_job_whose_message_redis_lost_is_sent_again_by_the_sweep(processes, model_cache: Path, postgres_url: str,
                                                                   broker_prefix: str) -> None:
    run = processes(model_cache=model_cache, SOAPSCRIBE_DATABASE_URL=postgres_url,
                    SOAPSCRIBE_BROKER_URL=REDIS_URL, SOAPSCRIBE_BROKER_KEY_PREFIX=broker_prefix,
                    SOAPSCRIBE_JOB_SWEEP_SECONDS="0.5", SOAPSCRIBE_JOB_REDISPATCH_SECONDS="2")
    run.run("db", "upgrade")
    server, _ = run.serve()
    consultation_id = upload(server, CONSULTATIONS / "runner_dehydration.txt")
    broker = redis.Redis.from_url(REDIS_URL)
    assert broker.llen(f"{broker_prefix}celery") == 1
    broker.delete(f"{broker_prefix}celery")  # Redis restarted without persistence: the message is gone
    broker.close()

    worker = run.worker()
    engine = database(postgres_url)
    row, _, _ = _watch_until_finished(engine, consultation_id, timeout=60)
    [job] = jobs_of(engine, consultation_id)
    engine.dispose()
    assert row["status"] == "ready", run.log_text()
    assert (job["state"], job["attempts"], owner_pid(job["lease_owner"])) == ("done", 1, worker.pid)


@pytest.mark.audio
def test_a_polling_worker_stopped_by_sigterm_mid_job_releases_it_and_exits(processes, model_cache: Path,
                                                                            rendered: dict[str, Path]) -> None:
    run = processes(model_cache=model_cache, SOAPSCRIBE_EMBEDDED_WORKER="false")
    server, _ = run.serve()
    worker = run.worker()
    consultation_id = upload(server, rendered["furosemide_night_cramps"], field="audio")
    engine = database(f"sqlite:///{run.data_dir / 'soapscribe.db'}")
    job = _wait_until_transcribing(engine, consultation_id)
    assert owner_pid(job["lease_owner"]) == worker.pid

    worker.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    assert worker.wait(timeout=20) == 0, run.log_text()
    stopped_in = time.monotonic() - signalled
    [job] = jobs_of(engine, consultation_id)
    row = consultation_row(engine, consultation_id)
    engine.dispose()
    # Handed back at once, its attempt not counted: the next worker starts it as if it were new.
    assert (job["state"], job["attempts"], job["lease_owner"], job["lease_until"]) == ("queued", 0, None, None)
    assert (row["status"], row["error"]) == ("queued", None)
    assert "job released" in run.log_text() and "Traceback" not in run.log_text()
    print(f"SIGTERM mid-transcription: worker exited 0 in {stopped_in:.1f} s, job queued again")
