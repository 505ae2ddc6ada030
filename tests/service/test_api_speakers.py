"""Who is who through the API: the `speakers` field of an upload, and correcting roles afterwards
(`PUT .../speakers`: new draft version from the stored transcript, under the note-edit rules)."""

from __future__ import annotations

import json

from sqlmodel import Session

from nlp.transcript_io import parse_text, to_json
from service.store.models import Consultation
from tests.conftest import CONSULTATIONS
from tests.service.api_client import Api, assert_problem, encode_tone


def diarized_transcript(*, swapped: bool) -> bytes:
    """A recognised-and-diarized transcript as soapscribe exports it: the doctor is voice S1, the patient S2.

    `swapped`: the roles were inferred the wrong way round (S1 patient, S2 clinician)."""
    parsed = parse_text((CONSULTATIONS / "furosemide_night_cramps.txt").read_text(encoding="utf-8"))
    wrong = {"clinician": "patient", "patient": "clinician"}
    segments = [segment.model_copy(update={"voice": "S1" if segment.speaker == "clinician" else "S2",
                                           "speaker": wrong[segment.speaker] if swapped else segment.speaker})
                for segment in parsed.segments]
    transcript = parsed.model_copy(update={"segments": segments})
    body = json.loads(to_json(transcript))
    body["speakers"] = [{"voice": "S1", "role": segments[0].speaker, "source": "inferred"},
                        {"voice": "S2", "role": segments[1].speaker, "source": "inferred"}]
    return json.dumps(body).encode()


def put_speakers(api: Api, consultation_id: str, body: dict, etag: str | None):  # type: ignore[no-untyped-def]
    headers = {"If-Match": etag} if etag else {}
    return api.request("PUT", f"/v1/consultations/{consultation_id}/speakers", headers=headers, json=body)


def roles(api: Api, consultation_id: str) -> list[tuple[str, str, str]]:
    transcript = api.get(f"/v1/consultations/{consultation_id}/transcript").json()
    return [(entry["voice"], entry["role"], entry["source"]) for entry in transcript["speakers"]]


def test_upload_speakers_are_validated_precisely(api_without_worker: Api) -> None:
    api = api_without_worker
    for speakers, detail in [
        ('{"S1": "clinician",', "speakers: not JSON"),
        ('{"S1": "doctor"}', "speakers: S1: 'doctor' is not a role (clinician, patient or other)"),
        ('{"speaker 1": "patient"}', "'speaker 1' is not a voice: voices are S1, S2"),
        ('["S1", "clinician"]', "expected a JSON object of voice -> role"),
        ("{}", "name at least one voice"),
    ]:
        response = api.request("POST", "/v1/consultations", files={"transcript": ("t.json", diarized_transcript(
            swapped=False))}, data={"speakers": speakers})
        assert_problem(response, 422, detail)
    text = api.request("POST", "/v1/consultations", data={"speakers": '{"S1": "clinician"}'},
                       files={"transcript": ("t.txt", b"Doctor: Any cramps?\nPatient: Yes.")})
    assert_problem(text, 422, "the transcript has no diarized voices")
    unknown = api.request("POST", "/v1/consultations", data={"speakers": '{"S3": "other"}'},
                          files={"transcript": ("t.json", diarized_transcript(swapped=False))})
    assert_problem(unknown, 422, "no voice S3 in this transcript; its voices are S1, S2")


def test_a_recordings_speakers_are_kept_for_its_job(api_without_worker: Api) -> None:
    api = api_without_worker
    response = api.upload("tone", field="audio", content=encode_tone("wav", "pcm_s16le"))
    plain = response.json()["id"]
    response = api.request("POST", "/v1/consultations", files={"audio": ("a.wav", encode_tone("wav", "pcm_s16le"))},
                           data={"consent_method": "verbal", "consent_confirmed_by": "Dr Test",
                                 "speakers": '{"ch1": "clinician", "ch2": "patient"}'})
    assert response.status_code == 202, response.text
    with Session(api.engine) as session:
        assert json.loads(session.get(Consultation, response.json()["id"]).speakers_json) == {  # type: ignore[union-attr, arg-type]
            "ch1": "clinician", "ch2": "patient"}
        assert session.get(Consultation, plain).speakers_json is None  # type: ignore[union-attr]


def test_correcting_the_roles_redrafts_a_new_version_from_the_stored_transcript(api: Api) -> None:
    consultation_id = api.ready(field="transcript", content=diarized_transcript(swapped=True))
    assert roles(api, consultation_id) == [("S1", "patient", "inferred"), ("S2", "clinician", "inferred")]
    before = api.get(f"/v1/consultations/{consultation_id}/findings").json()["findings"]
    etag = api.get(f"/v1/consultations/{consultation_id}/note").headers["etag"]

    assert_problem(put_speakers(api, consultation_id, {"speakers": {"S1": "clinician"}}, None), 428, "If-Match")
    assert_problem(put_speakers(api, consultation_id, {"speakers": {"S1": "clinician"}}, '"stale"'), 412)
    assert_problem(put_speakers(api, consultation_id, {"speakers": {"S7": "clinician"}}, etag), 422,
                   "no voice S7 in this transcript")
    assert_problem(put_speakers(api, consultation_id, {"speakers": {"S1": "nurse"}}, etag), 422)

    response = put_speakers(api, consultation_id, {"speakers": {"S1": "clinician"}}, etag)
    assert response.status_code == 200, response.text
    assert response.json() == {"note_version": 2, "speakers": [
        {"voice": "S1", "role": "clinician", "source": "caller"},
        {"voice": "S2", "role": "patient", "source": "inferred"}]}
    assert roles(api, consultation_id) == [("S1", "clinician", "caller"), ("S2", "patient", "inferred")]
    transcript = api.get(f"/v1/consultations/{consultation_id}/transcript").json()
    assert transcript["segments"][0]["speaker"] == "clinician" and transcript["segments"][0]["words"] == []
    note = api.get(f"/v1/consultations/{consultation_id}/note")
    assert note.headers["etag"] == response.headers["etag"]
    assert (note.json()["version"], note.json()["author"], note.json()["edited_as"]) == (2, "soapscribe", "draft")
    after = api.get(f"/v1/consultations/{consultation_id}/findings").json()["findings"]
    assert before != after, "extraction ran again on the corrected roles"
    numbness = [f for f in after if f["code"] == "numbness"]
    assert numbness and numbness[0]["assertion"] == "absent", "the patient's 'No' now answers the question"


def test_a_correction_never_silently_replaces_a_clinicians_edit_nor_a_signed_note(api: Api) -> None:
    consultation_id = api.ready(field="transcript", content=diarized_transcript(swapped=True))
    etag = api.get(f"/v1/consultations/{consultation_id}/note").headers["etag"]
    edited = api.request("PUT", f"/v1/consultations/{consultation_id}/note", headers={"If-Match": etag},
                         json={"markdown": "## Plan\nMagnesium trial."})
    etag = edited.headers["etag"]
    assert_problem(put_speakers(api, consultation_id, {"speakers": {"S1": "clinician"}}, etag), 409,
                   "discard_edits")
    redrafted = put_speakers(api, consultation_id, {"speakers": {"S1": "clinician"}, "discard_edits": True}, etag)
    assert redrafted.status_code == 200 and redrafted.json()["note_version"] == 3, redrafted.text
    versions = api.get(f"/v1/consultations/{consultation_id}/note/versions").json()
    assert [(v["version"], v["edited_as"]) for v in versions] == [(1, "draft"), (2, "markdown"), (3, "draft")]
    audit = api.get("/v1/audit", params={"consultation_id": consultation_id}).json()["events"]
    assert ("update", 3) in [(event["action"], event["version"]) for event in audit]

    signed = api.request("POST", f"/v1/consultations/{consultation_id}/note/sign")
    assert_problem(put_speakers(api, consultation_id, {"speakers": {"S2": "patient"}}, signed.headers["etag"]),
                   409, "signed")
    text = api.ready()
    text_etag = api.get(f"/v1/consultations/{text}/note").headers["etag"]
    assert_problem(put_speakers(api, text, {"speakers": {"S1": "clinician"}}, text_etag), 422, "no diarized voices")


def test_a_malformed_correction_is_refused(api_without_worker: Api) -> None:
    consultation_id = api_without_worker.create()
    for body in ({"speakers": {"S1": "clinician"}, "extra": 1}, {"discard_edits": True}, {"speakers": ["S1"]}):
        assert_problem(put_speakers(api_without_worker, consultation_id, body, "*"), 422)
    queued = put_speakers(api_without_worker, consultation_id, {"speakers": {"S1": "clinician"}}, "*")
    assert_problem(queued, 409, "once the consultation is ready (status: queued)")
