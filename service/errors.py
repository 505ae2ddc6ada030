"""The domain's error types, mapped once to problem+json (API) and one-line messages (CLI)."""

from __future__ import annotations

import errno
from http import HTTPStatus

from knowledge.errors import CorpusError, KnowledgeError, KnowledgeLayerError
from nlp.errors import InputError, NlpError, SetupError


class ScribeError(Exception):
    """Base of the errors a user can act on; `status` is the HTTP status it maps to."""

    status: int = HTTPStatus.BAD_REQUEST
    title: str = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def type_slug(self) -> str:
        return self.title.lower().replace(" ", "-")

    def problem_extra(self) -> dict[str, object]:
        """Members the problem+json document carries besides type, title, status and detail."""
        return {}


class BadInput(ScribeError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    title = "Invalid input"


class ConsentRequired(BadInput):
    """A recording uploaded without the patient's consent to being recorded (or with part of it)."""

    title = "Consent required"

    def __init__(self, detail: str, missing: list[str]) -> None:
        super().__init__(detail)
        self.missing = missing

    def problem_extra(self) -> dict[str, object]:
        return {"missing": self.missing}


class NotFound(ScribeError):
    status = HTTPStatus.NOT_FOUND
    title = "Not found"


class Conflict(ScribeError):
    status = HTTPStatus.CONFLICT
    title = "Conflict"


class Unauthorized(ScribeError):
    status = HTTPStatus.UNAUTHORIZED
    title = "Unauthorized"


class TooLarge(ScribeError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    title = "Payload too large"


class NotReady(ScribeError):
    status = HTTPStatus.CONFLICT
    title = "Not ready"


class ServerMisconfigured(ScribeError):
    status = HTTPStatus.INTERNAL_SERVER_ERROR
    title = "Server misconfigured"


class Gone(ScribeError):
    """The consultation was deleted: its tombstone remains, its content does not."""

    status = HTTPStatus.GONE
    title = "Gone"


class Unavailable(ScribeError):
    """A dependency (the database) is briefly unavailable or busy: nothing was stored; send it again later."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    title = "Service unavailable"
    retry_after: int = 5  # seconds, sent as the Retry-After header


class InsufficientStorage(ScribeError):
    """The data dir's disk (or the database's) is full: nothing was stored; earlier work is intact."""

    status = HTTPStatus.INSUFFICIENT_STORAGE
    title = "Insufficient storage"
    retry_after: int = 60


class UnsupportedMediaType(ScribeError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    title = "Unsupported media type"


class PreconditionRequired(ScribeError):
    status = HTTPStatus.PRECONDITION_REQUIRED
    title = "Precondition required"


class PreconditionFailed(ScribeError):
    status = HTTPStatus.PRECONDITION_FAILED
    title = "Precondition failed"


# What each lower layer's error means to a user: the input is at fault (BadInput) or the installation is
# (ServerMisconfigured). The API (service/api/problems.py) and the CLI (`_guarded`) both map through this.
LOWER_ERRORS: dict[type[Exception], type[ScribeError]] = {
    InputError: BadInput,
    CorpusError: BadInput,
    SetupError: ServerMisconfigured,
    KnowledgeError: ServerMisconfigured,
}
# Every error a user can act on: a ScribeError or one of a lower layer's.
DOMAIN_ERRORS: tuple[type[Exception], ...] = (ScribeError, NlpError, KnowledgeLayerError, *LOWER_ERRORS)
# A lower layer's errors that mean "the input is bad": a job that meets one fails at once (retrying cannot help).
INPUT_ERRORS: tuple[type[Exception], ...] = tuple(cls for cls, to in LOWER_ERRORS.items() if to is BadInput)


_DISK_FULL = ("database or disk is full", "no space left on device", "disk full")


def unavailable(exc: Exception) -> ScribeError:
    """What the client is told when the database failed under a request: a full disk (507) or a database that is
    down, restarting or locked (503); either way nothing of the request was stored and it may be sent again."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT) or any(m in text for m in _DISK_FULL):
        return InsufficientStorage("the server's disk is full; nothing was stored, earlier consultations are intact; "
                                   "try again once an operator has freed space")
    if "locked" in text or "busy" in text:
        return Unavailable("the database is busy (locked by another writer); nothing was stored; try again")
    return Unavailable("the database is unavailable; nothing was stored; try again shortly")


def as_scribe_error(exc: Exception) -> ScribeError:
    """The ScribeError a user should see for a domain error (a lower layer's is wrapped, keeping its message)."""
    if isinstance(exc, ScribeError):
        return exc
    for lower, scribe_error in LOWER_ERRORS.items():
        if isinstance(exc, lower):
            return scribe_error(str(exc))
    if isinstance(exc, DOMAIN_ERRORS):  # a lower layer's base, raised bare: the installation's fault
        return ServerMisconfigured(str(exc))
    raise TypeError(f"not a known domain error: {type(exc).__name__}") from exc
