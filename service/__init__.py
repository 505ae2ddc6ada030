"""The service: the pipeline's stages behind one object (`Scribe`), its settings, runtime and errors.

The REST API is `service.api`, the job queue `service.jobs`, storage `service.store`, the EHR review app
`service.ehr`; the command line is `service.cli`.
"""

from importlib import import_module
from typing import Any

# Each name's module, imported on first use: importing one module of the package must not load them all
# (Whisper, spaCy), and the package's modules import one another, so eager imports here would be cycles.
_EXPORTS = {
    "DOMAIN_ERRORS": "service.errors", "BadInput": "service.errors", "Conflict": "service.errors",
    "ConsentRequired": "service.errors", "Gone": "service.errors", "InsufficientStorage": "service.errors",
    "NotFound": "service.errors", "NotReady": "service.errors", "PreconditionFailed": "service.errors",
    "PreconditionRequired": "service.errors", "ScribeError": "service.errors",
    "ServerMisconfigured": "service.errors", "TooLarge": "service.errors", "Unauthorized": "service.errors",
    "Unavailable": "service.errors", "UnsupportedMediaType": "service.errors", "as_scribe_error": "service.errors",
    "Runtime": "service.runtime", "Scribe": "service.scribe", "Settings": "service.settings",
    "get_settings": "service.settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
