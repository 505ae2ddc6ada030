"""A small FHIR R4 server and SMART authorization server on loopback, for the review app's tests.

It speaks the subset the app needs: `.well-known/smart-configuration`; an authorize endpoint that approves
at once (the EHR's user is taken as logged in) and a token endpoint that checks the code, redirect URI and
PKCE verifier and names the Patient and Encounter in context; read of any stored resource; search by
`patient`/`subject`/`encounter`; and create of DocumentReference, Composition and MedicationStatement, each
validated with the fhir.resources R4B models (a resource that does not validate is refused with 422).
`add_chart` seeds a patient's MedicationStatements, MedicationRequests, Observations and Conditions from a
Bundle; `search_error` makes every search fail with that status.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

CLIENT_ID = "soapscribe"
WRITABLE = {"DocumentReference", "Composition", "MedicationStatement"}
FHIR_JSON = "application/fhir+json"


@dataclass
class FhirServer:
    """The server's state: resources by type and id, launch contexts, codes and tokens it issued."""

    base: str = ""
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    launches: dict[str, tuple[str, str]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    standalone_context: tuple[str, str] | None = None
    created: list[str] = field(default_factory=list)  # "Type/id" in the order they were POSTed
    search_error: int | None = None  # every search answers this HTTP status (an EHR in trouble) while set

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        resource = {**resource, "id": resource.get("id") or secrets.token_hex(6)}
        self.resources.setdefault(resource["resourceType"], {})[resource["id"]] = resource
        return resource

    def add_chart(self, patient_id: str, bundle: dict[str, Any], effective: str | None) -> list[dict[str, Any]]:
        """The resources of a Bundle (tests/data/reconciliation/*/chart.json) as this patient's chart, each
        Observation taken at `effective` so it is recent whenever the test runs (None: at its own date)."""
        added = []
        for entry in bundle["entry"]:
            resource = {**entry["resource"], "id": None, "subject": {"reference": f"Patient/{patient_id}"}}
            if resource["resourceType"] == "Observation" and effective is not None:
                resource["effectiveDateTime"] = effective
            added.append(self.add(resource))
        return added

    def launch_token(self, patient_id: str, encounter_id: str) -> str:
        """What the EHR passes as `launch`: an opaque token standing for this patient and encounter."""
        token = secrets.token_urlsafe(12)
        self.launches[token] = (patient_id, encounter_id)
        return token

    def search(self, resource_type: str, **params: str) -> list[dict[str, Any]]:
        found = list(self.resources.get(resource_type, {}).values())
        for name, value in params.items():
            found = [r for r in found if value in _references(r, name)]
        return found


def _references(resource: dict[str, Any], param: str) -> set[str]:
    """The references a search parameter matches (`patient`/`subject` and `encounter`), with and without type."""
    refs: list[dict[str, Any]] = []
    if param in ("patient", "subject"):
        refs = [resource.get("subject") or resource.get("patient") or {}]
    elif param == "encounter":
        context = resource.get("context") or {}
        refs = [resource.get("encounter") or {}, *(context.get("encounter") or [])] \
            if isinstance(context, dict) else [resource.get("encounter") or {}, context]
    values = {ref.get("reference", "") for ref in refs if isinstance(ref, dict)}
    return values | {value.split("/", 1)[-1] for value in values}


def _outcome(status: int, text: str) -> JSONResponse:
    return JSONResponse({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "invalid" if status == 422 else "processing", "diagnostics": text}]},
        status_code=status, media_type=FHIR_JSON)


def build_app(state: FhirServer) -> FastAPI:
    app = FastAPI()

    def _authorized(authorization: str | None) -> None:
        if not authorization or authorization.removeprefix("Bearer ") not in state.tokens:
            raise HTTPException(401, "a valid bearer token is needed")

    @app.get("/fhir/.well-known/smart-configuration")
    def smart_configuration() -> dict[str, Any]:
        origin = state.base.removesuffix("/fhir")
        return {"authorization_endpoint": f"{origin}/auth/authorize", "token_endpoint": f"{origin}/auth/token",
                "grant_types_supported": ["authorization_code"], "code_challenge_methods_supported": ["S256"],
                "capabilities": ["launch-ehr", "launch-standalone", "client-public", "context-ehr-patient",
                                 "context-ehr-encounter", "context-standalone-patient", "permission-patient"]}

    @app.get("/auth/authorize")
    def authorize(request: Request) -> RedirectResponse:
        q = request.query_params
        if q.get("response_type") != "code" or q.get("client_id") != CLIENT_ID or q.get("aud") != state.base:
            raise HTTPException(400, "bad authorize request (response_type, client_id or aud)")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            raise HTTPException(400, "PKCE with S256 is required")
        scopes = q.get("scope", "").split()
        if "launch" in q:
            if q["launch"] not in state.launches or "launch" not in scopes:
                raise HTTPException(400, "unknown launch")
            context = state.launches[q["launch"]]
        else:
            if state.standalone_context is None or "launch/patient" not in scopes:
                raise HTTPException(400, "no standalone patient to pick")
            context = state.standalone_context
        redirect_uri, code_challenge, oauth_state = q["redirect_uri"], q["code_challenge"], q.get("state", "")
        code = secrets.token_urlsafe(16)
        state.codes[code] = {"challenge": code_challenge, "redirect_uri": redirect_uri, "context": context,
                             "at": time.monotonic()}
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': oauth_state})}", 302)

    @app.post("/auth/token")
    def token(grant_type: str = Form(), code: str = Form(), redirect_uri: str = Form(),
              client_id: str = Form(), code_verifier: str = Form()) -> dict[str, Any]:
        issued = state.codes.pop(code, None)
        if grant_type != "authorization_code" or issued is None or client_id != CLIENT_ID \
                or redirect_uri != issued["redirect_uri"]:
            raise HTTPException(400, "invalid_grant")
        digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
        if digest != issued["challenge"]:
            raise HTTPException(400, "invalid_grant: PKCE verifier does not match")
        access = secrets.token_urlsafe(24)
        state.tokens.add(access)
        patient, encounter = issued["context"]
        return {"access_token": access, "token_type": "Bearer", "expires_in": 3600, "patient": patient,
                "encounter": encounter, "scope": "launch patient/*.read patient/DocumentReference.write"}

    @app.get("/fhir/{resource_type}/{resource_id}")
    def read(resource_type: str, resource_id: str, authorization: str | None = Header(None)) -> JSONResponse:
        _authorized(authorization)
        resource = state.resources.get(resource_type, {}).get(resource_id)
        if resource is None:
            return _outcome(404, f"{resource_type}/{resource_id} not found")
        return JSONResponse(resource, media_type=FHIR_JSON)

    @app.get("/fhir/{resource_type}")
    def search(resource_type: str, request: Request, authorization: str | None = Header(None)) -> JSONResponse:
        _authorized(authorization)
        if state.search_error is not None:
            return _outcome(state.search_error, "the server cannot search now")
        found = state.search(resource_type, **dict(request.query_params))
        return JSONResponse({"resourceType": "Bundle", "type": "searchset", "total": len(found),
                             "entry": [{"fullUrl": f"{state.base}/{r['resourceType']}/{r['id']}", "resource": r}
                                       for r in found]}, media_type=FHIR_JSON)

    @app.post("/fhir/{resource_type}")
    async def create(resource_type: str, request: Request, authorization: str | None = Header(None)) -> JSONResponse:
        _authorized(authorization)
        if resource_type not in WRITABLE:
            return _outcome(405, f"this server does not create {resource_type}")
        body = await request.json()
        if body.get("resourceType") != resource_type:
            return _outcome(422, f"resourceType must be {resource_type}")
        try:
            created = state.add({**body, "id": None})
        except ValidationError as exc:
            return _outcome(422, str(exc))
        state.created.append(f"{resource_type}/{created['id']}")
        return JSONResponse(created, status_code=201, media_type=FHIR_JSON,
                            headers={"Location": f"{state.base}/{resource_type}/{created['id']}/_history/1"})

    return app


class RunningFhirServer:
    """The app served by uvicorn in a background thread of the test process."""

    def __init__(self, port: int) -> None:
        # The FHIR base is /fhir; the authorization endpoints sit beside it, on the same origin.
        self.state = FhirServer(base=f"http://127.0.0.1:{port}/fhir")
        config = uvicorn.Config(build_app(self.state), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> FhirServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test FHIR server did not start")
            time.sleep(0.02)
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
