"""API keys: random bearer tokens, stored only as a SHA-256 hash and scoped to a tenant."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from service.errors import Unauthorized
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


def authenticate(session: Session, key: str | None) -> tuple[Tenant, ApiKey]:
    """The tenant and the key row a bearer key belongs to (the key's id is what the audit log records)."""
    if not key:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key")
    tenant = session.get(Tenant, row.tenant_id)
    if tenant is None:
        raise Unauthorized("unknown or revoked API key")
    return tenant, row


def tenant_for_key(session: Session, key: str | None) -> Tenant:
    return authenticate(session, key)[0]


def revoke(session: Session, key: str) -> None:
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is not None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
