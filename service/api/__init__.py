"""The REST API: thin routers over `service`'s functions, errors answered as RFC 9457 problem+json."""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "create_app": "service.api.app", "PROBLEM_JSON": "service.api.problems", "problem": "service.api.problems",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
