"""The embedded worker: a background thread that claims jobs from the database queue and runs them."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from service.errors import INPUT_ERRORS, ScribeError, as_scribe_error
from service.jobs import queue
from service.jobs.process import process_consultation
from service.scribe import Scribe
from service.settings import Settings
from service.store import consultations
from service.store.recordings import RecordingStore

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, settings: Settings, engine: Engine, scribe: Scribe, recordings: RecordingStore) -> None:
        self.settings = settings
        self.engine = engine
        self.scribe = scribe
        self.recordings = recordings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="soapscribe-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_forever(self) -> None:
        log.info("worker started", extra={"owner": self.owner})
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except OperationalError:
                # The database is briefly unavailable or locked: wait and try again, lose nothing.
                log.warning("database unavailable; retrying", exc_info=True)
                worked = False
            if not worked:
                self._stop.wait(self.settings.worker_poll_seconds)

    def run_once(self) -> bool:
        """Claim and run one job; False when the queue was empty."""
        job = queue.claim_next(self.engine, self.owner, self.settings.job_lease_seconds)
        if job is None:
            return False

        def heartbeat() -> None:
            queue.renew(self.engine, job.id, self.owner, self.settings.job_lease_seconds)

        try:
            process_consultation(self.engine, self.scribe, self.recordings, job.consultation_id, heartbeat)
        except (ScribeError, *INPUT_ERRORS) as exc:
            # The input itself is at fault: retrying cannot help.
            reason = as_scribe_error(exc).detail
            self._fail(job.id, job.consultation_id, reason)
        except Exception as exc:  # noqa: BLE001 - the worker must survive any job; the error is logged and stored
            log.exception("job failed", extra={"job": job.id, "attempt": job.attempts})
            reason = f"internal error while processing ({type(exc).__name__})"
            if job.attempts >= self.settings.job_max_attempts:
                self._fail(job.id, job.consultation_id, reason)
            else:
                queue.release(self.engine, job.id, reason)
                consultations.set_fields(self.engine, job.consultation_id, status="queued",
                                         error=f"{reason}; will retry")
        else:
            queue.finish(self.engine, job.id, "done")
        return True

    def _fail(self, job_id: str, consultation_id: str, reason: str) -> None:
        queue.finish(self.engine, job_id, "failed", reason)
        consultations.set_fields(self.engine, consultation_id, status="failed", error=reason)



