"""Server-sent events for one consultation: `status` and `progress` changes, read from the database.

Polling the row (every `events_poll_seconds`) works the same with the embedded worker and with Celery
workers on other machines; the stream ends once the consultation is ready, failed or deleted.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi.concurrency import run_in_threadpool

from service.runtime import Runtime
from service.store import consultations

FINAL = ("ready", "failed", "deleted")


def _event(name: str, number: int, data: dict[str, object]) -> str:
    return f"event: {name}\nid: {number}\ndata: {json.dumps(data)}\n\n"


async def consultation_events(runtime: Runtime, tenant_id: str, consultation_id: str) -> AsyncIterator[str]:
    """Yield an event whenever the status or progress changes (the first poll yields both)."""
    settings = runtime.settings
    deadline = time.monotonic() + settings.events_max_seconds
    last: tuple[str, float] | None = None
    number = 0
    while True:
        consultation = await run_in_threadpool(consultations.load, runtime.engine, consultation_id)
        if consultation.tenant_id != tenant_id:  # checked before the stream began; never leak another tenant's
            return
        if last is None or consultation.status != last[0]:
            number += 1
            yield _event("status", number, {"id": consultation_id, "status": consultation.status,
                                            "progress": consultation.progress, "error": consultation.error})
        if last is None or consultation.progress != last[1]:
            number += 1
            yield _event("progress", number, {"id": consultation_id, "progress": consultation.progress})
        last = (consultation.status, consultation.progress)
        if consultation.status in FINAL or time.monotonic() > deadline:
            return
        await asyncio.sleep(settings.events_poll_seconds)
