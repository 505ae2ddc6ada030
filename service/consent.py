"""The patient's consent to being recorded: what an upload says about it, whether a recording may be
accepted without it, and how it reads in the review app and in the note's FHIR Bundle.

An upload states consent in three multipart form fields (`consent_method`, `consent_confirmed_by`,
`consent_at`); a recording without them is refused unless the clinic turned the requirement off
(`SOAPSCRIBE_REQUIRE_RECORDING_CONSENT=false`). A transcript needs none but may carry it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid5

from pydantic import BaseModel, ConfigDict, Field

from knowledge.note import LOINC
from service.errors import BadInput, ConsentRequired
from service.settings import Settings
from service.store.models import Consultation, utcnow

ConsentMethod = Literal["verbal", "written", "ehr"]
METHODS: tuple[ConsentMethod, ...] = ("verbal", "written", "ehr")
REQUIRED_FIELDS = ["consent_method", "consent_confirmed_by"]
# A consent time a little ahead of the server's clock is clock skew between devices, not a future consent.
_CLOCK_SKEW = timedelta(minutes=5)
_HOW = "consent_method (verbal, written or ehr) and consent_confirmed_by (who confirmed it); consent_at " \
       "(ISO 8601) defaults to the time of the upload"

CONSULTATION_SYSTEM = "urn:soapscribe:consultation"
CONFIRMED_BY_EXTENSION = "https://soapscribe.dev/fhir/StructureDefinition/recording-consent-confirmed-by"
METHOD_SYSTEM = "https://soapscribe.dev/fhir/CodeSystem/recording-consent-method"
SECTION_TITLE = "Recording consent"
_METHOD_DISPLAY: dict[ConsentMethod, str] = {"verbal": "Verbal consent", "written": "Written consent",
                                             "ehr": "Consent recorded in the EHR"}


class RecordingConsent(BaseModel):
    """How the patient agreed to the recording, who confirmed it, and when."""

    model_config = ConfigDict(frozen=True)

    method: ConsentMethod
    confirmed_by: str = Field(min_length=1, max_length=200)
    at: datetime

    @classmethod
    def of(cls, consultation: Consultation) -> RecordingConsent | None:
        """The consent stored on a consultation, or None when it recorded none."""
        if consultation.consent_method is None or consultation.consent_confirmed_by is None \
                or consultation.consent_at is None:
            return None
        return cls(method=consultation.consent_method,  # type: ignore[arg-type]
                   confirmed_by=consultation.consent_confirmed_by, at=consultation.consent_at)

    def columns(self) -> dict[str, Any]:
        """The consultation columns that store this consent."""
        return {"consent_method": self.method, "consent_confirmed_by": self.confirmed_by, "consent_at": self.at}

    def line(self) -> str:
        """'Recording consent: verbal, confirmed by Dr Okafor, 2026-11-25 10:02 UTC'."""
        when = self.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"{SECTION_TITLE}: {self.method}, confirmed by {self.confirmed_by}, {when}"


def from_form(method: ConsentMethod | None, confirmed_by: str | None, at: datetime | None, *,
              now: datetime | None = None) -> RecordingConsent | None:
    """The consent an upload's form fields state, None when they state none; part of one is refused."""
    confirmed_by = (confirmed_by or "").strip() or None
    if method is None and confirmed_by is None:
        if at is not None:
            raise ConsentRequired(f"consent_at was sent without the rest of the consent: send {_HOW}",
                                  list(REQUIRED_FIELDS))
        return None
    missing = [name for name, value in zip(REQUIRED_FIELDS, (method, confirmed_by), strict=True) if value is None]
    if missing:
        raise ConsentRequired(f"the recording consent is incomplete, {' and '.join(missing)} missing: send {_HOW}",
                              missing)
    now = now or utcnow()
    if at is None:
        at = now
    elif at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # a time without an offset is taken as UTC, as the API's own times are
    if at > now + _CLOCK_SKEW:
        raise BadInput(f"consent_at: {at.isoformat()} is in the future; consent is recorded once it was given")
    return RecordingConsent(method=method, confirmed_by=confirmed_by, at=at)  # type: ignore[arg-type]


def require_for_recording(consent: RecordingConsent | None, settings: Settings) -> None:
    """Refuse a recording that does not record consent, unless the clinic has turned the requirement off."""
    if consent is None and settings.require_recording_consent:
        raise ConsentRequired("a recording is accepted only with the patient's consent to being recorded: "
                              f"send {_HOW}", list(REQUIRED_FIELDS))


def _fhir_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def fhir_consent(consent: RecordingConsent, consultation_id: str) -> dict[str, Any]:
    """A FHIR R4 `Consent`: the patient permitted collecting the consultation's recording (opt-in)."""
    when = _fhir_time(consent.at)
    return {
        "resourceType": "Consent",
        "text": {"status": "generated",
                 "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(consent.line())}</p></div>'},
        "identifier": [{"system": CONSULTATION_SYSTEM, "value": consultation_id}],
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy", "display": "Privacy Consent"}]},
        "category": [
            {"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]},
            {"coding": [{"system": METHOD_SYSTEM, "code": consent.method,
                         "display": _METHOD_DISPLAY[consent.method]}],
             "text": "Consent to the recording of the consultation"},
        ],
        "dateTime": when,
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN",
                                   "display": "opt-in"}]},
        "verification": [{"verified": True, "verificationDate": when,
                          "extension": [{"url": CONFIRMED_BY_EXTENSION, "valueString": consent.confirmed_by}]}],
        "provision": {"type": "permit",
                      "action": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction",
                                              "code": "collect", "display": "Collect"}],
                                  "text": "record the consultation's audio"}]},
    }


def add_to_bundle(bundle: dict[str, Any], consent: RecordingConsent, consultation_id: str) -> dict[str, Any]:
    """The note's Bundle with the consent: a `Consent` entry, and a narrative section in the Composition.

    The section is what an EHR shows with the note (and what a write-back carries); the `Consent` entry is
    the coded form. The Composition and DocumentReference keep their places (entries 0 and 1).
    """
    from fhir.resources.R4B.bundle import Bundle  # imported here: only FHIR output pays for fhir.resources

    composition = bundle["entry"][0]["resource"]
    composition.setdefault("section", []).append({
        "title": SECTION_TITLE,
        "text": {"status": "generated",
                 "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(consent.line())}</p></div>'}})
    url = f"urn:uuid:{uuid5(NAMESPACE_URL, f'{CONSULTATION_SYSTEM}:{consultation_id}:recording-consent')}"
    bundle["entry"].append({"fullUrl": url, "resource": fhir_consent(consent, consultation_id)})
    Bundle.model_validate(bundle)  # a bug here must fail loudly, not reach an EHR as an invalid resource
    return bundle
