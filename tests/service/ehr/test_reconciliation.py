"""Reconciliation with the chart through a SMART launch against the local FHIR server: the list, decisions that
persist and are audited, "Add to chart" as the only write, plain mode without a chart, and the review screen."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
from playwright.sync_api import expect

from tests.conftest import ROOT, Server

CASES = ROOT / "tests" / "data" / "reconciliation"


def seed(fhir, patient_id: str, case: str) -> None:  # type: ignore[no-untyped-def]
    """The chart of a test consultation (tests/data/reconciliation/<case>/chart.json) as this patient's."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    fhir.add_chart(patient_id, json.loads((CASES / case / "chart.json").read_text(encoding="utf-8")), yesterday)


def launch(server: Server, fhir, patient_id: str, encounter_id: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """An EHR launch as a browser makes it (cookie, redirects): the launch id and the page's API key."""
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        started = browser.get("/ehr/launch", params={"iss": fhir.base,
                                                     "launch": fhir.launch_token(patient_id, encounter_id)})
        authorized = httpx.get(started.headers["location"], timeout=30)  # the EHR approves at once
        done = browser.get(authorized.headers["location"])
    assert done.status_code == 303, done.text
    match = re.fullmatch(r"/ehr/launches/([^#]+)#key=(.+)", done.headers["location"])
    assert match, done.headers["location"]
    return match.group(1), match.group(2)


def launched_consultation(server: Server, fhir, encounter, case: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A consultation of the case's transcript, linked to the launched encounter: its id and the page's key."""
    patient_id, encounter_id = encounter
    seed(fhir, patient_id, case)
    launch_id, key = launch(server, fhir, patient_id, encounter_id)
    transcript = (CASES / case / "transcript.txt").read_bytes()
    with server.client(key) as client:
        created = client.post("/v1/consultations", files={"transcript": ("visit.txt", transcript, "text/plain")})
        consultation_id = created.json()["id"]
        client.put(f"/ehr/api/launches/{launch_id}/consultation",
                   json={"consultation_id": consultation_id}).raise_for_status()
        for _ in range(600):
            status = client.get(f"/v1/consultations/{consultation_id}").json()["status"]
            if status in ("ready", "failed"):
                break
            time.sleep(0.2)
    assert status == "ready"
    return consultation_id, key


def chart_writes(fhir) -> list[str]:  # type: ignore[no-untyped-def]
    return [ref for ref in fhir.created if ref.startswith("MedicationStatement/")]


def test_the_reconciliation_list_decisions_and_add_to_chart_through_a_smart_launch(server, fhir, encounter):
    consultation_id, key = launched_consultation(server, fhir, encounter, "new_medication")
    url = f"/ehr/api/consultations/{consultation_id}/reconciliation"
    patient = f"Patient/{encounter[0]}"
    writes = chart_writes(fhir)
    with server.client(key) as client:
        view = client.get(url).json()
        assert view["patient"] == patient and view["medications_on_chart"] == 2
        assert [(i["id"], i["decision"], i["can_add_to_chart"]) for i in view["items"]] == [
            ("new:omeprazole", None, True)]
        assert view["items"][0]["evidence"][0]["text"].lower() == "omeprazole"

        confirmed = client.put(f"{url}/new:omeprazole", json={"decision": "confirmed"})
        assert confirmed.status_code == 200 and confirmed.json()["decision"] == "confirmed"
        assert client.get(url).json()["items"][0]["decision"] == "confirmed"  # persisted
        actions = [e["action"] for e in client.get("/v1/audit", params={"consultation_id": consultation_id})
                   .json()["events"]]
        assert "reconcile" in actions
        assert client.get(f"/ehr/api/consultations/{consultation_id}/decisions").json() == []  # not a suggestion
        assert chart_writes(fhir) == writes, "a decision never writes the chart"

        missing = client.put(f"{url}/new:warfarin", json={"decision": "confirmed"})
        assert missing.status_code == 404 and "no item new:warfarin" in missing.json()["detail"]
        added_to_chart = client.post(f"{url}/new:omeprazole/add-to-chart")
        assert added_to_chart.status_code == 201
        assert chart_writes(fhir) == [*writes, added_to_chart.json()["reference"]]
        assert client.get(url).json()["items"] == []  # the chart now agrees
    added = [r for r in fhir.search("MedicationStatement", patient=patient)
             if r["medicationCodeableConcept"]["text"] == "omeprazole"]
    assert len(added) == 1 and added[0]["status"] == "active"
    assert added[0]["medicationCodeableConcept"]["coding"][0]["code"] == "7646"  # RxNorm, from drugs.yaml
    assert added[0]["dosage"][0]["doseAndRate"][0]["doseQuantity"] == {
        "value": 20.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    assert added[0]["context"]["reference"] == f"Encounter/{encounter[1]}"


def test_in_plain_mode_there_is_no_chart_to_reconcile_with(server):
    with server.client() as client:
        created = client.post("/v1/consultations", files={"transcript": (
            "visit.txt", (CASES / "new_medication" / "transcript.txt").read_bytes(), "text/plain")})
        consultation_id = created.json()["id"]
        response = client.get(f"/ehr/api/consultations/{consultation_id}/reconciliation")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "not opened from an EHR" in response.json()["detail"]


def test_the_review_screen_lists_the_reconciliation_and_a_confirmation_survives_a_reload(page, server, fhir,
                                                                                        encounter, shots):
    patient_id, encounter_id = encounter
    seed(fhir, patient_id, "brand_dose_frequency")
    writes = chart_writes(fhir)
    page.goto(f"{server.url}/ehr/launch?iss={quote(fhir.base, safe='')}"
              f"&launch={fhir.launch_token(patient_id, encounter_id)}")
    page.get_by_label("Recording or transcript").set_input_files(
        str(CASES / "brand_dose_frequency" / "transcript.txt"))
    page.get_by_role("button", name="Draft the note").click()
    page.locator("#review").wait_for(state="visible", timeout=60_000)

    section = page.locator("section.reconciliation")
    expect(section.get_by_role("heading", name="Reconciliation with chart")).to_be_visible()
    items = section.locator(".reconcile-item")
    expect(items).to_have_count(2)
    frequency = section.locator("[data-item='frequency:furosemide']")
    expect(frequency).to_contain_text("Frequency differs")
    expect(frequency).to_contain_text("Furosemide 40 MG Oral Tablet")  # the chart's entry for the Lasix said
    expect(section.locator("[data-item='dose:atorvastatin']")).to_contain_text("10 mg said, the chart has 20 mg")
    frequency.get_by_role("button", name="furosemide twice daily").click()  # where it was said
    expect(page.locator("#transcript mark.evidence-span").first).to_have_text("Lasix")
    section.scroll_into_view_if_needed()
    shots(page, "reconciliation-list")

    frequency.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(frequency.locator(".badge-confirmed")).to_have_text("confirmed by clinician")
    expect(page.get_by_role("status")).to_contain_text("confirmed by clinician")
    page.reload()
    page.locator("#review").wait_for(state="visible")
    expect(section.locator("[data-item='frequency:furosemide'] .badge-confirmed")).to_be_visible()
    expect(section.locator("[data-item='dose:atorvastatin'] .badge")).to_have_count(0)
    section.scroll_into_view_if_needed()
    shots(page, "confirmed-after-reload")
    assert chart_writes(fhir) == writes, "confirming never writes the chart"
    assert page.errors == []


def test_each_test_consultations_list_is_right_against_its_chart_on_the_fhir_server(fhir, extractor) -> None:  # type: ignore[no-untyped-def]
    """Every case of tests/data/reconciliation, its chart seeded on the local FHIR server and read back over HTTP
    as the review app reads it (searches by patient, each resource validated), gives the expected list."""
    from knowledge.reconcile import Reconciler
    from nlp.transcript_io import parse_text
    from service.ehr.chart import read_chart
    from tests.knowledge.test_reconcile import case_names, load_case

    reconciler = Reconciler.load()
    token = "reconciliation-cases"
    fhir.tokens.add(token)
    names = case_names()
    assert len(names) >= 5
    for name in names:
        transcript, _, expected = load_case(name)
        patient = fhir.add({"resourceType": "Patient", "name": [{"family": name}]})
        seeded = fhir.add_chart(patient["id"], json.loads((CASES / name / "chart.json").read_text(encoding="utf-8")),
                                None)  # the chart's own dates: how old a result is matters
        chart = read_chart(fhir.base, f"Patient/{patient['id']}", token)
        assert len(chart) == len(seeded), name  # the patient's whole chart and nobody else's
        findings = extractor.extract(parse_text(transcript)).findings
        result = reconciler.reconcile(findings, reconciler.reader.read(chart), as_of=expected.as_of)
        assert [(item.id, item.kind, item.code) for item in result.items] == \
            [(item.id, item.kind, item.code) for item in expected.items], f"{name}: {expected.description}"
