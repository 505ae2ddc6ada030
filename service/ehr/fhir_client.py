"""The little HTTP the review app speaks to an EHR: JSON GETs and POSTs to a FHIR server and its OAuth endpoints.

urllib, as the webhook sender uses, so the service needs no HTTP client library of its own.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from service.errors import ScribeError

_TIMEOUT = 15.0
FHIR_JSON = "application/fhir+json"


class EhrUnavailable(ScribeError):
    """The EHR's FHIR or OAuth server failed or answered with something unusable."""

    status = HTTPStatus.BAD_GATEWAY
    title = "Bad gateway"


def _send(request: urllib.request.Request) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:  # noqa: S310 (checked URLs only)
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise EhrUnavailable(f"{request.get_method()} {request.full_url} answered {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise EhrUnavailable(f"{request.get_method()} {request.full_url} failed: {exc}") from exc
    try:
        return json.loads(body) if body else {}
    except json.JSONDecodeError as exc:
        raise EhrUnavailable(f"{request.full_url} did not answer JSON") from exc


def get_json(url: str, token: str | None = None) -> dict[str, Any]:
    headers = {"Accept": f"{FHIR_JSON}, application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return _send(urllib.request.Request(url, headers=headers))


def post_form(url: str, fields: dict[str, str]) -> dict[str, Any]:
    """An OAuth token request (application/x-www-form-urlencoded)."""
    return _send(urllib.request.Request(url, data=urlencode(fields).encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}))


def post_resource(base: str, resource: dict[str, Any], token: str) -> dict[str, Any]:
    """Create a resource (`POST {base}/{type}`); the created resource as the server returns it, with its id."""
    url = f"{base}/{resource['resourceType']}"
    created = _send(urllib.request.Request(url, data=json.dumps(resource).encode(), method="POST", headers={
        "Content-Type": FHIR_JSON, "Accept": FHIR_JSON, "Prefer": "return=representation",
        "Authorization": f"Bearer {token}"}))
    if not created.get("id"):
        raise EhrUnavailable(f"POST {url} returned no resource id")
    return created
