"""Background work: the job queue, the worker that drafts each consultation, and webhook deliveries."""

from nlp.exports import lazy_exports

# Each name's module, imported on first use (nlp/exports.py says why).
_EXPORTS = {
    "process_consultation": "service.jobs.process", "enqueue": "service.jobs.queue",
    "Worker": "service.jobs.worker",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
