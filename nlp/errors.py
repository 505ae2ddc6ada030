"""The errors the speech and language layer raises for a user to act on, under one base (as httpx's `_exceptions`).

The service maps them once: an `InputError` is the request's fault (422 / exit 2), a `SetupError` the
installation's (500 / exit 1).
"""

from __future__ import annotations


class NlpError(Exception):
    """Base of the speech and language layer's errors; the message is one line a user can act on."""


class InputError(NlpError, ValueError):
    """The audio or transcript given cannot be read."""


class SetupError(NlpError, RuntimeError):
    """Model weights or libraries are missing or broken: the installation, not the request, is at fault."""
