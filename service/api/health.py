"""Liveness and readiness for load balancers and orchestrators; no authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service import readiness
from service.api.deps import RuntimeDep
from service.api.problems import problem
from service.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health()


@router.get("/readyz", response_model=Readiness,
            responses={503: {"description": "a dependency is down (problem+json naming it)"}})
def readyz(request: Request, runtime: RuntimeDep) -> Readiness | JSONResponse:
    problems = readiness.check(runtime.settings, runtime.engine)
    down = {name: reason for name, reason in problems.items() if reason is not None}
    if down:
        detail = "; ".join(f"{name} is down ({reason})" for name, reason in down.items())
        return problem(503, "Service unavailable", detail, request.url.path,
                       checks={name: reason or "ok" for name, reason in problems.items()})
    return Readiness(checks={name: "ok" for name in problems})
