"""Tables of the review app: the clinician's decisions on suggestions, and encounters launched from an EHR."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.store.encrypted_columns import EncryptedText
from service.store.models import utcnow


class SuggestionDecision(SQLModel, table=True):
    """A clinician accepted a knowledge-base suggestion into the note, or dismissed it."""

    __tablename__ = "ehr_suggestion_decision"

    consultation_id: str = Field(foreign_key="consultation.id", primary_key=True)
    suggestion_id: str = Field(primary_key=True)
    decision: str  # "accepted" | "dismissed"
    section: str | None = None  # where an accepted suggestion went: "assessment" | "plan"
    author: str
    decided_at: datetime = Field(default_factory=utcnow)


class EncounterLink(SQLModel, table=True):
    """The consultation reviewing one FHIR Encounter of one FHIR server (SMART launch)."""

    __tablename__ = "ehr_encounter_link"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True)
    fhir_base: str
    encounter_ref: str  # "Encounter/123"
    patient_ref: str  # "Patient/456"
    consultation_id: str = Field(foreign_key="consultation.id", index=True)
    document_reference: str | None = None  # "DocumentReference/789" once the signed note is written back
    composition: str | None = None  # "Composition/790"
    created_at: datetime = Field(default_factory=utcnow)


class Launch(SQLModel, table=True):
    """One SMART App Launch: pending until the EHR's token endpoint answers, then the EHR context it gave.

    The access token is kept (server side only) to write the signed note back to the FHIR server.
    """

    __tablename__ = "ehr_launch"

    id: str = Field(primary_key=True)  # random; also the OAuth `state`
    fhir_base: str
    token_endpoint: str
    code_verifier: str
    tenant_id: str | None = Field(default=None, foreign_key="tenant.id")
    access_token: str | None = Field(default=None, sa_type=EncryptedText)  # a credential: encrypted at rest
    expires_at: datetime | None = None
    patient_ref: str | None = None
    encounter_ref: str | None = None
    # Patient name, birth date, encounter period: what the page shows; encrypted at rest.
    context_json: str | None = Field(default=None, sa_type=EncryptedText)
    created_at: datetime = Field(default_factory=utcnow)
