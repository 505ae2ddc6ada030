"""The review screen shows the patient's consent to the recording, in the clinician's local time."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.conftest import CONSULTATIONS, Server
from tests.service.ehr.conftest import open_review

GIVEN = {"consent_method": "written", "consent_confirmed_by": "Dr Okafor", "consent_at": "2026-11-25T10:02:00Z"}


def test_the_review_screen_shows_who_confirmed_the_recording_consent_and_when(browser: Browser,
                                                                             server: Server) -> None:
    with server.client() as client:
        response = client.post("/v1/consultations", data=GIVEN, files={
            "transcript": ("visit.txt", (CONSULTATIONS / "statin_exertional_cramps.txt").read_bytes())})
        assert response.status_code == 202, response.text
    consultation_id = response.json()["id"]
    assert server.wait_ready(consultation_id)["status"] == "ready"
    context = browser.new_context(timezone_id="Europe/Berlin")  # UTC+1 in November: 10:02Z is 11:02 there
    try:
        page = context.new_page()
        open_review(page, server, consultation_id)
        expect(page.locator("#consent")).to_have_text(
            "Recording consent: written, confirmed by Dr Okafor, 2026-11-25 11:02")
    finally:
        context.close()
