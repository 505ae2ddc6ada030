"""API keys: random bearer tokens, stored only as a SHA-256 hash and scoped to a tenant."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from service.errors import Unauthorized
from service.store.audit import Actor
from service.store.models import ApiKey, Tenant, utcnow

KEY_PREFIX = "ss_"


def hash_key(key: str) -> str:
    # Keys carry 256 random bits, so a plain SHA-256 is enough (no password stretching needed).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, tenant_name: str) -> str:
    """Create the tenant if needed and return one new key; only its hash is stored."""
    tenant = session.exec(select(Tenant).where(Tenant.name == tenant_name)).first()
    if tenant is None:
        tenant = Tenant(name=tenant_name)
        session.add(tenant)
        session.flush()
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(tenant_id=tenant.id, prefix=key[:8], key_hash=hash_key(key)))
    session.commit()
    return key


_MISSING = "missing API key: send 'Authorization: Bearer <key>'"
_UNKNOWN = "unknown or revoked API key"


def authenticate(session: Session, key: str | None) -> tuple[Tenant, ApiKey]:
    """The tenant and the key row a bearer key belongs to (the key's id is what the audit log records): the
    rows of `actor_for_key`, which holds the rule."""
    actor = actor_for_key(session, key)
    tenant, row = session.get(Tenant, actor.tenant_id), session.get(ApiKey, actor.api_key_id)
    if tenant is None or row is None:  # deleted between the two reads
        raise Unauthorized(_UNKNOWN)
    return tenant, row


# Built once: constructing a statement costs a request more CPU time than running it does.
_ACTOR = (select(ApiKey.id, ApiKey.tenant_id).join(Tenant, col(Tenant.id) == ApiKey.tenant_id)
          .where(ApiKey.key_hash == bindparam("key_hash"), col(ApiKey.revoked_at).is_(None)))


def actor_for_key(session: Session, key: str | None) -> Actor:
    """Who an API request acts as: `authenticate` in one query that loads no rows (it runs on every request)."""
    if not key:
        raise Unauthorized(_MISSING)
    row = session.execute(_ACTOR, {"key_hash": hash_key(key)}).first()
    if row is None:
        raise Unauthorized(_UNKNOWN)
    return Actor(tenant_id=row.tenant_id, api_key_id=row.id)


def tenant_for_key(session: Session, key: str | None) -> Tenant:
    return authenticate(session, key)[0]


def revoke(session: Session, key: str) -> None:
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is not None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
