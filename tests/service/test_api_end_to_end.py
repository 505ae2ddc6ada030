"""REST end to end against a real `soapscribe serve` process: upload, poll, read back the note."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import CONSENT, CONSULTATIONS, Server

HEADINGS = ("## Subjective", "## Objective", "## Assessment", "## Plan")


def upload(server: Server, field: str, path: Path, key: str | None = None) -> dict:
    with server.client(key) as client, path.open("rb") as handle:
        response = client.post("/v1/consultations", files={field: (path.name, handle)},
                               data=CONSENT if field == "audio" else {})
    assert response.status_code == 202, response.text
    return response.json()


def finding(findings: dict, kind: str, code: str) -> dict:
    matches = [f for f in findings["findings"] if f["kind"] == kind and f["code"] == code]
    assert matches, f"no {kind} {code} in {[(f['kind'], f['code']) for f in findings['findings']]}"
    return matches[0]


def test_a_transcript_upload_becomes_a_note_with_medication_potassium_and_soap_headings(server: Server) -> None:
    accepted = upload(server, "transcript", CONSULTATIONS / "furosemide_night_cramps.txt")
    assert accepted["status"] == "queued"
    status = server.wait_ready(accepted["id"])
    assert status["status"] == "ready", status
    assert status["progress"] == 1.0

    with server.client() as client:
        findings = client.get(f"/v1/consultations/{accepted['id']}/findings").json()
        markdown = client.get(f"/v1/consultations/{accepted['id']}/note", params={"format": "markdown"})
        note = client.get(f"/v1/consultations/{accepted['id']}/note").json()

    assert finding(findings, "medication", "furosemide")["attributes"]["dose"] == {"value": 40, "unit": "mg"}
    potassium = finding(findings, "electrolyte", "potassium")
    assert (potassium["value"], potassium["unit"]) == (3.1, "mmol/L")
    assert markdown.headers["content-type"].startswith("text/markdown")
    for heading in HEADINGS:
        assert heading in markdown.text
    assert re.search("furosemide", markdown.text, re.IGNORECASE)
    assert "3.1" in markdown.text
    assert note["status"] == "draft" and note["version"] == 1
    assert [section["code"] for section in note["sections"]] == ["subjective", "objective", "assessment", "plan"]


def test_the_note_as_fhir_is_a_bundle_served_as_fhir_json(server: Server) -> None:
    accepted = upload(server, "transcript", CONSULTATIONS / "furosemide_night_cramps.txt")
    assert server.wait_ready(accepted["id"])["status"] == "ready"
    with server.client() as client:
        response = client.get(f"/v1/consultations/{accepted['id']}/note", params={"format": "fhir"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle"
    composition = bundle["entry"][0]["resource"]
    assert composition["status"] == "preliminary", "a stored note that is not signed is a draft"
    assert composition["identifier"] == {"system": "urn:soapscribe:consultation", "value": accepted["id"]}


@pytest.mark.audio
def test_a_recording_is_transcribed_and_drafted(server: Server, rendered: dict[str, Path]) -> None:
    accepted = upload(server, "audio", rendered["furosemide_night_cramps"])
    status = server.wait_ready(accepted["id"], timeout=180)
    assert status["status"] == "ready", status

    with server.client() as client:
        transcript = client.get(f"/v1/consultations/{accepted['id']}/transcript").json()
        findings = client.get(f"/v1/consultations/{accepted['id']}/findings").json()
        markdown = client.get(f"/v1/consultations/{accepted['id']}/note", params={"format": "markdown"}).text

    words = [word for segment in transcript["segments"] for word in segment["words"]]
    assert len(words) > 50
    assert all(a["start"] <= b["start"] for a, b in zip(words, words[1:]))
    assert transcript["duration"] > 20
    finding(findings, "medication", "furosemide")
    assert finding(findings, "electrolyte", "potassium")["value"] == 3.1
    for heading in HEADINGS:
        assert heading in markdown
    assert re.search("furosemide", markdown, re.IGNORECASE) and "3.1" in markdown


def test_the_status_reports_progress_and_no_error(server: Server) -> None:
    accepted = upload(server, "transcript", CONSULTATIONS / "statin_exertional_cramps.txt")
    with server.client() as client:
        status = client.get(f"/v1/consultations/{accepted['id']}").json()
    assert status["status"] in ("queued", "extracting", "drafting", "ready")
    assert 0.0 <= status["progress"] <= 1.0
    assert server.wait_ready(accepted["id"])["error"] is None


def test_the_openapi_document_describes_the_v1_routes(server: Server) -> None:
    with server.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/consultations", "/v1/consultations/{consultation_id}",
                 "/v1/consultations/{consultation_id}/transcript", "/v1/consultations/{consultation_id}/findings",
                 "/v1/consultations/{consultation_id}/note", "/v1/consultations/{consultation_id}/note/sign",
                 "/v1/consultations/{consultation_id}/note/versions", "/v1/consultations/{consultation_id}/events",
                 "/v1/consultations/{consultation_id}/retry", "/v1/audit", "/healthz", "/readyz", "/metrics"):
        assert path in paths


def test_events_stream_over_http_until_the_note_is_ready_and_the_note_can_be_signed(server: Server) -> None:
    accepted = upload(server, "transcript", CONSULTATIONS / "statin_exertional_cramps.txt")
    statuses = []
    with server.client() as client:
        with client.stream("GET", f"/v1/consultations/{accepted['id']}/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("data: ") and '"status"' in line:
                    statuses.append(json.loads(line[6:])["status"])
        assert statuses[-1] == "ready", statuses

        note = client.get(f"/v1/consultations/{accepted['id']}/note")
        signed = client.post(f"/v1/consultations/{accepted['id']}/note/sign",
                             headers={"If-Match": note.headers["etag"]})
        assert signed.status_code == 200 and signed.json()["status"] == "signed", signed.text
        fhir = client.get(f"/v1/consultations/{accepted['id']}/note", params={"format": "fhir"}).json()
    assert fhir["entry"][0]["resource"]["status"] == "final"
