"""RFC 9457 problem+json for every error the API returns."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api.retry import DISCONNECTED
from service.errors import DOMAIN_ERRORS, ScribeError, as_scribe_error, unavailable

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "https://soapscribe.dev/problems/"


def problem(status: int, title: str, detail: str, instance: str | None = None, **extra: object) -> JSONResponse:
    body: dict[str, object] = {"type": _TYPE_BASE + title.lower().replace(" ", "-"), "title": title,
                               "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == HTTPStatus.UNAUTHORIZED else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


PROBLEM_SCHEMA: dict[str, object] = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status", "detail"],
    "description": "RFC 9457 problem details; `type` names the problem (see docs/api.md, error catalogue)",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "instance": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object"}}},
}
_PROBLEM_RESPONSE = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _document_problems(schema: dict[str, Any]) -> None:
    """Describe errors as they are sent: problem+json for 422 and every other 4xx/5xx (FastAPI's own document
    says a 422 is `application/json` HTTPValidationError, which this API never sends)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {"description": "Invalid request or input", **_PROBLEM_RESPONSE}
            responses.setdefault("4XX", {"description": "A problem with the request", **_PROBLEM_RESPONSE})
            responses.setdefault("5XX", {"description": "The service cannot answer now", **_PROBLEM_RESPONSE})
    for unused in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(unused, None)


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_problems(generate())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(ScribeError)
    async def _scribe_error(request: Request, exc: ScribeError) -> JSONResponse:
        response = problem(int(exc.status), exc.title, exc.detail, request.url.path, **exc.problem_extra())
        if (retry_after := getattr(exc, "retry_after", None)) is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    # A lower layer's error (a clinic template or knowledge file that is broken, a transcript that cannot be
    # read) is answered as the ScribeError it maps to: one mapping, service.errors.as_scribe_error.
    async def _lower_layer_error(request: Request, exc: Exception) -> JSONResponse:
        return await _scribe_error(request, as_scribe_error(exc))

    for error in DOMAIN_ERRORS:
        if not issubclass(error, ScribeError):
            app.add_exception_handler(error, _lower_layer_error)

    # The database down, restarting, locked or out of disk under a request: a 503/507 the client can retry,
    # never a 500. The request's transaction was not committed, so nothing half-stored remains.
    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database error under a request: %s", type(exc.orig).__name__ if exc.orig else type(exc).__name__)
        if exc.connection_invalidated:
            setattr(request.state, DISCONNECTED, True)  # the retry middleware runs the request again
        return await _scribe_error(request, unavailable(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(err.get("loc", ())), "msg": err.get("msg", "")} for err in exc.errors()]
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors) or "invalid request"
        return problem(HTTPStatus.UNPROCESSABLE_ENTITY, "Invalid request", detail, request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else "Error"
        return problem(exc.status_code, title, str(exc.detail), request.url.path)



