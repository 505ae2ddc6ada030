"""SMART App Launch (EHR launch and standalone launch) and writing the signed note back to the EHR.

The EHR (or the user, standalone) opens `/ehr/launch?iss=...[&launch=...]`; the app reads the FHIR
server's `.well-known/smart-configuration`, sends the browser to its authorize endpoint (authorization
code with PKCE), swaps the code for a token that names the Patient and Encounter in context, reads both,
and finds the consultation linked to that Encounter. On signing, the note goes back as a Composition and
a DocumentReference for that patient and encounter.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import secrets
from datetime import UTC, datetime, timedelta
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.patient import Patient
from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from service import results
from service.auth import create_key
from service.consent import RecordingConsent
from service.ehr.fhir_client import EhrUnavailable, get_json, post_form, post_resource
from service.ehr.models import EncounterLink, Launch
from service.errors import BadInput, Conflict, NotFound, ScribeError, Unauthorized
from service.settings import Settings
from service.store import consultations
from service.store.audit import Actor
from service.store.models import Tenant, utcnow

PENDING_FOR = timedelta(minutes=10)  # from the redirect to the authorize endpoint until the code comes back
EHR_SCOPE = ("launch openid fhirUser patient/Patient.read patient/Encounter.read "
             "patient/Composition.write patient/DocumentReference.write "
             "patient/MedicationStatement.read patient/MedicationRequest.read patient/Observation.read "
             "patient/Condition.read patient/MedicationStatement.write")
STANDALONE_SCOPE = EHR_SCOPE.replace("launch ", "launch/patient launch/encounter ", 1)


class LaunchRefused(ScribeError):
    status = 403
    title = "Forbidden"


def fhir_base(url: str, settings: Settings) -> str:
    """The FHIR base URL without a trailing slash, if it may be used: loopback, or listed in the settings."""
    base = url.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"'{url}' is not an http(s) FHIR base URL")
    if base in {b.rstrip("/") for b in settings.ehr_fhir_servers}:
        return base
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LaunchRefused(f"FHIR server {base} is not allowed: only loopback servers, or those listed in "
                            "SOAPSCRIBE_EHR_FHIR_SERVERS, may launch the review app")
    return base


def _endpoint(url: Any, base: str, settings: Settings, what: str) -> str:
    """An OAuth endpoint must be on loopback or on the origin of a listed FHIR server, like the server itself."""
    if not isinstance(url, str) or not url:
        raise EhrUnavailable(f"{base}/.well-known/smart-configuration has no {what}")
    parts = urlsplit(url)
    fhir_base(f"{parts.scheme}://{parts.netloc}", settings.model_copy(update={
        "ehr_fhir_servers": [f"{urlsplit(b).scheme}://{urlsplit(b).netloc}" for b in settings.ehr_fhir_servers]}))
    return url


def begin(session: Session, settings: Settings, iss: str, launch: str | None, redirect_uri: str) -> tuple[str, str]:
    """Start a launch: the launch id (also the OAuth state) and the EHR authorize URL to send the browser to."""
    base = fhir_base(iss, settings)
    config = get_json(f"{base}/.well-known/smart-configuration")
    authorize = _endpoint(config.get("authorization_endpoint"), base, settings, "authorization_endpoint")
    token = _endpoint(config.get("token_endpoint"), base, settings, "token_endpoint")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    row = Launch(id=secrets.token_urlsafe(24), fhir_base=base, token_endpoint=token, code_verifier=verifier)
    session.add(row)
    session.commit()
    params = {"response_type": "code", "client_id": settings.ehr_client_id, "redirect_uri": redirect_uri,
              "scope": EHR_SCOPE if launch else STANDALONE_SCOPE, "state": row.id, "aud": base,
              "code_challenge": challenge, "code_challenge_method": "S256"}
    if launch:
        params["launch"] = launch
    return row.id, f"{authorize}{'&' if '?' in authorize else '?'}{urlencode(params)}"


def _reference(kind: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise EhrUnavailable(f"the EHR's token response names no {kind} in context")
    return value if value.startswith(f"{kind}/") else f"{kind}/{value}"


def _read(base: str, reference: str, token: str, model: type[BaseModel]) -> dict[str, Any]:
    resource = get_json(f"{base}/{reference}", token)
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        raise EhrUnavailable(f"{reference} from {base} is not a valid FHIR resource: {exc.error_count()} errors") \
            from exc
    return resource


def _context(patient: dict[str, Any], encounter: dict[str, Any], patient_ref: str,
             encounter_ref: str) -> dict[str, Any]:
    """What the review page shows about the patient and encounter (never written to logs)."""
    names = patient.get("name") or [{}]
    name = names[0].get("text") or " ".join([*names[0].get("given", []), names[0].get("family", "")]).strip()
    kind = encounter.get("class") or {}
    return {"patient": {"reference": patient_ref, "name": name or patient_ref,
                        "birth_date": patient.get("birthDate"), "gender": patient.get("gender")},
            "encounter": {"reference": encounter_ref, "status": encounter.get("status"),
                          "class": kind.get("display") or kind.get("code"),
                          "start": (encounter.get("period") or {}).get("start")}}


def complete(session: Session, settings: Settings, state: str, code: str,
             redirect_uri: str) -> tuple[Launch, str, str | None]:
    """Finish a launch: the launch (with its context), a new API key for the page, and the linked consultation."""
    row = session.get(Launch, state)
    if row is None or row.access_token is not None or utcnow() - _aware(row.created_at) > PENDING_FOR:
        raise Unauthorized("unknown, used or expired launch: open the app from the EHR again")
    answer = post_form(row.token_endpoint, {"grant_type": "authorization_code", "code": code,
                                            "redirect_uri": redirect_uri, "client_id": settings.ehr_client_id,
                                            "code_verifier": row.code_verifier})
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise EhrUnavailable("the EHR's token endpoint returned no access_token")
    patient_ref = _reference("Patient", answer.get("patient"))
    encounter_ref = _reference("Encounter", answer.get("encounter"))
    patient = _read(row.fhir_base, patient_ref, token, Patient)
    encounter = _read(row.fhir_base, encounter_ref, token, Encounter)
    key = create_key(session, settings.ehr_tenant)  # the page's credential for the v1 API
    tenant = session.exec(select(Tenant).where(Tenant.name == settings.ehr_tenant)).one()
    row.tenant_id = tenant.id
    row.access_token = token
    row.expires_at = utcnow() + timedelta(seconds=int(answer.get("expires_in") or 3600))
    row.patient_ref, row.encounter_ref = patient_ref, encounter_ref
    row.context_json = json.dumps(_context(patient, encounter, patient_ref, encounter_ref))
    session.add(row)
    session.commit()
    link = _link_for(session, tenant.id, row.fhir_base, encounter_ref)
    return row, key, link.consultation_id if link else None


def _aware(when: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; they were stored in UTC."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _link_for(session: Session, tenant_id: str, base: str, encounter_ref: str) -> EncounterLink | None:
    return session.exec(select(EncounterLink).where(EncounterLink.tenant_id == tenant_id,
                                                    EncounterLink.fhir_base == base,
                                                    EncounterLink.encounter_ref == encounter_ref)).first()


def launch_context(session: Session, actor: Actor, launch_id: str) -> dict[str, Any]:
    """The patient and encounter of a completed launch of the caller's tenant."""
    row = session.get(Launch, launch_id)
    if row is None or row.tenant_id != actor.tenant_id or row.context_json is None:
        raise NotFound(f"no launch {launch_id}")
    context: dict[str, Any] = json.loads(row.context_json)
    return context


def link_on_upload(session: Session, actor: Actor, launch_id: str) -> Callable[[str], EncounterLink]:
    """The link an upload made for a launch (`ehr_launch` form field) inserts with its consultation, in the same
    transaction as its job, so the job finds the encounter's chart (its vocabulary) from its start."""
    row = session.get(Launch, launch_id)
    if row is None or row.tenant_id != actor.tenant_id or row.encounter_ref is None:
        raise NotFound(f"no launch {launch_id}")
    existing = _link_for(session, actor.tenant_id, row.fhir_base, row.encounter_ref)
    if existing is not None:
        raise Conflict(f"{row.encounter_ref} already has consultation {existing.consultation_id}")
    base, encounter_ref, patient_ref = row.fhir_base, row.encounter_ref, row.patient_ref or ""
    return lambda consultation_id: EncounterLink(tenant_id=actor.tenant_id, fhir_base=base,
                                                 encounter_ref=encounter_ref, patient_ref=patient_ref,
                                                 consultation_id=consultation_id)


def link(session: Session, actor: Actor, launch_id: str, consultation_id: str) -> EncounterLink:
    """Make `consultation_id` the consultation of the launch's encounter (the "create" of find-or-create)."""
    row = session.get(Launch, launch_id)
    if row is None or row.tenant_id != actor.tenant_id or row.encounter_ref is None:
        raise NotFound(f"no launch {launch_id}")
    consultations.get(session, actor.tenant_id, consultation_id)
    existing = _link_for(session, actor.tenant_id, row.fhir_base, row.encounter_ref)
    if existing is not None:
        if existing.consultation_id != consultation_id:
            raise Conflict(f"{row.encounter_ref} already has consultation {existing.consultation_id}")
        return existing
    created = EncounterLink(tenant_id=actor.tenant_id, fhir_base=row.fhir_base, encounter_ref=row.encounter_ref,
                            patient_ref=row.patient_ref or "", consultation_id=consultation_id)
    session.add(created)
    session.commit()
    session.refresh(created)
    return created


def _consultation_link(session: Session, actor: Actor, consultation_id: str) -> EncounterLink:
    consultations.get(session, actor.tenant_id, consultation_id)
    found = session.exec(select(EncounterLink).where(EncounterLink.tenant_id == actor.tenant_id,
                                                     EncounterLink.consultation_id == consultation_id)).first()
    if found is None:
        raise NotFound(f"consultation {consultation_id} was not opened from an EHR")
    return found


def _latest_launch(session: Session, found: EncounterLink) -> Launch | None:
    return session.exec(select(Launch).where(Launch.tenant_id == found.tenant_id, Launch.fhir_base == found.fhir_base,
                                             Launch.encounter_ref == found.encounter_ref)
                        .order_by(col(Launch.created_at).desc()).limit(1)).first()


def consultation_context(session: Session, actor: Actor, consultation_id: str) -> dict[str, Any]:
    """The EHR context of a consultation opened from an EHR: patient, encounter, and what was written back."""
    found = _consultation_link(session, actor, consultation_id)
    launch = _latest_launch(session, found)
    context = json.loads(launch.context_json) if launch and launch.context_json else {
        "patient": {"reference": found.patient_ref}, "encounter": {"reference": found.encounter_ref}}
    return {**context, "fhir_base": found.fhir_base, "document_reference": found.document_reference,
            "composition": found.composition}


def write_back(session: Session, actor: Actor, consultation_id: str,
               templates_dir: Path | None = None) -> EncounterLink:
    """POST the signed note to the EHR as a Composition and a DocumentReference (once; a repeat returns them)."""
    found = _consultation_link(session, actor, consultation_id)
    if found.document_reference is not None:
        return found
    consultation, row = results.read_note(session, actor, consultation_id)
    if row.status != "signed":
        raise Conflict("only a signed note is written to the EHR: sign it first")
    launch = _latest_launch(session, found)
    if launch is None or launch.access_token is None or launch.expires_at is None \
            or _aware(launch.expires_at) <= utcnow():
        raise Unauthorized("the EHR access has expired: open the app from the EHR again to send the note")
    bundle = results.version_bundle(row, templates_dir=templates_dir, consent=RecordingConsent.of(consultation),
                                    subject=found.patient_ref, encounter=found.encounter_ref)
    # The Composition (with its recording-consent section) and the DocumentReference; the bundle's coded
    # Consent entry stays in soapscribe's FHIR output and is not written to the chart.
    composition, reference = (entry["resource"] for entry in bundle["entry"][:2])
    created = post_resource(found.fhir_base, composition, launch.access_token)
    # The server names the Composition it created: the DocumentReference points at that, not at the bundle's urn.
    reference["context"]["related"] = [{"reference": f"Composition/{created['id']}", "type": "Composition"}]
    document = post_resource(found.fhir_base, reference, launch.access_token)
    found.composition = f"Composition/{created['id']}"
    found.document_reference = f"DocumentReference/{document['id']}"
    session.add(found)
    session.commit()
    session.refresh(found)
    return found
