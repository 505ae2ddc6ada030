"""`/metrics` in the Prometheus text format: requests by route template and status, consultations by status,
queued jobs. Each app has its own registry, so several apps in one process (tests) do not collide."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.deps import SessionDep
from service.store import consultations

router = APIRouter(tags=["health"])


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("soapscribe_http_requests", "HTTP requests by route template and status",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("soapscribe_http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route"], registry=self.registry)
        self.consultations = Gauge("soapscribe_consultations", "consultations by status", ["status"],
                                   registry=self.registry)
        self.jobs_queued = Gauge("soapscribe_jobs_queued", "jobs waiting for a worker", registry=self.registry)


class MetricsMiddleware:
    """Counts every HTTP request under its route template (`/v1/consultations/{consultation_id}`), never
    its concrete path, so ids do not become label values."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
            summary="Prometheus metrics")
def metrics(request: Request, session: SessionDep) -> Response:
    collected: Metrics = request.app.state.metrics
    by_status = consultations.count_by_status(session)
    queued = consultations.count_queued_jobs(session)
    for status in (*consultations.STAGES, consultations.DELETED):
        collected.consultations.labels(status).set(by_status.get(status, 0))
    collected.jobs_queued.set(queued)
    return Response(generate_latest(collected.registry), media_type=CONTENT_TYPE_LATEST)
