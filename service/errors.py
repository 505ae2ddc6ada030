"""The domain's error types, mapped once to problem+json (API) and one-line messages (CLI)."""

from __future__ import annotations

from http import HTTPStatus

from knowledge.errors import KnowledgeError
from nlp.asr.registry import BackendUnavailable
from nlp.asr.weights import WeightsError
from nlp.audio import AudioDecodeError
from nlp.transcript_io import TranscriptFormatError


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


class BadInput(ScribeError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    title = "Invalid input"


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


class UnsupportedMediaType(ScribeError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    title = "Unsupported media type"


class PreconditionRequired(ScribeError):
    status = HTTPStatus.PRECONDITION_REQUIRED
    title = "Precondition required"


class PreconditionFailed(ScribeError):
    status = HTTPStatus.PRECONDITION_FAILED
    title = "Precondition failed"


# Errors raised deeper down (nlp, knowledge) that mean "the input is bad".
INPUT_ERRORS: tuple[type[Exception], ...] = (AudioDecodeError, TranscriptFormatError)
SETUP_ERRORS: tuple[type[Exception], ...] = (WeightsError, KnowledgeError, BackendUnavailable)


def as_scribe_error(exc: Exception) -> ScribeError:
    """Wrap a lower-level error in the ScribeError a user should see."""
    if isinstance(exc, ScribeError):
        return exc
    if isinstance(exc, INPUT_ERRORS):
        return BadInput(str(exc))
    if isinstance(exc, SETUP_ERRORS):
        return ServerMisconfigured(str(exc))
    raise TypeError(f"not a known domain error: {type(exc).__name__}") from exc
