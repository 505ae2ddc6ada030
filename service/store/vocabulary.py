"""The clinic's vocabulary: one JSON list on the tenant's row, read and replaced whole."""

from __future__ import annotations

import json

from sqlmodel import Session

from service.errors import NotFound
from service.store.audit import Actor, record
from service.store.models import Tenant


def _tenant(session: Session, tenant_id: str) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("no such tenant")
    return tenant


def read(session: Session, actor: Actor) -> list[str]:
    """The tenant's terms, in the order they were given."""
    return tenant_terms(session, actor.tenant_id)


def tenant_terms(session: Session, tenant_id: str) -> list[str]:
    stored = _tenant(session, tenant_id).vocabulary_json
    return list(json.loads(stored)) if stored else []


def replace_terms(session: Session, actor: Actor, terms: list[str]) -> list[str]:
    """Replace the tenant's terms (already validated: service.vocabulary) and commit, audited as `vocabulary`
    (who replaced them and when; the terms are not in the event)."""
    tenant = _tenant(session, actor.tenant_id)
    tenant.vocabulary_json = json.dumps(terms) if terms else None
    session.add(tenant)
    record(session, actor, "vocabulary", None)
    session.commit()
    return terms
