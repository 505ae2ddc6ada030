"""Persistence: the tables, the engine and sessions, and one module per table that reads and writes it."""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "create_schema": "service.store.db", "make_engine": "service.store.db", "session_scope": "service.store.db",
    "upgrade": "service.store.db", "ApiKey": "service.store.models", "AuditEvent": "service.store.models",
    "Consultation": "service.store.models", "IdempotencyKey": "service.store.models",
    "Job": "service.store.models", "NoteVersion": "service.store.models", "Tenant": "service.store.models",
    "WebhookDelivery": "service.store.models", "RecordingStore": "service.store.recordings",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
