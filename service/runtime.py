"""Everything a running process holds: settings, database engine, recording store, scribe, worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from service.jobs.worker import Worker
from service.scribe import Scribe
from service.settings import Settings
from service.store.db import create_schema, make_engine
from service.store.recordings import RecordingStore


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    recordings: RecordingStore
    scribe: Scribe
    worker: Worker | None = field(default=None)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings)
        create_schema(engine)
        return cls(settings=settings, engine=engine, recordings=RecordingStore(settings.recordings_dir),
                   scribe=Scribe(settings))

    def start_worker(self) -> Worker:
        self.worker = Worker(self.settings, self.engine, self.scribe, self.recordings)
        self.worker.start()
        return self.worker

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.engine.dispose()
