"""Everything a running process holds: settings, database engine, recording store, scribe, worker, dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.drafting import drafter
from service.jobs import queue
from service.jobs.worker import Worker
from service.scribe import Scribe
from service.settings import Settings
from service.store.db import create_schema, make_engine
from service.encryption import check_at_start
from service.store.crypto import load_keyring
from service.store.recordings import RecordingStore

if TYPE_CHECKING:
    from service.jobs.celery_worker import Dispatcher


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    recordings: RecordingStore
    scribe: Scribe
    worker: Worker | None = field(default=None)
    dispatcher: Dispatcher | None = field(default=None)  # set when a broker is configured
    # What a job queued in one of `session()`'s transactions is given to once that commits: the broker's
    # dispatch, or the embedded worker's wake-up.
    announce: queue.Announce | None = field(default=None)

    @classmethod
    def build(cls, settings: Settings, *, scribe: Scribe | None = None) -> Runtime:
        """`scribe`: the process's models (by default a Scribe of `settings` that loads its own on first use)."""
        keys = load_keyring(settings)
        engine = make_engine(settings, keys)
        create_schema(engine)
        recordings = RecordingStore(settings.recordings_dir, keys)
        try:
            check_at_start(engine, recordings)  # a missing or replaced key file stops the start here
            # A clinic's note plan or style that fails its schema stops the start, naming the file and field,
            # rather than failing every consultation's job later.
            drafter(settings.topic, settings.topics_dir, settings.note_plan_dir)
        except Exception:
            engine.dispose()
            raise
        dispatcher = None
        if settings.broker_url:
            from service.jobs.celery_worker import Dispatcher  # Celery is imported only when it is used

            dispatcher = Dispatcher(settings, engine)
        return cls(settings=settings, engine=engine, recordings=recordings, scribe=scribe or Scribe(settings),
                   dispatcher=dispatcher,
                   announce=dispatcher.dispatch if dispatcher else None)  # a job queued by the API goes to the broker

    def start_worker(self) -> Worker:
        worker = self.worker = Worker(self.settings, self.engine, self.scribe, self.recordings)
        worker.start()
        self.announce = lambda _job_id: worker.wake()
        return worker

    def session(self, *, expire_on_commit: bool = True) -> Session:
        """A database session whose committed jobs are announced (see `announce`)."""
        return Session(self.engine, info=queue.announcing(self._announce), expire_on_commit=expire_on_commit)

    def _announce(self, job_id: str) -> None:
        if self.announce is not None:
            self.announce(job_id)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.dispatcher is not None:
            self.dispatcher.close()
        self.engine.dispose()
