"""The signed note written back to the local FHIR server: a Composition and a DocumentReference of the launch's
patient and encounter, built with them (knowledge.fhir.note_bundle's subject and encounter), without a browser."""

from __future__ import annotations

import time

import httpx
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.documentreference import DocumentReference

from service.consent import SECTION_TITLE
from tests.conftest import CONSENT, Server, script
from tests.service.ehr.test_reconciliation import launch


def signed_from_launch(server: Server, fhir, encounter) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A consultation uploaded from an EHR launch of `encounter`, drafted and signed: its id and the page's key."""
    launch_id, key = launch(server, fhir, *encounter)
    transcript = script("furosemide_night_cramps").encode()
    with server.client(key) as client:
        created = client.post("/v1/consultations", files={"transcript": ("visit.txt", transcript, "text/plain")},
                              data={**CONSENT, "ehr_launch": launch_id})
        assert created.status_code == 202, created.text
        consultation_id = created.json()["id"]
        deadline = time.monotonic() + 120
        while (status := client.get(f"/v1/consultations/{consultation_id}").json()["status"]) not in (
                "ready", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == "ready"
        etag = client.get(f"/v1/consultations/{consultation_id}/note").headers["etag"]
        signed = client.post(f"/v1/consultations/{consultation_id}/note/sign", headers={"If-Match": etag})
        assert signed.status_code == 200, signed.text
    return consultation_id, key


def write_back(server: Server, key: str, consultation_id: str) -> httpx.Response:
    with server.client(key) as client:
        return client.post(f"/ehr/api/consultations/{consultation_id}/write-back")


def test_the_written_composition_and_document_are_of_the_launchs_patient_and_encounter(
        server: Server, fhir, encounter) -> None:  # type: ignore[no-untyped-def]
    patient, visit = f"Patient/{encounter[0]}", f"Encounter/{encounter[1]}"
    consultation_id, key = signed_from_launch(server, fhir, encounter)

    written = write_back(server, key, consultation_id)
    assert written.status_code == 200, written.text
    composition_ref, document_ref = written.json()["composition"], written.json()["document_reference"]
    assert fhir.created[-2:] == [composition_ref, document_ref]  # the Composition first, so the document names it

    composition = Composition.model_validate(fhir.resources["Composition"][composition_ref.split("/")[1]])
    assert composition.status == "final"
    assert composition.subject.reference == patient
    assert composition.encounter.reference == visit
    assert [s.title for s in composition.section][:4] == ["Subjective", "Objective", "Assessment", "Plan"]
    assert composition.section[-1].title == SECTION_TITLE  # the recording consent goes with the note
    document = DocumentReference.model_validate(fhir.resources["DocumentReference"][document_ref.split("/")[1]])
    assert document.subject.reference == patient
    assert [e.reference for e in document.context.encounter] == [visit]
    assert [r.reference for r in document.context.related] == [composition_ref]
    assert fhir.search("Composition", encounter=visit) == [fhir.resources["Composition"][composition.id]]


def test_a_second_write_back_returns_the_first_and_writes_nothing(server: Server, fhir, encounter) -> None:  # type: ignore[no-untyped-def]
    consultation_id, key = signed_from_launch(server, fhir, encounter)
    first = write_back(server, key, consultation_id).json()
    count = len(fhir.created)
    assert write_back(server, key, consultation_id).json() == first
    assert len(fhir.created) == count
