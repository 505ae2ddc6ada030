"""SMART App Launch from the local FHIR server: context, find-or-create, sign, and the note written back."""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

import httpx
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.documentreference import DocumentReference
from playwright.sync_api import expect

from tests.conftest import CONSULTATIONS


def launch_url(server, fhir, launch: str | None = None) -> str:  # type: ignore[no-untyped-def]
    url = f"{server.url}/ehr/launch?iss={quote(fhir.base, safe='')}"
    return url + (f"&launch={launch}" if launch else "")


def test_an_ehr_launch_drafts_reviews_signs_and_writes_the_note_back(page, server, fhir, encounter, shots):
    patient_id, encounter_id = encounter
    page.goto(launch_url(server, fhir, fhir.launch_token(patient_id, encounter_id)))

    # No consultation for this encounter yet: the app offers to create one from an upload.
    expect(page.get_by_role("heading", name="No consultation for this encounter yet")).to_be_visible()
    expect(page.get_by_label("Patient and encounter")).to_contain_text("Jane Doe · born 1958-04-12")
    expect(page.get_by_label("Patient and encounter")).to_contain_text(f"Encounter/{encounter_id}")
    assert "#key=" not in page.url
    shots(page, "launched-new-encounter")
    page.get_by_label("Recording or transcript").set_input_files(str(CONSULTATIONS / "furosemide_night_cramps.txt"))
    page.get_by_role("button", name="Draft the note").click()

    page.locator("#review").wait_for(state="visible", timeout=60_000)
    expect(page.locator("#context")).to_contain_text("Jane Doe")
    expect(page.get_by_role("heading", name="Assessment", exact=True)).to_be_visible()
    page.get_by_text("Takes furosemide 40 mg once daily.", exact=True).click()
    expect(page.locator("#transcript mark.evidence-span")).to_have_text(["furosemide"])
    page.locator("#suggestions .suggestion").first.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.locator(".badge-accepted")).to_have_count(1)
    shots(page, "reviewing")

    page.get_by_role("button", name="Sign note").click()
    page.get_by_role("dialog").get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("saved to the EHR as DocumentReference/")
    shots(page, "signed-and-sent")

    references = fhir.search("DocumentReference", subject=f"Patient/{patient_id}")
    assert len(references) == 1
    reference = DocumentReference.model_validate(references[0])
    assert reference.docStatus == "final"
    assert reference.context.encounter[0].reference == f"Encounter/{encounter_id}"
    markdown = base64.b64decode(references[0]["content"][0]["attachment"]["data"]).decode()
    assert "furosemide" in markdown.lower()
    composition_id = reference.context.related[0].reference.split("/")[1]
    composition = Composition.model_validate(fhir.resources["Composition"][composition_id])
    assert composition.status == "final"
    assert composition.subject.reference == f"Patient/{patient_id}"
    assert composition.encounter.reference == f"Encounter/{encounter_id}"
    assert [s.title for s in composition.section][:4] == ["Subjective", "Objective", "Assessment", "Plan"]

    # Launching again for the same encounter finds its consultation: the signed, read-only note.
    page.goto(launch_url(server, fhir, fhir.launch_token(patient_id, encounter_id)))
    page.locator("#review").wait_for(state="visible")
    expect(page.locator("#note-state")).to_contain_text("Signed")
    shots(page, "relaunched-finds-signed-note")
    assert len(fhir.search("DocumentReference", subject=f"Patient/{patient_id}")) == 1


def test_a_standalone_launch_reads_the_patient_the_ehr_picks(page, server, fhir, encounter):
    fhir.standalone_context = encounter
    page.goto(launch_url(server, fhir))
    expect(page.get_by_label("Patient and encounter")).to_contain_text(f"Encounter/{encounter[1]}")


def test_only_loopback_fhir_servers_may_launch_the_app(server):
    response = httpx.get(f"{server.url}/ehr/launch", params={"iss": "https://fhir.example.com/r4"})
    assert response.status_code == 403
    assert "not allowed" in response.json()["detail"]


def test_a_callback_without_the_launch_cookie_is_refused(server, fhir, encounter):
    with httpx.Client(base_url=server.url) as browser:
        started = browser.get("/ehr/launch", params={"iss": fhir.base, "launch": fhir.launch_token(*encounter)})
        assert started.status_code == 302
        state = re.search(r"[?&]state=([^&]+)", started.headers["location"]).group(1)
    response = httpx.get(f"{server.url}/ehr/callback", params={"state": state, "code": "forged"})
    assert response.status_code == 401
