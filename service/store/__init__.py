"""Persistence: the tables, the engine and sessions, and one module per table that reads and writes it."""

from importlib import import_module
from typing import Any

# Each name's module, imported on first use: importing one module of the package must not load them all
# (Whisper, spaCy), and the package's modules import one another, so eager imports here would be cycles.
_EXPORTS = {
    "create_schema": "service.store.db", "make_engine": "service.store.db", "session_scope": "service.store.db",
    "upgrade": "service.store.db", "ApiKey": "service.store.models", "AuditEvent": "service.store.models",
    "Consultation": "service.store.models", "IdempotencyKey": "service.store.models",
    "Job": "service.store.models", "NoteVersion": "service.store.models", "Tenant": "service.store.models",
    "WebhookDelivery": "service.store.models", "RecordingStore": "service.store.recordings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
