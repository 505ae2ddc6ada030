"""The review app's own endpoints (in-process, SQLite and PostgreSQL): recording, decisions, launch refusals."""

from __future__ import annotations

from tests.service.api_client import Api, api, api_without_worker, assert_problem, encode_tone  # noqa: F401


def test_the_recording_is_served_to_its_tenant_only(api_without_worker: Api) -> None:
    tone = encode_tone("wav", "pcm_s16le")
    consultation_id = api_without_worker.create(field="audio", content=tone)
    url = f"/ehr/api/consultations/{consultation_id}/audio"

    response = api_without_worker.get(url)
    assert response.status_code == 200
    assert response.content == tone
    assert response.headers["content-type"].startswith("audio/")
    assert_problem(api_without_worker.get(url, key=api_without_worker.other_key), 404)
    assert_problem(api_without_worker.client.get(url), 401)


def test_a_transcript_upload_has_no_recording(api: Api) -> None:
    consultation_id = api.create()
    assert_problem(api.get(f"/ehr/api/consultations/{consultation_id}/audio"), 404, "no recording")


def test_a_decision_is_recorded_per_suggestion_and_can_change(api: Api) -> None:
    consultation_id = api.ready()
    suggestions = api.get(f"/v1/consultations/{consultation_id}/note").json()["suggestions"]
    url = f"/ehr/api/consultations/{consultation_id}/decisions"
    cause = next(s for s in suggestions if s["kind"] == "cause")
    workup = next(s for s in suggestions if s["kind"] == "workup")

    assert api.request("PUT", f"{url}/{cause['id']}", json={"decision": "accepted"}).json()["section"] == "assessment"
    api.request("PUT", f"{url}/{workup['id']}", json={"decision": "accepted"})
    changed = api.request("PUT", f"{url}/{workup['id']}", json={"decision": "dismissed"}).json()
    assert changed["decision"] == "dismissed" and changed["section"] is None
    assert sorted((d["suggestion_id"], d["decision"]) for d in api.get(url).json()) == sorted(
        [(cause["id"], "accepted"), (workup["id"], "dismissed")])
    assert_problem(api.get(url, key=api.other_key), 404)
    assert_problem(api.request("PUT", f"{url}/s999", json={"decision": "dismissed"}), 404, "no suggestion")


def test_no_decision_once_the_note_is_signed(api: Api) -> None:
    consultation_id = api.ready()
    etag = api.get(f"/v1/consultations/{consultation_id}/note").headers["etag"]
    api.request("POST", f"/v1/consultations/{consultation_id}/note/sign", headers={"If-Match": etag})
    response = api.request("PUT", f"/ehr/api/consultations/{consultation_id}/decisions/s1",
                           json={"decision": "dismissed"})
    assert_problem(response, 409, "signed")


def test_a_consultation_not_opened_from_an_ehr_has_no_ehr_context_or_write_back(api: Api) -> None:
    consultation_id = api.ready()
    assert_problem(api.get(f"/ehr/api/consultations/{consultation_id}/context"), 404, "not opened from an EHR")
    assert_problem(api.request("POST", f"/ehr/api/consultations/{consultation_id}/write-back"), 404)


def test_a_launch_from_a_server_outside_loopback_is_refused_before_any_request(api: Api) -> None:
    for iss in ("https://ehr.example.org/fhir", "http://10.0.0.8/fhir", "file:///etc/passwd"):
        response = api.client.get("/ehr/launch", params={"iss": iss}, follow_redirects=False)
        assert response.status_code in (403, 422), (iss, response.status_code)


def test_the_review_page_is_served_with_a_content_security_policy(api: Api) -> None:
    response = api.client.get("/ehr/consultations/abc")
    assert response.status_code == 200
    assert 'for="api-key">API key</label>' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert api.client.get("/ehr/static/review.js").headers["content-type"].startswith(("text/javascript",
                                                                                        "application/javascript"))
