"""Note versions over the API: the draft is version 1, edits need If-Match, signing closes the note."""

from __future__ import annotations

import base64
import threading

from sqlmodel import Session, select

from service.store.models import NoteVersion
from tests.service.api_client import Api, assert_problem

EDITED_PLAN = "Stop furosemide for a week and recheck potassium on Friday."


def note_path(consultation_id: str, suffix: str = "") -> str:
    return f"/v1/consultations/{consultation_id}/note{suffix}"


def edited_sections(api: Api, consultation_id: str) -> list[dict]:
    sections = api.get(note_path(consultation_id)).json()["sections"]
    plan = next(section for section in sections if section["code"] == "plan")
    plan["sentences"] = [{"text": EDITED_PLAN}]
    return sections


def test_the_drafted_note_is_version_1_with_a_strong_etag(api: Api) -> None:
    consultation_id = api.ready()
    response = api.get(note_path(consultation_id))
    assert response.status_code == 200, response.text
    note = response.json()
    assert (note["version"], note["status"], note["edited_as"], note["author"]) == (1, "draft", "draft", "soapscribe")
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert consultation_id not in etag, "the ETag is a hash, not the id"
    assert "## Plan" in note["markdown"]
    markdown = api.get(note_path(consultation_id), params={"format": "markdown"})
    assert markdown.headers["etag"] == etag


def test_an_edit_without_if_match_is_precondition_required(api: Api) -> None:
    consultation_id = api.ready()
    response = api.request("PUT", note_path(consultation_id), json={"markdown": "## Plan\nRest."})
    assert_problem(response, 428, "If-Match")
    assert api.get(note_path(consultation_id)).json()["version"] == 1


def test_an_edit_of_sections_becomes_version_2_and_the_latest_note(api: Api) -> None:
    consultation_id = api.ready()
    first = api.get(note_path(consultation_id))
    response = api.request("PUT", note_path(consultation_id), headers={"If-Match": first.headers["etag"]},
                           json={"sections": edited_sections(api, consultation_id)})
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2 and response.json()["edited_as"] == "sections"
    assert response.headers["etag"] not in (first.headers["etag"], "")

    latest = api.get(note_path(consultation_id))
    assert latest.headers["etag"] == response.headers["etag"]
    plan = next(section for section in latest.json()["sections"] if section["code"] == "plan")
    assert [sentence["text"] for sentence in plan["sentences"]] == [EDITED_PLAN]
    assert EDITED_PLAN in api.get(note_path(consultation_id), params={"format": "markdown"}).text
    assert latest.json()["suggestions"] == first.json()["suggestions"], "an edit keeps the suggestions"


def test_an_edit_based_on_a_stale_etag_is_refused(api: Api) -> None:
    consultation_id = api.ready()
    stale = api.get(note_path(consultation_id)).headers["etag"]
    ok = api.request("PUT", note_path(consultation_id), headers={"If-Match": stale}, json={"markdown": "## Plan\nA."})
    assert ok.status_code == 200, ok.text
    again = api.request("PUT", note_path(consultation_id), headers={"If-Match": stale},
                        json={"markdown": "## Plan\nB."})
    assert_problem(again, 412, "latest version is 2")
    assert api.get(note_path(consultation_id)).json()["version"] == 2


def test_a_markdown_edit_is_served_as_written_and_keeps_the_structured_sections(api: Api) -> None:
    consultation_id = api.ready()
    first = api.get(note_path(consultation_id))
    text = "## Subjective\nCramps at night.\n\n## Plan\n" + EDITED_PLAN + "\n"
    response = api.request("PUT", note_path(consultation_id), headers={"If-Match": first.headers["etag"]},
                           json={"markdown": text})
    assert response.status_code == 200, response.text

    note = api.get(note_path(consultation_id)).json()
    assert (note["version"], note["edited_as"], note["markdown"]) == (2, "markdown", text)
    assert note["sections"] == first.json()["sections"]
    assert api.get(note_path(consultation_id), params={"format": "markdown"}).text == text
    assert api.get(note_path(consultation_id), params={"format": "text"}).text == text
    html = api.get(note_path(consultation_id), params={"format": "html"}).text
    assert EDITED_PLAN in html and "<pre>" in html
    bundle = api.get(note_path(consultation_id), params={"format": "fhir"}).json()
    attachment = bundle["entry"][1]["resource"]["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]).decode() == text, "the FHIR document carries the edited text"


def test_versions_are_listed_and_each_can_be_read(api: Api) -> None:
    consultation_id = api.ready()
    etag = api.get(note_path(consultation_id)).headers["etag"]
    api.request("PUT", note_path(consultation_id), headers={"If-Match": etag}, json={"markdown": "## Plan\nRest."})

    versions = api.get(note_path(consultation_id, "/versions")).json()
    assert [(v["version"], v["status"], v["edited_as"]) for v in versions] == [(1, "draft", "draft"),
                                                                              (2, "draft", "markdown")]
    assert versions[0]["author"] == "soapscribe" and versions[1]["author"].startswith("apikey:")
    first = api.get(note_path(consultation_id, "/versions/1"))
    assert first.json()["version"] == 1 and first.headers["etag"] == etag
    assert api.get(note_path(consultation_id, "/versions/2"), params={"format": "markdown"}).text == "## Plan\nRest."
    assert_problem(api.get(note_path(consultation_id, "/versions/3")), 404, "no note version 3")


def test_signing_makes_the_note_final_and_closes_it(api: Api) -> None:
    consultation_id = api.ready()
    draft = api.get(note_path(consultation_id))
    signed = api.request("POST", note_path(consultation_id, "/sign"), headers={"If-Match": draft.headers["etag"]})
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed" and signed.json()["signed_at"]
    assert signed.headers["etag"] != draft.headers["etag"], "signing changes the representation, so the ETag"

    assert api.get(note_path(consultation_id)).json()["status"] == "signed"
    bundle = api.get(note_path(consultation_id), params={"format": "fhir"}).json()
    assert bundle["entry"][0]["resource"]["status"] == "final"
    assert_problem(api.request("POST", note_path(consultation_id, "/sign")), 409, "already signed")
    edit = api.request("PUT", note_path(consultation_id), headers={"If-Match": signed.headers["etag"]},
                       json={"markdown": "## Plan\nChanged after signing."})
    assert_problem(edit, 409, "signed")
    assert [v["version"] for v in api.get(note_path(consultation_id, "/versions")).json()] == [1]


def test_signing_with_a_stale_etag_is_refused(api: Api) -> None:
    consultation_id = api.ready()
    stale = api.get(note_path(consultation_id)).headers["etag"]
    api.request("PUT", note_path(consultation_id), headers={"If-Match": stale}, json={"markdown": "## Plan\nA."})
    assert_problem(api.request("POST", note_path(consultation_id, "/sign"), headers={"If-Match": stale}), 412)
    assert api.get(note_path(consultation_id)).json()["status"] == "draft"


def test_an_edit_signed_without_if_match_signs_the_latest_version(api: Api) -> None:
    consultation_id = api.ready()
    etag = api.get(note_path(consultation_id)).headers["etag"]
    api.request("PUT", note_path(consultation_id), headers={"If-Match": etag}, json={"markdown": "## Plan\nA."})
    signed = api.request("POST", note_path(consultation_id, "/sign"))
    assert (signed.json()["version"], signed.json()["status"]) == (2, "signed")
    statuses = [v["status"] for v in api.get(note_path(consultation_id, "/versions")).json()]
    assert statuses == ["draft", "signed"]


def test_concurrent_edits_based_on_one_version_make_exactly_one_new_version(api: Api) -> None:
    consultation_id = api.ready()
    etag = api.get(note_path(consultation_id)).headers["etag"]
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def edit(n: int) -> None:
        barrier.wait()
        response = api.request("PUT", note_path(consultation_id), headers={"If-Match": etag},
                               json={"markdown": f"## Plan\nEdit {n}."})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 412, 412, 412]
    with Session(api.engine) as session:
        versions = session.exec(select(NoteVersion.version).where(NoteVersion.consultation_id == consultation_id)).all()
    assert sorted(versions) == [1, 2]


def test_an_edit_body_must_be_sections_or_markdown(api: Api) -> None:
    consultation_id = api.ready()
    etag = api.get(note_path(consultation_id)).headers["etag"]
    for body in ({}, {"markdown": "a", "sections": []}, {"markdown": ""}, {"sections": [{"code": "history"}]},
                 {"sections": [{"code": "plan", "title": "Plan"}, {"code": "plan", "title": "Plan"}]},
                 {"markdown": "a", "status": "signed"}):
        response = api.request("PUT", note_path(consultation_id), headers={"If-Match": etag}, json=body)
        assert_problem(response, 422)
    assert api.get(note_path(consultation_id)).json()["version"] == 1


def test_a_note_that_is_not_drafted_yet_has_no_versions(api_without_worker: Api) -> None:
    consultation_id = api_without_worker.create()
    for suffix in ("", "/versions", "/sign"):
        method = "POST" if suffix == "/sign" else "GET"
        assert_problem(api_without_worker.request(method, note_path(consultation_id, suffix)), 409, "status: queued")
