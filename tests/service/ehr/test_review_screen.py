"""The review screen in plain mode (API key), in Debian's chromium: what a clinician sees and does.

Each test saves screenshots of its steps under build/test-artifacts/ehr/<test name>/.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import CONSENT, Server
from tests.service.ehr.conftest import open_review, upload_transcript

SECTIONS = ["Subjective", "Objective", "Assessment", "Plan"]


def note_of(server: Server, consultation_id: str) -> httpx.Response:
    with server.client() as client:
        return client.get(f"/v1/consultations/{consultation_id}/note")


def transcript_of(server: Server, consultation_id: str) -> list[dict]:
    with server.client() as client:
        return client.get(f"/v1/consultations/{consultation_id}/transcript").json()["segments"]


def test_the_page_asks_for_an_api_key_then_shows_transcript_note_and_findings(page, server, furosemide_visit, shots):
    page.goto(f"{server.url}/ehr/consultations/{furosemide_visit}")
    expect(page.get_by_label("API key")).to_be_visible()
    shots(page, "asks-for-api-key")
    open_review(page, server, furosemide_visit)

    for title in SECTIONS:
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.locator("#consent")).to_have_text("Recording consent: not recorded (transcript upload)")
    segments = page.locator("#transcript .segment")
    expect(segments).to_have_count(len(transcript_of(server, furosemide_visit)))
    expect(segments.nth(1).locator(".speaker")).to_have_text("Patient")
    expect(segments.nth(1).locator(".text")).to_contain_text("cramps in my left calf at night")
    potassium = page.locator("#findings .chip.kind-electrolyte")
    expect(potassium).to_contain_text("Potassium 3.1 mmol/L (low)")
    expect(potassium).to_contain_text("present")
    expect(page.locator("#findings .chip.kind-medication").first).to_contain_text("Furosemide 40 mg")
    expect(page.locator("#findings .chip.kind-timing")).to_contain_text("Nocturnal")
    expect(page.locator("#findings .chip.assertion-absent").first).to_contain_text("absent")
    expect(page.locator("#suggestions .suggestion").first).to_contain_text("Source: leg cramps")
    expect(page.get_by_role("status")).to_have_text("Note version 1 loaded.")
    shots(page, "review-screen")
    assert page.errors == []


def test_clicking_a_sentence_highlights_the_transcript_words_it_came_from(page, server, furosemide_visit, shots):
    note = note_of(server, furosemide_visit).json()
    segments = transcript_of(server, furosemide_visit)
    sentence = next(s for s in note["sections"][0]["sentences"] if "furosemide" in s["text"].lower())
    expected = sorted((e["segment"], segments[e["segment"]]["text"][e["start"]:e["end"]]) for e in sentence["evidence"])
    open_review(page, server, furosemide_visit)

    page.get_by_text(sentence["text"], exact=True).click()

    marks = page.locator("#transcript mark.evidence-span")
    expect(marks).to_have_count(len(expected))
    shown = sorted((int(m.evaluate("n => n.closest('.segment').dataset.segment")), m.inner_text())
                   for m in marks.all())
    assert shown == expected  # e.g. [(5, "furosemide")]
    expect(page.locator(".sentence.selected")).to_have_text(sentence["text"])
    expect(page.locator("#findings .chip.related")).to_have_count(len(sentence["finding_ids"]))
    shots(page, "sentence-evidence-highlighted")


def test_j_and_k_move_between_sentences_and_each_shows_its_evidence(page, server, furosemide_visit):
    note = note_of(server, furosemide_visit).json()
    texts = [s["text"] for section in note["sections"] for s in section["sentences"]]
    open_review(page, server, furosemide_visit)
    page.locator("body").press("j")
    expect(page.locator(".sentence.selected")).to_have_text(texts[0])
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(".sentence.selected")).to_have_text(texts[2])
    expect(page.locator(".sentence.selected")).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator(".sentence.selected")).to_have_text(texts[1])
    expect(page.locator("#transcript mark.evidence-span").first).to_be_visible()


def test_accepting_a_suggestion_moves_it_into_the_note_marked_as_accepted(page, server, furosemide_visit, shots):
    suggestion = next(s for s in note_of(server, furosemide_visit).json()["suggestions"] if s["kind"] == "cause")
    open_review(page, server, furosemide_visit)
    card = page.locator(f"#suggestions [data-suggestion='{suggestion['id']}']")
    expect(card).to_contain_text("Because:")
    card.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.get_by_role("status")).to_contain_text("Accepted into Assessment")
    shots(page, "suggestion-accepted")

    page.reload()  # the key is in session storage: the review opens again without asking
    assessment = page.locator(".note-section", has=page.get_by_role("heading", name="Assessment", exact=True))
    accepted = assessment.locator(".sentence", has_text=suggestion["text"])
    expect(accepted).to_be_visible()
    expect(accepted.locator(".badge-accepted")).to_have_text("accepted by clinician")
    expect(page.locator(f"#suggestions [data-suggestion='{suggestion['id']}']")).to_have_count(0)
    shots(page, "after-reload")

    saved = note_of(server, furosemide_visit).json()
    assert saved["version"] == 2
    sentence = next(s for sec in saved["sections"] if sec["code"] == "assessment"
                    for s in sec["sentences"] if s["text"] == suggestion["text"])
    assert sentence["finding_ids"] == suggestion["reasons"]
    assert sentence["evidence"], "an accepted suggestion keeps the evidence of the findings it rests on"


def test_a_dismissed_suggestion_stays_hidden_after_reload(page, server, furosemide_visit):
    suggestions = note_of(server, furosemide_visit).json()["suggestions"]
    open_review(page, server, furosemide_visit)
    page.locator("body").press("d")  # dismiss the first open suggestion
    expect(page.locator(f"#suggestions [data-suggestion='{suggestions[0]['id']}']")).to_have_count(0)
    page.reload()
    page.locator("#review").wait_for(state="visible")
    expect(page.locator("#suggestions .suggestion")).to_have_count(len(suggestions) - 1)
    with server.client() as client:
        decisions = client.get(f"/ehr/api/consultations/{furosemide_visit}/decisions").json()
    assert [(d["suggestion_id"], d["decision"]) for d in decisions] == [(suggestions[0]["id"], "dismissed")]
    assert note_of(server, furosemide_visit).json()["version"] == 1  # dismissing leaves the note as it was


def test_an_edit_is_saved_automatically_as_a_new_version(page, server, furosemide_visit, shots):
    open_review(page, server, furosemide_visit)
    text = page.locator(".sentence-text").first
    text.click()
    page.keyboard.press("End")
    page.keyboard.type(" Worse after long walks.")
    expect(page.locator("#save-state")).to_have_text("Saved · version 2")
    shots(page, "autosaved")
    saved = note_of(server, furosemide_visit).json()
    assert saved["sections"][0]["sentences"][0]["text"].endswith("Worse after long walks.")
    assert saved["edited_as"] == "sections"


def test_an_edit_after_someone_else_changed_the_note_warns_and_offers_a_reload(page, server, furosemide_visit, shots):
    open_review(page, server, furosemide_visit)
    current = note_of(server, furosemide_visit)
    sections = current.json()["sections"]
    sections[1]["sentences"][0]["text"] = "Potassium 3.1 mmol/L, repeated by a colleague."
    with server.client() as client:  # a colleague saves first
        client.put(f"/v1/consultations/{furosemide_visit}/note", json={"sections": sections},
                   headers={"If-Match": current.headers["etag"]}).raise_for_status()

    page.locator(".sentence-text").first.click()
    page.keyboard.type(" Edited here.")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Someone else changed this note")
    expect(page.locator("#save-state")).to_have_text("Not saved")
    shots(page, "conflict-warning")

    page.get_by_role("button", name="Reload note").click()
    expect(alert).to_be_hidden()
    expect(page.get_by_text("Potassium 3.1 mmol/L, repeated by a colleague.")).to_be_visible()
    expect(page.locator("#note-state")).to_have_text("Draft · version 2")


def test_signing_asks_for_confirmation_then_the_note_is_read_only(page, server, furosemide_visit, shots):
    open_review(page, server, furosemide_visit)
    page.locator("body").press("s")
    dialog = page.get_by_role("dialog", name="Sign this note?")
    expect(dialog).to_be_visible()
    shots(page, "confirm-sign")
    dialog.get_by_role("button", name="Sign", exact=True).click()

    expect(page.locator("#note-state")).to_contain_text("Signed")
    expect(page.locator("#note-state")).to_contain_text("read-only")
    expect(page.get_by_role("button", name="Sign note")).to_be_disabled()
    expect(page.locator(".sentence-text").first).to_have_attribute("contenteditable", "false")
    expect(page.locator("#suggestions button.accept")).to_have_count(0)
    shots(page, "signed-read-only")
    assert note_of(server, furosemide_visit).json()["status"] == "signed"
    page.reload()
    expect(page.locator("#note-state")).to_contain_text("Signed")
    assert page.dialogs == []


def test_markup_in_a_transcript_is_shown_as_text_and_never_runs(page, server, shots):
    hostile = ('Doctor: What brings you in? <img src=x onerror="alert(1)">\n'
               "Patient: <script>alert('x')</script> My left calf cramps at night. <b>bold</b>\n")
    consultation_id = upload_transcript(server, hostile)
    open_review(page, server, consultation_id)
    segments = page.locator("#transcript .segment .text")
    expect(segments.nth(0)).to_contain_text('<img src=x onerror="alert(1)">')
    expect(segments.nth(1)).to_contain_text("<script>alert('x')</script>")
    expect(segments.nth(1)).to_contain_text("<b>bold</b>")
    assert page.locator("#transcript img, #transcript script, #transcript b").count() == 0
    page.locator(".sentence").first.click()
    page.wait_for_timeout(300)
    shots(page, "markup-as-text")
    assert page.dialogs == [] and page.errors == []


def test_a_wrong_api_key_is_refused_and_the_form_stays(page, server, furosemide_visit):
    page.goto(f"{server.url}/ehr/consultations/{furosemide_visit}")
    page.get_by_label("API key").fill("ss_not-a-key")
    page.get_by_role("button", name="Open consultation").click()
    expect(page.get_by_role("status")).to_contain_text("was not accepted")
    expect(page.get_by_label("API key")).to_be_visible()
    expect(page.locator("#review")).to_be_hidden()


def test_on_a_tablet_the_panes_stack_and_every_control_has_a_name(browser, server, furosemide_visit, shots):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        open_review(page, server, furosemide_visit)
        transcript = page.locator(".transcript-pane").bounding_box()
        note = page.locator(".note-pane").bounding_box()
        assert note["y"] >= transcript["y"] + transcript["height"]  # one column
        assert note["width"] <= 768
        unnamed = page.evaluate("""() => [...document.querySelectorAll('button, input, [role=textbox]')]
            .filter(n => n.offsetParent !== null)
            .filter(n => !(n.getAttribute('aria-label') || n.textContent.trim() || n.labels?.length))
            .map(n => n.outerHTML)""")
        assert unnamed == []
        shots(page, "tablet")
    finally:
        context.close()


@pytest.mark.audio
def test_the_recording_plays_in_step_with_the_transcript(page, server, rendered, shots):
    with server.client() as client:
        with rendered["furosemide_night_cramps"].open("rb") as audio:
            consultation_id = client.post("/v1/consultations", files={"audio": ("visit.ogg", audio)},
                                          data=CONSENT).json()["id"]
    assert server.wait_ready(consultation_id, timeout=180)["status"] == "ready"
    segments = transcript_of(server, consultation_id)
    open_review(page, server, consultation_id)
    expect(page.get_by_label("Consultation recording")).to_be_visible()
    # Predicates are functions: a bare expression is eval'ed at each poll, which the page's CSP refuses after the
    # first check (a failure whenever the metadata has not loaded by then).
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")

    line = page.locator("#transcript .segment").nth(3)
    line.locator(".text").click()  # play from this line
    page.wait_for_function("() => document.getElementById('player').currentTime > 0")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - segments[3]["start"]) < 1.0
    expect(line).to_have_class(re.compile(r"\bplaying\b"))
    expect(line).to_have_attribute("aria-current", "true")
    shots(page, "playing-line")

    note = note_of(server, consultation_id).json()
    sentence = next(s for sec in note["sections"] for s in sec["sentences"] if s["evidence"])
    page.get_by_text(sentence["text"], exact=True).click()
    first = min(e["t0"] for e in sentence["evidence"])
    page.wait_for_function(f"() => Math.abs(document.getElementById('player').currentTime - {first}) < 1.0")
