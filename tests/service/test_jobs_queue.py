"""The job queue's broker bookkeeping and the worker's lease handling, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import Session, select

from service import auth
from service.jobs import queue
from service.jobs.celery_worker import TASK, CeleryWorker
from service.runtime import Runtime
from service.settings import Settings
from service.store import consultations
from service.store.db import create_schema
from service.store.models import Job, utcnow
from tests.service.processes import REDIS_URL


def queued_job(engine) -> str:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        key = auth.create_key(session, "clinic-q")
        tenant_id = auth.tenant_for_key(session, key).id
        consultation = consultations.create(session, tenant_id, transcript_json="{}")
        return session.exec(select(Job.id).where(Job.consultation_id == consultation.id)).one()


def expire_lease(engine, job_id: str) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        job = session.get(Job, job_id)
        job.lease_until = utcnow() - timedelta(seconds=1)
        session.add(job)
        session.commit()


def test_of_many_workers_handed_the_same_job_id_exactly_one_claims_it(engine) -> None:  # type: ignore[no-untyped-def]
    job_id = queued_job(engine)
    start = threading.Barrier(8)
    claims: list[str] = []

    def claim(owner: str) -> None:
        start.wait()
        if queue.claim(engine, job_id, owner, lease_seconds=60) is not None:
            claims.append(owner)

    threads = [threading.Thread(target=claim, args=(f"worker-{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claims) == 1


def test_a_job_gets_one_message_until_a_worker_takes_it_or_the_message_goes_stale(engine) -> None:  # type: ignore[no-untyped-def]
    job_id = queued_job(engine)
    assert queue.undispatched(engine, redispatch_seconds=60) == [job_id]
    assert queue.mark_dispatched(engine, job_id, redispatch_seconds=60) is True
    assert queue.mark_dispatched(engine, job_id, redispatch_seconds=60) is False, "a message is already out"
    assert queue.undispatched(engine, redispatch_seconds=60) == []
    assert queue.undispatched(engine, redispatch_seconds=0) == [job_id], "a message never taken is re-sent"

    assert queue.claim(engine, job_id, "worker-1", lease_seconds=60) is not None
    assert queue.undispatched(engine, redispatch_seconds=0) == [], "a running job with a live lease needs none"
    expire_lease(engine, job_id)
    assert queue.undispatched(engine, redispatch_seconds=60) == [job_id], "its worker died: send it again"


def test_a_worker_that_lost_its_lease_cannot_finish_the_job(engine) -> None:  # type: ignore[no-untyped-def]
    job_id = queued_job(engine)
    queue.claim(engine, job_id, "slow-worker", lease_seconds=60)
    expire_lease(engine, job_id)
    assert queue.claim(engine, job_id, "worker-2", lease_seconds=60) is not None
    assert queue.finish(engine, job_id, "done", owner="slow-worker") is False
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert (job.state, job.lease_owner, job.attempts) == ("running", "worker-2", 2)
    assert queue.finish(engine, job_id, "done", owner="worker-2") is True


def test_a_job_queued_in_a_transaction_is_announced_only_when_it_commits(engine) -> None:  # type: ignore[no-untyped-def]
    announced: list[str] = []
    with Session(engine) as session:
        key = auth.create_key(session, "clinic-a")
        tenant_id = auth.tenant_for_key(session, key).id
    with Session(engine, info=queue.announcing(announced.append)) as session:
        consultation_id = consultations.create(session, tenant_id, transcript_json="{}").id
    assert len(announced) == 1
    with Session(engine, info=queue.announcing(announced.append)) as session:
        job = session.get(Job, announced[0])
        assert job is not None and job.consultation_id == consultation_id
        queue.enqueue(session, consultation_id)
        session.rollback()
    assert len(announced) == 1, "a rolled-back job is never announced"


def test_announcing_a_job_never_needs_a_second_database_connection(postgres_url: str) -> None:
    """The announcement uses the database (to mark the message sent): it must run after the request's own
    connection went back to the pool, or a busy API deadlocks on its pool."""
    from sqlalchemy import create_engine

    from service.store.crypto import Key, KeyRing
    from service.store.encrypted_columns import attach_keys

    engine = create_engine(postgres_url, pool_size=1, max_overflow=0, pool_timeout=2)
    attach_keys(engine, KeyRing(keys=(Key.generate(),), source="this test"))  # what make_engine does
    create_schema(engine)
    announced: list[bool] = []
    announce = queue.announcing(lambda job_id: announced.append(
        queue.mark_dispatched(engine, job_id, redispatch_seconds=60)))
    try:
        with Session(engine, info=announce) as session:
            key = auth.create_key(session, "clinic-pool")
            tenant_id = auth.tenant_for_key(session, key).id
            consultations.create(session, tenant_id, transcript_json="{}")
    finally:
        engine.dispose()
    assert announced == [True]


def test_each_runtime_announces_only_the_jobs_its_own_sessions_queued(tmp_path, model_cache) -> None:  # type: ignore[no-untyped-def]
    """No listener on every session of the process: two runtimes (two databases) each hear their own jobs, and a
    session that is not the runtime's (the CLI's, a script's) announces nothing."""
    first = Runtime.build(Settings(data_dir=tmp_path / "first", models_dir=model_cache))
    second = Runtime.build(Settings(data_dir=tmp_path / "second", models_dir=model_cache))
    heard: dict[str, list[str]] = {"first": [], "second": []}
    first.announce, second.announce = heard["first"].append, heard["second"].append
    try:
        for index, runtime in enumerate((first, second, first)):
            with runtime.session() as session:
                tenant_id = auth.tenant_for_key(session, auth.create_key(session, f"clinic-{index}")).id
                consultations.create(session, tenant_id, transcript_json="{}")
        with Session(first.engine) as session:  # no announcer: the worker's poll finds its job
            silent = consultations.create(session, tenant_id, transcript_json="{}").id
        assert [len(heard["first"]), len(heard["second"])] == [2, 1]
        with Session(first.engine) as session:
            jobs = {job.consultation_id: job.id for job in session.exec(select(Job)).all()}
        assert len(jobs) == 3 and set(heard["first"]) == set(jobs.values()) - {jobs[silent]}
        assert first.scribe is not second.scribe, "each runtime holds its own models"
    finally:
        first.close()
        second.close()


def test_a_celery_worker_takes_tasks_on_the_app_its_runtime_sends_with(settings: Settings) -> None:
    """One Celery app per process: the Dispatcher's, which the API sends jobs with and a worker's sweep re-sends
    them with, is the one the worker's task is registered on (no second app with its own broker connection)."""
    runtime = Runtime.build(settings.model_copy(update={"broker_url": REDIS_URL}))
    try:
        assert runtime.dispatcher is not None
        worker = CeleryWorker(runtime.settings, runtime.engine, runtime.scribe, runtime.recordings,
                              runtime.dispatcher)
        assert worker.app is runtime.dispatcher.app is worker.sweep.dispatcher.app
        assert TASK in runtime.dispatcher.app.tasks
    finally:
        runtime.close()
