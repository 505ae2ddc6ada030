"""The review screen shows the note plan's subsections and problems; editing keeps them."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.conftest import Server
from tests.service.ehr.conftest import open_review


def note_of(server: Server, consultation_id: str) -> httpx.Response:
    with server.client() as client:
        return client.get(f"/v1/consultations/{consultation_id}/note")


def test_subsections_are_headed_within_their_soap_section_and_sentences_still_show_evidence(
        page, server, furosemide_visit, shots):
    note = note_of(server, furosemide_visit).json()
    subjective = note["sections"][0]
    open_review(page, server, furosemide_visit)

    section = page.locator(".note-section", has=page.get_by_role("heading", name="Subjective", exact=True))
    titles = [part["title"] for part in subjective["subsections"]]
    expect(section.locator(".subsection h4")).to_have_text(titles)
    assert titles[:2] == ["Chief complaint", "History of present illness"]
    history = section.locator(".subsection[data-subsection='history_of_present_illness']")
    first = subjective["subsections"][1]["sentences"][0]
    history.get_by_text(first["text"], exact=True).click()
    expect(page.locator("#transcript mark.evidence-span").first).to_be_visible()
    shots(page, "subsections")
    assert page.errors == []


def test_an_edit_inside_a_subsection_is_saved_in_the_section_and_the_subsection(page, server, furosemide_visit, shots):
    open_review(page, server, furosemide_visit)
    text = page.locator(".subsection[data-subsection='history_of_present_illness'] .sentence-text").first
    text.click()
    page.keyboard.press("Control+End")  # the end of the sentence, not of its first wrapped line
    page.keyboard.type(" Worse after long walks.")
    expect(page.locator("#save-state")).to_have_text("Saved · version 2")
    shots(page, "edited-in-subsection")
    saved = note_of(server, furosemide_visit).json()["sections"][0]
    [history] = [part for part in saved["subsections"] if part["code"] == "history_of_present_illness"]
    assert history["sentences"][0]["text"].endswith("Worse after long walks.")
    assert [s for part in saved["subsections"] for s in part["sentences"]] == saved["sentences"]
