"""The service: the pipeline's stages behind one object (`Scribe`), its settings, runtime and errors.

The REST API is `service.api`, the job queue `service.jobs`, storage `service.store`, the EHR review app
`service.ehr`; the command line is `service.cli`.
"""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
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

__getattr__ = lazy_exports(__name__, _EXPORTS)
