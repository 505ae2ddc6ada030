"""Celery on Redis: the API sends a message naming a job id; `soapscribe worker` claims that job and runs it.

The database stays the source of truth. A message only says "job X may be
ready to run"; the task claims X through the same queue (lease, attempts) and
runs the same `JobRunner` as the embedded worker. Each worker process also
sweeps: it re-sends jobs with no message out (a send that failed, a message
lost with Redis, a job whose worker was killed and whose lease expired),
delivers due webhooks and purges the recordings past the retention period.
"""

from __future__ import annotations

import logging
import threading

from celery import Celery
from kombu.exceptions import KombuError
from redis.exceptions import RedisError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from service.jobs import queue, webhooks
from service.jobs.worker import JobRunner, touch_alive, worker_id
from service.retention import RetentionSchedule
from service.scribe import Scribe
from service.settings import Settings
from service.store.recordings import RecordingStore

log = logging.getLogger(__name__)

TASK = "soapscribe.process_job"


def make_celery(settings: Settings) -> Celery:
    app = Celery("soapscribe", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_ignore_result=True,
        # Acknowledge on receipt: a message whose worker dies is gone, and the sweep re-sends the job once its
        # lease expires. (Late acks on Redis would redeliver only after the visibility timeout, an hour.)
        task_acks_late=False,
        worker_prefetch_multiplier=1,
        task_publish_retry=False,  # the API must not hang on a broker outage; the sweep re-sends instead
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    if settings.broker_key_prefix:
        app.conf.broker_transport_options = {"global_keyprefix": settings.broker_key_prefix}
    return app


class Dispatcher:
    """Sends one message per job that needs one (guarded by `job.dispatched_at`, so concurrent senders send once)."""

    def __init__(self, settings: Settings, engine: Engine, app: Celery | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.app = app or make_celery(settings)

    def dispatch(self, job_id: str) -> bool:
        if not queue.mark_dispatched(self.engine, job_id, self.settings.job_redispatch_seconds):
            return False
        try:
            self.app.send_task(TASK, args=[job_id])
        except (KombuError, RedisError, OSError):
            log.warning("could not send the job to the broker; a worker's sweep will", extra={"job": job_id},
                        exc_info=True)
            queue.unmark_dispatched(self.engine, job_id)
            return False
        return True

    def sweep(self) -> int:
        """Send every claimable job that has no message out; returns how many were sent."""
        return sum(self.dispatch(job_id)
                   for job_id in queue.undispatched(self.engine, self.settings.job_redispatch_seconds))

    def close(self) -> None:
        self.app.close()


class Sweep:
    """What each Celery worker does every `job_sweep_seconds` besides its tasks: re-send the jobs that have no
    message out, deliver due webhooks, and purge the recordings past the retention period when that is due.

    Retention runs here rather than under Celery beat: beat is one more process that must run exactly once
    per deployment, while every worker sweeps anyway and a purge is idempotent across workers.
    """

    def __init__(self, settings: Settings, engine: Engine, dispatcher: Dispatcher,
                 recordings: RecordingStore) -> None:
        self.settings = settings
        self.engine = engine
        self.dispatcher = dispatcher
        self.retention = RetentionSchedule(settings, engine, recordings)

    def once(self) -> None:
        """One sweep; the worker's sweeper thread calls it every `job_sweep_seconds`."""
        sent = self.dispatcher.sweep()
        if sent:
            log.info("re-sent jobs with no message out", extra={"jobs": sent})
        webhooks.deliver_due(self.engine, self.settings)
        self.retention.run_if_due()
        touch_alive(self.settings)


class CeleryWorker:
    """A Celery worker in this process, on the process's one Celery app: the `Dispatcher`'s (the runtime's), which
    also sends the sweep's messages. Jobs are run by a `JobRunner`; a sweeper thread runs `Sweep.once`."""

    def __init__(self, settings: Settings, engine: Engine, scribe: Scribe, recordings: RecordingStore,
                 dispatcher: Dispatcher) -> None:
        self.settings = settings
        self.app = dispatcher.app
        self.runner = runner = JobRunner(settings, engine, scribe, recordings, worker_id())
        self.sweep = Sweep(settings, engine, dispatcher, recordings)

        @self.app.task(name=TASK)
        def process_job(job_id: str) -> None:
            job = queue.claim(engine, job_id, runner.owner, settings.job_lease_seconds)
            if job is None:
                log.info("job already taken or finished", extra={"job": job_id})
                return
            runner.run(job)

    def run(self) -> None:
        """Take tasks until stopped (solo pool, or threads when `worker_concurrency` > 1), sweeping meanwhile."""
        settings = self.settings
        stop = threading.Event()

        def sweep_forever() -> None:
            while True:
                try:
                    self.sweep.once()
                except OperationalError:
                    log.warning("database unavailable during the sweep; retrying", exc_info=True)
                if stop.wait(settings.job_sweep_seconds):
                    return

        sweeper = threading.Thread(target=sweep_forever, name="soapscribe-sweep", daemon=True)
        sweeper.start()
        pool = "solo" if settings.worker_concurrency == 1 else "threads"
        try:
            self.app.Worker(pool=pool, concurrency=settings.worker_concurrency, loglevel=settings.log_level.upper(),
                            without_mingle=True, without_gossip=True,
                            hostname=f"soapscribe@{self.runner.owner}").start()
        finally:
            stop.set()
            sweeper.join(5)
