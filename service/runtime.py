"""Everything a running process holds: settings, database engine, recording store, scribe, worker, dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

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

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
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
            queue.announce_to(engine, dispatcher.dispatch)  # a job queued by the API goes to the broker
        return cls(settings=settings, engine=engine, recordings=recordings, scribe=Scribe(settings),
                   dispatcher=dispatcher)

    def start_worker(self) -> Worker:
        worker = self.worker = Worker(self.settings, self.engine, self.scribe, self.recordings)
        worker.start()
        queue.announce_to(self.engine, lambda _job_id: worker.wake())
        return worker

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.dispatcher is not None:
            self.dispatcher.close()
        self.engine.dispose()
