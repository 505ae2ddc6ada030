"""`/v1/audit`: the tenant's audit log (who read or changed which consultation and note version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import ActorDep, SessionDep
from service.api.schemas import AuditEventOut, AuditPage
from service.store import audit, consultations

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage, summary="Audit events, newest first; also for deleted consultations")
def list_audit(session: SessionDep, actor: ActorDep,
               consultation_id: Annotated[str | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               before: Annotated[int | None, Query(description="`next_before` of the previous page")] = None,
               ) -> AuditPage:
    if consultation_id is not None:
        consultations.get(session, actor.tenant_id, consultation_id, deleted_ok=True)  # 404 if not the tenant's
    rows, next_before = audit.events(session, actor.tenant_id, consultation_id=consultation_id, limit=limit,
                                     before_id=before)
    return AuditPage(events=[AuditEventOut.model_validate(row, from_attributes=True) for row in rows],
                     next_before=next_before)
