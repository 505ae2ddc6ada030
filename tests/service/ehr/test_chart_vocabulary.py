"""The chart's vocabulary (issue 17): a consultation uploaded from an EHR launch is recognised with the patient's
medications and problems on the chart, read from the local FHIR server when its job starts; a chart that cannot be
read leaves the job done, with a warning in the consultation's status."""

from __future__ import annotations

import time

import pytest

from service.ehr.vocabulary import UNREAD, chart_terms
from service.settings import Settings
from tests.conftest import CONSENT, Server
from tests.service.ehr.test_reconciliation import launch

# "Crampex" is no drug of the lexicon: a local brand that only this patient's chart names. Without any vocabulary
# tiny.en hears it as "crampic" (tests/service/test_api_vocabulary.py).
SCRIPT = """Doctor: What medicines are you taking?
Patient: I take Keppra. Every morning.
Doctor: And the Crampex tablets, from the pharmacy?
Patient: Yes, Crampex helps a bit. Doctor Okonkwo gave me mexiletine too.
Doctor: Good. Keep taking the Keppra.
"""
ACTIVE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}
RESOLVED = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "resolved"}]}
PATIENT = {"reference": "Patient/p1"}
CHART = [
    {"resourceType": "MedicationStatement", "status": "active", "subject": PATIENT,
     "medicationCodeableConcept": {"text": "Crampex 10 MG Oral Tablet"}},
    {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": PATIENT,
     "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                               "code": "202991", "display": "Lasix 40 MG Oral Tablet"}]}},
    {"resourceType": "MedicationStatement", "status": "stopped", "subject": PATIENT,
     "medicationCodeableConcept": {"text": "Quinine sulfate 300 MG"}},
    {"resourceType": "Condition", "clinicalStatus": ACTIVE, "subject": PATIENT,
     "code": {"text": "Nocturnal leg cramps (disorder)"}},
    {"resourceType": "Condition", "clinicalStatus": RESOLVED, "subject": PATIENT, "code": {"text": "Gout"}},
]


def test_the_chart_terms_are_the_current_medications_and_active_problems_by_name(settings: Settings) -> None:
    assert chart_terms(CHART, settings) == ["Crampex", "Lasix", "furosemide", "Nocturnal leg cramps"]


@pytest.fixture(scope="module")
def brand_audio(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from scripts.render_consultation import render

    out = tmp_path_factory.mktemp("chart-vocabulary") / "brand.ogg"
    render(SCRIPT, out, speed=140)
    return out.read_bytes()


def _upload_from_launch(server: Server, fhir, encounter, audio: bytes) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    """The launch page's upload (linked to the launch as it is created), waited for: its status and words."""
    launch_id, key = launch(server, fhir, *encounter)
    with server.client(key) as client:
        created = client.post("/v1/consultations", files={"audio": ("visit.ogg", audio)},
                              data={**CONSENT, "ehr_launch": launch_id})
        assert created.status_code == 202, created.text
        consultation_id = created.json()["id"]
        deadline = time.monotonic() + 120
        while (status := client.get(f"/v1/consultations/{consultation_id}").json())["status"] not in (
                "ready", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
        segments = client.get(f"/v1/consultations/{consultation_id}/transcript").json().get("segments") or []
        context = client.get(f"/ehr/api/consultations/{consultation_id}/context").json()
    assert context["encounter"]["reference"] == f"Encounter/{encounter[1]}"
    return status, " ".join(segment["text"] for segment in segments)


def test_a_brand_only_the_chart_names_is_heard(server: Server, fhir, encounter, brand_audio: bytes) -> None:  # type: ignore[no-untyped-def]
    fhir.add_chart(encounter[0], {"entry": [{"resource": resource} for resource in CHART]}, None)
    status, words = _upload_from_launch(server, fhir, encounter, brand_audio)
    assert status["status"] == "ready", status
    assert status["warnings"] == []
    assert words.lower().count("crampex") == 2, words


def test_a_chart_that_cannot_be_read_leaves_the_job_done_with_a_warning(server: Server, fhir, encounter,  # type: ignore[no-untyped-def]
                                                                        brand_audio: bytes) -> None:
    fhir.add_chart(encounter[0], {"entry": [{"resource": resource} for resource in CHART]}, None)
    fhir.search_error = 503
    try:
        status, words = _upload_from_launch(server, fhir, encounter, brand_audio)
    finally:
        fhir.search_error = None
    assert status["status"] == "ready", status
    assert status["warnings"] == [UNREAD.format(base=fhir.base)]
    assert "crampex" not in words.lower()  # transcribed, without the chart's terms


def test_an_upload_for_an_unknown_or_already_linked_launch_is_refused(server: Server, fhir, encounter) -> None:  # type: ignore[no-untyped-def]
    launch_id, key = launch(server, fhir, *encounter)
    visit = {"transcript": ("visit.txt", b"Doctor: How are the cramps?\nPatient: Better.\n", "text/plain")}
    with server.client(key) as client:
        unknown = client.post("/v1/consultations", files=visit, data={"ehr_launch": "no-such-launch"})
        assert unknown.status_code == 404 and "no launch" in unknown.json()["detail"]
        first = client.post("/v1/consultations", files=visit, data={"ehr_launch": launch_id})
        assert first.status_code == 202, first.text
        again = client.post("/v1/consultations", files=visit, data={"ehr_launch": launch_id})
        assert again.status_code == 409 and first.json()["id"] in again.json()["detail"]
