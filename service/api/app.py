"""The FastAPI application: routers, problem+json errors, and the runtime's lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api.retry import RetryOnDisconnect
from service.api import audit, consultations, health, metrics, notes, problems, vocabulary
from service.ehr import router as ehr
from service.runtime import Runtime
from service.scribe import Scribe
from service.settings import Settings, get_settings


def create_app(settings: Settings | None = None, *, start_worker: bool | None = None,
               scribe: Scribe | None = None) -> FastAPI:
    """Build the app; the runtime (database, worker) starts with the app and stops with it. `scribe`: the models
    (see `Runtime.build`)."""
    settings = settings or get_settings()
    run_worker = settings.embedded_worker and settings.broker_url is None if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.build(settings, scribe=scribe)
        app.state.runtime = runtime
        if run_worker:
            runtime.start_worker()
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(title="soapscribe", version="0.1.0", lifespan=lifespan,
                  description="Consultation recording in, evidence-linked draft SOAP note out.")
    problems.install(app)
    app.state.metrics = metrics.Metrics()
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RetryOnDisconnect)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(consultations.router)
    app.include_router(notes.router)
    app.include_router(audit.router)
    app.include_router(vocabulary.router)
    app.include_router(ehr.router)
    app.mount("/ehr/static", ehr.static_files(), name="ehr-static")
    return app
