"""Recording consent: a recording is accepted only with the patient's consent, which the API returns and the
note's FHIR Bundle carries; a transcript needs none; a clinic may turn the requirement off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent
from sqlmodel import Session, func, select

from service.consent import CONFIRMED_BY_EXTENSION, METHOD_SYSTEM
from service.settings import Settings
from service.store.models import Consultation, Job
from tests.service.api_client import Api, assert_problem, encode_tone, file_count, open_api

GIVEN = {"consent_method": "written", "consent_confirmed_by": "Dr Okafor", "consent_at": "2026-11-25T10:02:00+00:00"}


@pytest.fixture(scope="module")
def queued_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app on SQLite with no worker for this module: for what depends neither on the database nor on jobs."""
    yield from open_api(Settings(data_dir=tmp_path_factory.mktemp("consent") / "var"), start_worker=False)


@pytest.fixture(scope="module")
def drafting_api(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Api]:
    """One app on SQLite with its worker for this module (spaCy is loaded once): for the notes' FHIR form."""
    yield from open_api(Settings(data_dir=tmp_path_factory.mktemp("consent") / "var", models_dir=model_cache))


def stored(api: Api) -> tuple[int, int, int]:
    """Consultations, jobs and recording files: what an upload leaves behind."""
    with Session(api.engine) as session:
        rows = session.exec(select(func.count()).select_from(Consultation)).one()
        jobs = session.exec(select(func.count()).select_from(Job)).one()
    return rows, jobs, file_count(api.runtime.recordings.root)


def test_a_recording_without_consent_is_refused_and_nothing_is_stored(api_without_worker: Api) -> None:
    api = api_without_worker
    response = api.upload(field="audio", content=encode_tone("wav", "pcm_s16le"), consent={})
    body = assert_problem(response, 422, "consent")
    assert body["type"].endswith("/consent-required")
    assert body["missing"] == ["consent_method", "consent_confirmed_by"]
    assert stored(api) == (0, 0, 0)


@pytest.mark.parametrize(("form", "missing"), [
    ({"consent_method": "verbal"}, ["consent_confirmed_by"]),
    ({"consent_method": "verbal", "consent_confirmed_by": "   "}, ["consent_confirmed_by"]),
    ({"consent_confirmed_by": "Dr Okafor"}, ["consent_method"]),
    ({"consent_at": "2026-11-25T10:02:00Z"}, ["consent_method", "consent_confirmed_by"]),
])
def test_part_of_a_consent_is_refused_naming_what_is_missing(queued_api: Api, form: dict[str, str],
                                                             missing: list[str]) -> None:
    before = stored(queued_api)
    response = queued_api.upload(field="audio", content=encode_tone("wav", "pcm_s16le"), consent=form)
    body = assert_problem(response, 422, missing[-1])
    assert body["type"].endswith("/consent-required") and body["missing"] == missing
    assert stored(queued_api) == before


def test_an_unknown_consent_method_is_an_invalid_request(queued_api: Api) -> None:
    before = stored(queued_api)
    response = queued_api.upload(field="audio", content=encode_tone("wav", "pcm_s16le"),
                                 consent={**GIVEN, "consent_method": "telepathy"})
    body = assert_problem(response, 422, "consent_method")
    assert body["errors"][0]["loc"] == ["body", "consent_method"]
    assert stored(queued_api) == before


def test_a_consent_time_in_the_future_is_refused(queued_api: Api) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    before = stored(queued_api)
    response = queued_api.upload(field="audio", content=encode_tone("wav", "pcm_s16le"),
                                 consent={**GIVEN, "consent_at": tomorrow})
    assert_problem(response, 422, "consent_at")
    assert stored(queued_api) == before


def test_a_recording_with_consent_is_accepted_and_its_consent_is_returned(api_without_worker: Api) -> None:
    api = api_without_worker
    consultation_id = api.create(field="audio", content=encode_tone("wav", "pcm_s16le"), consent=GIVEN)
    expected = {"method": "written", "confirmed_by": "Dr Okafor", "at": "2026-11-25T10:02:00Z"}
    consent = api.get(f"/v1/consultations/{consultation_id}").json()["consent"]
    assert {**consent, "at": consent["at"].replace("+00:00", "Z")} == expected
    listed = api.get("/v1/consultations").json()["items"][0]
    assert listed["id"] == consultation_id and listed["consent"]["method"] == "written"


def test_consent_at_defaults_to_the_time_of_the_upload(queued_api: Api) -> None:
    before = datetime.now(UTC)
    consultation_id = queued_api.create(field="audio", content=encode_tone("wav", "pcm_s16le"),
                                        consent={"consent_method": "ehr", "consent_confirmed_by": "Nurse Lee"})
    consent = queued_api.get(f"/v1/consultations/{consultation_id}").json()["consent"]
    assert consent["method"] == "ehr" and consent["confirmed_by"] == "Nurse Lee"
    assert before - timedelta(seconds=1) <= datetime.fromisoformat(consent["at"]) <= datetime.now(UTC)


def test_a_transcript_needs_no_consent(queued_api: Api) -> None:
    consultation_id = queued_api.create()
    assert queued_api.get(f"/v1/consultations/{consultation_id}").json()["consent"] is None


def test_with_the_requirement_off_a_recording_without_consent_is_accepted(settings: Settings) -> None:
    relaxed = settings.model_copy(update={"require_recording_consent": False})
    for api in open_api(relaxed, start_worker=False):
        consultation_id = api.create(field="audio", content=encode_tone("wav", "pcm_s16le"), consent={})
        assert api.get(f"/v1/consultations/{consultation_id}").json()["consent"] is None


def fhir_bundle(api: Api, consultation_id: str) -> dict:
    response = api.get(f"/v1/consultations/{consultation_id}/note", params={"format": "fhir"})
    assert response.status_code == 200, response.text
    bundle = response.json()
    Bundle.model_validate(bundle)
    return bundle


def test_the_fhir_bundle_carries_the_consent_as_a_consent_resource_and_a_section(drafting_api: Api) -> None:
    consultation_id = drafting_api.ready(consent=GIVEN)  # a transcript may carry consent too
    bundle = fhir_bundle(drafting_api, consultation_id)
    types = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert types == ["Composition", "DocumentReference", "Consent"]
    consent = Consent.model_validate(bundle["entry"][2]["resource"])
    assert consent.status == "active" and consent.dateTime.isoformat() == "2026-11-25T10:02:00+00:00"
    methods = [coding.code for category in consent.category for coding in category.coding
               if coding.system == METHOD_SYSTEM]
    assert methods == ["written"]
    extension = consent.verification[0].extension[0]
    assert (extension.url, extension.valueString) == (CONFIRMED_BY_EXTENSION, "Dr Okafor")
    assert consent.identifier[0].value == consultation_id
    section = bundle["entry"][0]["resource"]["section"][-1]
    assert section["title"] == "Recording consent"
    assert "Recording consent: written, confirmed by Dr Okafor, 2026-11-25 10:02 UTC" in section["text"]["div"]


def test_without_consent_the_fhir_bundle_has_no_consent(drafting_api: Api) -> None:
    consultation_id = drafting_api.ready()
    bundle = fhir_bundle(drafting_api, consultation_id)
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == ["Composition", "DocumentReference"]
    assert all(section["title"] != "Recording consent" for section in bundle["entry"][0]["resource"]["section"])
