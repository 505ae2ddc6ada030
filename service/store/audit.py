"""The append-only audit log: who read or changed which consultation (and note version), and when.

An event names the tenant, the API key, the action, the consultation and the note version; it never holds
transcript or note text. Writes add their event in the same transaction as the change it records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import insert
from sqlmodel import Session, col, select

from service.store.models import AuditEvent, utcnow

_INSERT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]  # SQLModel leaves __table__ undeclared; built once: see `record`

Action = Literal["read", "create", "update", "sign", "delete", "retry", "purge", "reconcile", "vocabulary"]


@dataclass(frozen=True)
class Actor:
    """Who is calling: a tenant, through one of its API keys (none: soapscribe itself, e.g. a retention purge)."""

    tenant_id: str
    api_key_id: str | None = None

    @property
    def author(self) -> str:
        """How a note version names the author it came from."""
        return f"apikey:{self.api_key_id}" if self.api_key_id else f"tenant:{self.tenant_id}"


def record(session: Session, actor: Actor, action: Action, consultation_id: str | None,
           version: int | None = None) -> None:
    """Insert an event in the session's transaction; the caller commits it with the change (or alone, for a read).

    A Core insert, executed at once: no ORM object to build and flush (a large part of a note read's CPU time).
    The caller's pending changes are not flushed here but at its commit, so their errors (a unique version
    number taken by a concurrent edit) are raised where the caller expects them.
    """
    with session.no_autoflush:
        session.execute(_INSERT, {"at": utcnow(), "tenant_id": actor.tenant_id, "api_key_id": actor.api_key_id,
                                  "action": action, "consultation_id": consultation_id, "version": version})


def events(session: Session, tenant_id: str, *, consultation_id: str | None = None,
           limit: int = 100, before_id: int | None = None) -> tuple[list[AuditEvent], int | None]:
    """A tenant's events, newest first, and the `before_id` of the next (older) page, None on the last."""
    query = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if consultation_id is not None:
        query = query.where(AuditEvent.consultation_id == consultation_id)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    rows = list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit + 1)).all())
    page = rows[:limit]
    return page, page[-1].id if len(rows) > limit and page else None

