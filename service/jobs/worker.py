"""Running jobs: `JobRunner` runs one claimed job (both modes); `Worker` is the DB-polling loop around it.

Without a broker the API process (or `soapscribe worker`) runs a `Worker`
thread; with a broker the Celery task claims the job named in its message and
hands it to the same `JobRunner` (see `service/jobs/celery_worker.py`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from service.errors import INPUT_ERRORS, ScribeError, as_scribe_error
from service.jobs import queue, webhooks
from service.jobs.process import process_consultation
from service.retention import RetentionSchedule
from service.scribe import Scribe
from service.settings import Settings
from service.store import consultations
from service.store.models import Job
from service.store.recordings import RecordingStore

log = logging.getLogger(__name__)

# What a job fails on at once, as the input itself is at fault.
_INPUT_AT_FAULT: tuple[type[Exception], ...] = (ScribeError, *INPUT_ERRORS)


def worker_id() -> str:
    """Names a worker in `job.lease_owner`: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeaseLost(Exception):
    """The job's lease was taken over by another worker; this one must stop working on it."""


class Stopping(Exception):
    """The worker was asked to stop (SIGTERM) while a job ran: the job is handed back, not finished."""


class JobRunner:
    """Runs a claimed job: renews its lease every third of the lease, then marks it done, failed or queued again."""

    def __init__(self, settings: Settings, engine: Engine, scribe: Scribe, recordings: RecordingStore,
                 owner: str, stopping: threading.Event | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.scribe = scribe
        self.recordings = recordings
        self.owner = owner
        self.stopping = stopping or threading.Event()

    def run(self, job: Job) -> None:
        stopped = threading.Event()
        lost = threading.Event()
        beat = threading.Thread(target=self._renew_until, args=(job.id, stopped, lost), daemon=True,
                                name=f"lease-{job.id[:8]}")
        beat.start()

        def heartbeat() -> None:
            if lost.is_set():
                raise LeaseLost(job.id)
            if self.stopping.is_set():
                raise Stopping(job.id)

        try:
            process_consultation(self.engine, self.scribe, self.recordings, job.consultation_id, heartbeat)
        except LeaseLost:
            log.warning("lease lost; another worker has the job", extra={"job": job.id})
        except Stopping:
            # Handed back at once rather than left to its lease's expiry; the attempt is not counted, as the job
            # did not fail. A job that got past its last heartbeat finishes instead (the stop waits for it).
            if queue.release(self.engine, job.id, "worker stopped; queued again", owner=self.owner,
                             count_attempt=False):
                consultations.set_fields(self.engine, job.consultation_id, status="queued", progress=0.0,
                                         error=None)
            log.info("worker stopping: job released", extra={"job": job.id})
        except _INPUT_AT_FAULT as exc:
            # The input itself is at fault: retrying cannot help.
            self._fail(job, as_scribe_error(exc).detail)
        except Exception as exc:  # noqa: BLE001 - the worker must survive any job; the error is logged and stored
            log.exception("job failed", extra={"job": job.id, "attempt": job.attempts})
            reason = f"internal error while processing ({type(exc).__name__})"
            if job.attempts >= self.settings.job_max_attempts:
                self._fail(job, reason)
            else:
                queue.release(self.engine, job.id, reason)
                consultations.set_fields(self.engine, job.consultation_id, status="queued",
                                         error=f"{reason}; will retry")
        else:
            # The webhook row is written before the job is finished: a crash in between runs the job again
            # and `schedule` finds the row, so each outcome is announced once.
            webhooks.schedule(self.engine, self.settings, job.id, job.consultation_id)
            queue.finish(self.engine, job.id, "done", owner=self.owner)
        finally:
            stopped.set()
            beat.join()

    def _renew_until(self, job_id: str, stopped: threading.Event, lost: threading.Event) -> None:
        lease = self.settings.job_lease_seconds
        while not stopped.wait(lease / 3):
            try:
                if not queue.renew(self.engine, job_id, self.owner, lease):
                    lost.set()
                    return
            except OperationalError:
                log.warning("could not renew the lease; trying again", exc_info=True)

    def _fail(self, job: Job, reason: str) -> None:
        consultations.set_fields(self.engine, job.consultation_id, status="failed", error=reason)
        webhooks.schedule(self.engine, self.settings, job.id, job.consultation_id)
        queue.finish(self.engine, job.id, "failed", reason, owner=self.owner)


def touch_alive(settings: Settings) -> None:
    """Mark this worker as alive (the container health check reads the file's age)."""
    if settings.worker_alive_file is not None:
        settings.worker_alive_file.touch()


# How long a stopping worker waits for a webhook request in flight; one cut short is tried again later.
_WEBHOOKS_STOP_SECONDS = 2.0


class Worker:
    """The DB-polling worker: claims the oldest job, runs it, purges expired recordings (audio retention); a
    thread or a process. Webhooks go out from its `webhooks.Sender` thread, so a slow receiver holds up no job."""

    def __init__(self, settings: Settings, engine: Engine, scribe: Scribe, recordings: RecordingStore) -> None:
        self.settings = settings
        self.engine = engine
        self.scribe = scribe
        self.recordings = recordings
        self.owner = worker_id()
        self._stop = threading.Event()
        self.runner = JobRunner(settings, engine, scribe, recordings, self.owner, stopping=self._stop)
        self.retention = RetentionSchedule(settings, engine, recordings)
        self.webhooks = webhooks.Sender(engine, settings, settings.worker_poll_seconds)
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="soapscribe-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def request_stop(self) -> None:
        """Stop after the current step: a running job is released at its next heartbeat. Safe in a signal handler
        (it only sets events)."""
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """A job was just queued: look now instead of at the next poll."""
        self._wake.set()

    def run_forever(self) -> None:
        log.info("worker started", extra={"owner": self.owner})
        self.webhooks.start()
        try:
            self._loop()
        finally:
            self.webhooks.stop(timeout=_WEBHOOKS_STOP_SECONDS)
        log.info("worker stopped", extra={"owner": self.owner})

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
                if self._stop.is_set():
                    break
                self.retention.run_if_due()
                touch_alive(self.settings)
            except OperationalError:
                # The database is briefly unavailable or locked: wait and try again, lose nothing.
                log.warning("database unavailable; retrying", exc_info=True)
                worked = False
            if not worked:
                self._wake.wait(self.settings.worker_poll_seconds)
                self._wake.clear()

    def run_once(self) -> bool:
        """Claim and run one job; False when the queue was empty."""
        job = queue.claim_next(self.engine, self.owner, self.settings.job_lease_seconds)
        if job is None:
            return False
        self.runner.run(job)
        self.webhooks.wake()  # its outcome's webhook, if it has a callback, is due now
        return True
