"""The clinic's vocabulary (`GET/PUT /v1/vocabulary`) and an upload's (`vocabulary` form field): stored per
tenant, checked (422 naming the field), and heard: a local brand rendered by espeak-ng is recognised, with real
tiny.en, only when the upload's vocabulary names it (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.settings import Settings
from service.vocabulary import MAX_TERM_CHARS, MAX_TERMS
from tests.conftest import CONSENT
from tests.service.api_client import Api, assert_problem, encode_tone, open_api

# "Crampex" is no drug of the lexicon: a local brand. Without a vocabulary tiny.en heard it as "crampic" (twice,
# the second time as "crampic help submit"), and Dr Okonkwo as "Akon Kogave".
BRAND_SCRIPT = """Doctor: What medicines are you taking?
Patient: I take Keppra. Every morning.
Doctor: And the Crampex tablets, from the pharmacy?
Patient: Yes, Crampex helps a bit. Doctor Okonkwo gave me mexiletine too.
Doctor: Good. Keep taking the Keppra.
"""


def test_the_clinic_vocabulary_is_replaced_whole_and_kept_per_tenant(api: Api) -> None:
    assert api.get("/v1/vocabulary").json() == {"terms": []}
    response = api.request("PUT", "/v1/vocabulary", json={"terms": ["Crampex", "  Dr   Okonkwo ", "crampex"]})
    assert response.status_code == 200, response.text
    assert response.json() == {"terms": ["Crampex", "Dr Okonkwo"]}
    assert api.get("/v1/vocabulary").json() == {"terms": ["Crampex", "Dr Okonkwo"]}
    assert api.get("/v1/vocabulary", key=api.other_key).json() == {"terms": []}
    assert api.request("PUT", "/v1/vocabulary", json={"terms": []}).json() == {"terms": []}
    assert api.get("/v1/vocabulary").json() == {"terms": []}


def test_a_change_of_the_clinic_vocabulary_is_audited_without_its_terms(api: Api) -> None:
    api.request("PUT", "/v1/vocabulary", json={"terms": ["Crampex"]})
    api.request("PUT", "/v1/vocabulary", json={"terms": []})
    refused = api.request("PUT", "/v1/vocabulary", json={"terms": ["Cramp\x07ex"]})
    api.get("/v1/vocabulary")  # a read of the clinic's terms is no change
    assert refused.status_code == 422
    events = api.get("/v1/audit").json()["events"]
    assert [(event["action"], event["consultation_id"]) for event in events] == [("vocabulary", None)] * 2
    assert all(event["api_key_id"] for event in events)
    assert "Crampex" not in str(events)
    assert api.get("/v1/audit", key=api.other_key).json()["events"] == []


def test_an_idempotency_key_is_bound_to_the_upload_vocabulary(api_without_worker: Api) -> None:
    api = api_without_worker
    tone = encode_tone("wav", "pcm_s16le")

    def upload(vocabulary: str | None) -> httpx.Response:
        form = {**CONSENT, **({"vocabulary": vocabulary} if vocabulary is not None else {})}
        return api.request("POST", "/v1/consultations", headers={"Idempotency-Key": "visit-7"},
                           files={"audio": ("a.wav", tone)}, data=form)

    first = upload('["Crampex", "Keppra"]')
    assert first.status_code == 202, first.text
    again = upload("Crampex, Keppra")  # the same terms, written as a list
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"], again.text
    for other in ('["Crampex"]', None):
        assert_problem(upload(other), 422, "Idempotency-Key 'visit-7' was already used with a different upload")


@pytest.mark.parametrize(("terms", "what"), [
    ([f"t{index}" for index in range(MAX_TERMS + 1)], "at most 200 items"),
    (["x" * (MAX_TERM_CHARS + 1)], "at most 64 characters"),
    ([42], "valid string"),
    ("Crampex", "valid list"),
    (["Cramp\x07ex"], "control character"),
    (["  "], "empty"),
])
def test_a_bad_clinic_vocabulary_is_refused_naming_the_field(api_without_worker: Api, terms: object,
                                                             what: str) -> None:
    problem = assert_problem(api_without_worker.request("PUT", "/v1/vocabulary", json={"terms": terms}), 422, what)
    assert problem["errors"][0]["loc"][:2] == ["body", "terms"]
    assert api_without_worker.get("/v1/vocabulary").json() == {"terms": []}


@pytest.mark.parametrize(("field", "what"), [
    (",".join(f"t{index}" for index in range(MAX_TERMS + 1)), "at most 200 items"),
    ("[1, 2]", "valid string"),
    ('{"terms": ["Crampex"]}', "not a JSON array"),
    ("Crampex,\x1bOkonkwo", "control character"),
    ('["Cramp\\u0000ex"]', "control character"),
])
def test_a_bad_upload_vocabulary_is_refused_naming_the_field(api_without_worker: Api, field: str, what: str) -> None:
    tone = encode_tone("wav", "pcm_s16le")
    response = api_without_worker.request("POST", "/v1/consultations", files={"audio": ("a.wav", tone)},
                                          data={**CONSENT, "vocabulary": field})
    problem = assert_problem(response, 422, what)
    assert problem["detail"].startswith("vocabulary: ")
    assert problem["errors"] == [{"loc": ["body", "vocabulary"], "msg": problem["detail"].removeprefix("vocabulary: ")}]


def test_the_vocabulary_api_is_in_the_openapi_document(api_without_worker: Api) -> None:
    document = api_without_worker.get("/openapi.json").json()
    assert {"get", "put"} <= set(document["paths"]["/v1/vocabulary"])
    upload = document["paths"]["/v1/consultations"]["post"]["requestBody"]["content"]["multipart/form-data"]
    schema = document["components"]["schemas"][upload["schema"]["$ref"].rsplit("/", 1)[1]]
    assert "vocabulary" in schema["properties"]


@pytest.fixture(scope="module")
def brand_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scripts.render_consultation import render

    out = tmp_path_factory.mktemp("vocabulary") / "brand.ogg"
    render(BRAND_SCRIPT, out, speed=140)
    return out


@pytest.fixture
def api_on_postgres(settings: Settings, postgres_url: str) -> Iterator[Api]:
    """One database is enough for recognition; the store is tested on both above."""
    yield from open_api(settings.model_copy(update={"database_url": postgres_url}))


def _words(api: Api, audio: bytes, **form: str) -> str:
    response = api.request("POST", "/v1/consultations", files={"audio": ("brand.ogg", audio)}, data={**CONSENT, **form})
    assert response.status_code == 202, response.text
    status = api.wait(response.json()["id"], timeout=120)
    assert status["status"] == "ready", status
    transcript = api.get(f"/v1/consultations/{response.json()['id']}/transcript").json()
    return " ".join(segment["text"] for segment in transcript["segments"])


def test_a_local_brand_is_heard_only_with_the_vocabulary(api_on_postgres: Api, brand_audio: Path) -> None:
    audio = brand_audio.read_bytes()
    without = _words(api_on_postgres, audio)
    assert "crampex" not in without.lower()
    with_upload = _words(api_on_postgres, audio, vocabulary='["Crampex", "Okonkwo"]')
    assert with_upload.lower().count("crampex") == 2, with_upload
    # The clinic's vocabulary feeds recognition the same way.
    api_on_postgres.request("PUT", "/v1/vocabulary", json={"terms": ["Crampex", "Dr Okonkwo"]})
    assert _words(api_on_postgres, audio).lower().count("crampex") == 2
