"""Fixtures of the review-app tests: Debian's chromium driven by Playwright, against the real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, Server, script

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots of each step, kept as test artifacts (build/ is ignored by git).
ARTIFACTS = ROOT / "build" / "test-artifacts" / "ehr"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed: run `make test` (scripts/install-system-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--autoplay-policy=no-user-gesture-required"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (own session storage) whose dialogs and page errors are recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.dialogs = []  # alert/confirm/prompt: the review app never opens one
    page.errors = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """`shots(page, "step")` saves build/test-artifacts/ehr/<test>/<n>-<step>.png."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = iter(range(1, 100))

    def shoot(page, step: str) -> Path:  # type: ignore[no-untyped-def]
        path = folder / f"{next(count):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


def upload_transcript(server: Server, text: str) -> str:
    """A consultation made from transcript text, waited for until its note is drafted."""
    with server.client() as client:
        response = client.post("/v1/consultations", files={"transcript": ("visit.txt", text.encode(), "text/plain")})
        response.raise_for_status()
    consultation_id = response.json()["id"]
    assert server.wait_ready(consultation_id)["status"] == "ready"
    return consultation_id


@pytest.fixture
def furosemide_visit(server: Server) -> str:
    """A fresh consultation (its own note versions) from the furosemide night-cramps script."""
    return upload_transcript(server, script("furosemide_night_cramps"))


def open_review(page, server: Server, consultation_id: str) -> None:  # type: ignore[no-untyped-def]
    """Open the review screen in plain mode and enter the API key in the field labelled "API key"."""
    page.goto(f"{server.url}/ehr/consultations/{consultation_id}")
    page.get_by_label("API key").fill(server.api_key)
    page.get_by_role("button", name="Open consultation").click()
    page.locator("#review").wait_for(state="visible")


@pytest.fixture(scope="session")
def fhir():  # type: ignore[no-untyped-def]
    """The local FHIR + SMART authorization test server (tests/service/ehr/fhir_server.py) on a loopback port."""
    from tests.conftest import free_port
    from tests.service.ehr.fhir_server import RunningFhirServer

    with RunningFhirServer(free_port()) as state:
        yield state


@pytest.fixture
def encounter(fhir):  # type: ignore[no-untyped-def]
    """A new patient with an ambulatory encounter today on the FHIR server: (patient id, encounter id)."""
    patient = fhir.add({"resourceType": "Patient", "name": [{"given": ["Jane"], "family": "Doe"}],
                        "gender": "female", "birthDate": "1958-04-12"})
    visit = fhir.add({"resourceType": "Encounter", "status": "in-progress",
                      "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                                "display": "ambulatory"},
                      "subject": {"reference": f"Patient/{patient['id']}"},
                      "period": {"start": "2026-11-25T09:00:00Z"}})
    return patient["id"], visit["id"]
