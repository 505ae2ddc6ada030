"""Webhooks: when a consultation's job ends (ready or failed), POST a signed JSON body to its `callback_url`.

Each outcome is a durable `webhook_delivery` row, written before the job is
marked finished, and sent (then retried with exponential backoff until the
receiver answers 2xx or the attempts run out) outside the jobs' loop: by a
DB-polling worker's `Sender` thread, or a Celery worker's sweep thread. So a
slow receiver never holds up a job.

Signature: `X-Soapscribe-Signature: sha256=<hex>` where hex is
HMAC-SHA256(secret, f"{X-Soapscribe-Timestamp}." + raw body).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from service.errors import BadInput
from service.jobs.callback_urls import ForbiddenDestination, checked_address, pinned_opener
from service.settings import Settings
from service.store.models import Consultation, Tenant, WebhookDelivery, utcnow

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Soapscribe-Signature"
TIMESTAMP_HEADER = "X-Soapscribe-Timestamp"
DELIVERY_HEADER = "X-Soapscribe-Delivery"


def check_callback_url(url: str | None, settings: Settings, session: Session, tenant_id: str) -> str | None:
    """Validate a `callback_url` at upload time: http or https, a public destination (see callback_urls.py),
    and a secret to sign with (the tenant's or the server's)."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"callback_url must be an http:// or https:// URL with a host, not {url[:200]!r}")
    if not secret_for(session, settings, tenant_id):
        raise BadInput("this server sends no webhooks for this tenant: neither SOAPSCRIBE_WEBHOOK_SECRET nor a "
                       "tenant secret (`soapscribe keys webhook-secret`) is set")
    checked_address(url, settings)
    return url


def secret_for(session: Session, settings: Settings, tenant_id: str) -> str | None:
    """The key that signs the tenant's webhooks: its own if it has one, else the server's."""
    tenant = session.get(Tenant, tenant_id)
    return (tenant.webhook_secret if tenant is not None else None) or settings.webhook_secret


def set_tenant_secret(session: Session, tenant_name: str) -> str:
    """Give the tenant (made if new) a new random webhook secret, replacing any earlier one; returns it."""
    tenant = session.exec(select(Tenant).where(Tenant.name == tenant_name)).first() or Tenant(name=tenant_name)
    tenant.webhook_secret = "whsec_" + secrets.token_urlsafe(32)
    session.add(tenant)
    session.commit()
    return tenant.webhook_secret


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp` (what a receiver recomputes)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def schedule(engine: Engine, settings: Settings, job_id: str, consultation_id: str) -> WebhookDelivery | None:
    """Record the webhook for this job's outcome, once per job; None when the consultation has no callback."""
    with Session(engine, expire_on_commit=False) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None or not consultation.callback_url:
            return None
        existing = session.exec(select(WebhookDelivery).where(WebhookDelivery.job_id == job_id)).first()
        if existing is not None:  # the job ran again after its worker died between scheduling and finishing
            return existing
        note_path = f"/v1/consultations/{consultation.id}/note"
        body = {"id": consultation.id, "status": consultation.status, "error": consultation.error,
                "note_url": (settings.public_url.rstrip("/") + note_path) if settings.public_url else note_path}
        delivery = WebhookDelivery(job_id=job_id, consultation_id=consultation.id, url=consultation.callback_url,
                                   body=json.dumps(body, separators=(",", ":")))
        session.add(delivery)
        session.commit()
        return delivery


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed try: base, 2 base, 4 base, ... capped at max."""
    return min(settings.webhook_retry_max_seconds, settings.webhook_retry_base_seconds * 2.0 ** (attempts - 1))


def deliver_due(engine: Engine, settings: Settings, limit: int = 20) -> int:
    """Try every pending delivery whose time has come; returns how many were tried."""
    now = utcnow()
    with Session(engine) as session:
        due = session.exec(select(WebhookDelivery.id)
                           .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now)
                           .order_by(col(WebhookDelivery.next_attempt_at)).limit(limit)).all()
    tried = 0
    for delivery_id in due:
        if _take(engine, settings, delivery_id):
            _attempt(engine, settings, delivery_id)
            tried += 1
    return tried


def _take(engine: Engine, settings: Settings, delivery_id: str) -> bool:
    """Claim one try (several workers may sweep at once): push its time past the request's timeout."""
    now = utcnow()
    hold = now + timedelta(seconds=settings.webhook_timeout_seconds * 2 + 5)
    with Session(engine) as session:
        result = session.exec(update(WebhookDelivery)
                              .where(col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.state) == "pending",
                                     col(WebhookDelivery.next_attempt_at) <= now)
                              .values(next_attempt_at=hold, attempts=WebhookDelivery.attempts + 1))
        session.commit()
        return result.rowcount == 1


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a redirect is an answer that is not 2xx: retried later, never followed


def _attempt(engine: Engine, settings: Settings, delivery_id: str) -> None:
    # No session stays open across the request: a slow receiver must not hold a database connection.
    with Session(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        url, body = delivery.url, delivery.body.encode()
        # Only its tenant: loading the consultation would decrypt its transcript and note for nothing.
        tenant_id = session.exec(select(Consultation.tenant_id)
                                 .where(Consultation.id == delivery.consultation_id)).first()
        secret = secret_for(session, settings, tenant_id) if tenant_id else settings.webhook_secret
    status, error = _send(settings, delivery_id, url, body, secret or "")
    with Session(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.last_status, delivery.last_error = status, error
        if status is not None and 200 <= status < 300:
            delivery.state, delivery.delivered_at = "delivered", utcnow()
        elif delivery.attempts >= settings.webhook_max_attempts:
            delivery.state = "failed"
        else:
            delivery.next_attempt_at = utcnow() + timedelta(seconds=backoff(settings, delivery.attempts))
        session.add(delivery)
        session.commit()
        log.info("webhook attempt", extra={"delivery": delivery.id, "consultation": delivery.consultation_id,
                                           "attempt": delivery.attempts, "http_status": status,
                                           "state": delivery.state})


def _send(settings: Settings, delivery_id: str, url: str, body: bytes, secret: str) -> tuple[int | None, str | None]:
    """POST the signed body once: (HTTP status or None, a short error or None)."""
    try:
        address = checked_address(url, settings)  # again: what the host resolves to may have changed
    except ForbiddenDestination as exc:
        return None, exc.detail[:500]
    timestamp = str(int(time.time()))
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "soapscribe-webhook/1",
        TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body),
        DELIVERY_HEADER: delivery_id})
    try:
        with pinned_opener(address, _NoRedirects).open(request, timeout=settings.webhook_timeout_seconds) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:500]


class Sender:
    """Delivers due webhooks in its own thread, every `poll_seconds` and when woken (a job just ended), until
    stopped: the DB-polling worker's counterpart of the Celery workers' sweep thread."""

    def __init__(self, engine: Engine, settings: Settings, poll_seconds: float, batch: int = 20) -> None:
        self.engine = engine
        self.settings = settings
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="soapscribe-webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A delivery may be due now: look at once instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float) -> None:
        """Stop after the request in flight, if any (waiting at most `timeout`; an unfinished try is retried later
        by whichever worker, as its hold on the row expires)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before looking: a wake while deliveries are tried is not lost
            try:
                more = deliver_due(self.engine, self.settings, self.batch) >= self.batch
            except OperationalError:
                log.warning("database unavailable for webhook deliveries; retrying", exc_info=True)
                more = False
            if not more:
                self._wake.wait(self.poll_seconds)
