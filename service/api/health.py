"""Liveness for load balancers and orchestrators; no authentication."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health()
