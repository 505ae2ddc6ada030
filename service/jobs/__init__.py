"""Background work: the job queue, the worker that drafts each consultation, and webhook deliveries."""

from importlib import import_module
from typing import Any

# Each name's module, imported on first use: importing one module of the package must not load them all
# (Whisper, spaCy), and the package's modules import one another, so eager imports here would be cycles.
_EXPORTS = {
    "process_consultation": "service.jobs.process", "enqueue": "service.jobs.queue",
    "Worker": "service.jobs.worker",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
