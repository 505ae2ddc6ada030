"""`/v1/consultations`: upload a recording or transcript, list them, read status, transcript and findings,
follow progress as server-sent events, retry a failed one, delete one."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from service import results
from service.api.deps import ActorDep, RuntimeDep, SessionDep
from service.api.schemas import Accepted, ConsultationPage, ConsultationStatus, SpeakersCorrected, Status
from service.api.sse import consultation_events
from service.consent import ConsentMethod
from service.consent import from_form as consent_from_form
from service.ehr import smart
from service.errors import BadInput
from service.intake import accept_audio, accept_transcript
from service.speakers import SpeakersUpdate, parse_speakers, reassign
from service.store import consultations
from service.vocabulary import MAX_TERM_CHARS, MAX_TERMS, parse_form

router = APIRouter(prefix="/v1/consultations", tags=["consultations"])


@router.post("", status_code=202, response_model=Accepted,
             responses={200: {"model": Accepted, "description": "a replay: an earlier request with this "
                                                                "Idempotency-Key created the consultation"}},
             summary="Upload a recording (`audio`) or a transcript (`transcript`) for drafting")
def create_consultation(response: Response, runtime: RuntimeDep, session: SessionDep, actor: ActorDep,
                        audio: Annotated[UploadFile | None, File(
                            description="a recording: wav, mp3, m4a, ogg, webm, flac")] = None,
                        transcript: Annotated[UploadFile | None, File(
                            description="'Speaker: text' lines or transcript JSON")] = None,
                        idempotency_key: Annotated[str | None, Header(
                            max_length=255, description="retries with the same key and upload return the same "
                                                        "consultation; the key with another upload: 422")] = None,
                        callback_url: Annotated[str | None, Form(description="http(s) URL that gets a signed JSON "
                                                                 "POST when the note is ready or failed")] = None,
                        consent_method: Annotated[ConsentMethod | None, Form(
                            description="how the patient consented to the recording: verbal, written or ehr "
                                        "(required with `audio`)")] = None,
                        consent_confirmed_by: Annotated[str | None, Form(
                            max_length=200, description="who confirmed the consent, e.g. 'Dr Okafor' (required "
                                                        "with `audio`)")] = None,
                        consent_at: Annotated[datetime | None, Form(
                            description="when consent was given (ISO 8601; no offset: UTC); default: now")] = None,
                        speakers: Annotated[str | None, Form(
                            description='who is who, as JSON voice -> role: {"S1": "clinician", "S2": "patient"} '
                                        '(voices told apart by sound) or {"ch1": "clinician"} (stereo channels); '
                                        "overrides the roles inferred from what each voice says")] = None,
                        vocabulary: Annotated[str | None, Form(
                            description="this consultation's terms for recognition and drug-name correction, "
                                        "added to the clinic's (GET /v1/vocabulary): a JSON array of strings or "
                                        f"terms separated by commas; at most {MAX_TERMS} terms of "
                                        f"{MAX_TERM_CHARS} characters, no control characters")] = None,
                        ehr_launch: Annotated[str | None, Form(
                            max_length=200, description="the SMART launch (`/ehr/launches/{id}`) this upload is "
                                                        "for: the consultation is linked to its encounter, and the "
                                                        "patient's medications and problems on the chart join its "
                                                        "vocabulary")] = None,
                        ) -> Accepted:
    if (audio is None) == (transcript is None):
        raise BadInput("send exactly one multipart file field: 'audio' or 'transcript'")
    consent = consent_from_form(consent_method, consent_confirmed_by, consent_at)
    roles = parse_speakers(speakers)
    terms = parse_form(vocabulary)  # checked for a transcript too, where recognition has no use for it
    link = smart.link_on_upload(session, actor, ehr_launch) if ehr_launch else None
    if audio is not None:
        accepted = accept_audio(runtime, session, actor, audio.file, idempotency_key, callback_url,
                                consent=consent, speakers=roles, vocabulary=terms, with_row=link)
    else:
        accepted = accept_transcript(runtime, session, actor, transcript.file,  # type: ignore[union-attr]
                                     idempotency_key, callback_url, consent=consent, speakers=roles, with_row=link)
    if accepted.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return Accepted(id=accepted.consultation.id, status=accepted.consultation.status)  # type: ignore[arg-type]


@router.get("", response_model=ConsultationPage, summary="The tenant's consultations, newest first")
def list_consultations(session: SessionDep, actor: ActorDep,
                       limit: Annotated[int, Query(ge=1, le=100)] = 20,
                       cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
                       status: Annotated[Status | None, Query(description="only this status (deleted ones are "
                                                                          "listed only when asked for)")] = None,
                       created_after: Annotated[datetime | None, Query()] = None,
                       created_before: Annotated[datetime | None, Query()] = None) -> ConsultationPage:
    page = consultations.list_page(session, actor, limit=limit, cursor=cursor, status=status,
                                   created_after=created_after, created_before=created_before)
    return ConsultationPage(items=[ConsultationStatus.model_validate(c, from_attributes=True) for c in page.items],
                            next_cursor=page.next_cursor)


@router.get("/{consultation_id}", response_model=ConsultationStatus)
def get_consultation(consultation_id: str, session: SessionDep, actor: ActorDep) -> ConsultationStatus:
    return ConsultationStatus.model_validate(consultations.read(session, actor, consultation_id),
                                             from_attributes=True)


@router.delete("/{consultation_id}", status_code=204, response_class=Response,
               summary="Purge the recording, transcript, findings and note; later reads are 410 Gone")
def delete_consultation(consultation_id: str, runtime: RuntimeDep, session: SessionDep, actor: ActorDep) -> Response:
    consultations.delete(session, actor, consultation_id, runtime.recordings)
    return Response(status_code=204)


@router.post("/{consultation_id}/retry", status_code=202, response_model=Accepted,
             summary="Queue a failed consultation again (409 unless its status is failed)")
def retry_consultation(consultation_id: str, session: SessionDep, actor: ActorDep) -> Accepted:
    consultation = consultations.retry(session, actor, consultation_id)
    return Accepted(id=consultation.id, status=consultation.status)  # type: ignore[arg-type]


@router.get("/{consultation_id}/transcript", summary="The transcript: segments with speakers, words and times")
def get_transcript(consultation_id: str, session: SessionDep, actor: ActorDep) -> JSONResponse:
    consultation = consultations.read(session, actor, consultation_id)
    return JSONResponse(json.loads(results.transcript_json(consultation)))


@router.put("/{consultation_id}/speakers", response_model=SpeakersCorrected,
            responses={200: {"headers": {"ETag": {"description": "ETag of the new note version",
                                                  "schema": {"type": "string"}}}}},
            summary="Correct who is who: re-assign voices' roles, re-extract and re-draft (no new ASR) as a new "
                    "note version; If-Match of the latest note (428/412), 409 once signed or over a clinician's "
                    "edits unless discard_edits")
def put_speakers(consultation_id: str, correction: SpeakersUpdate, runtime: RuntimeDep, session: SessionDep,
                 actor: ActorDep, if_match: Annotated[str | None, Header(
                     description="the ETag of the latest note version")] = None) -> JSONResponse:
    transcript, row = reassign(session, actor, runtime.scribe, consultation_id, correction, if_match)
    body = SpeakersCorrected(speakers=transcript.speakers, note_version=row.version)
    return JSONResponse(body.model_dump(mode="json"), headers={"ETag": row.etag})


@router.get("/{consultation_id}/findings", summary="Clinical findings with assertion and evidence")
def get_findings(consultation_id: str, session: SessionDep, actor: ActorDep) -> JSONResponse:
    consultation = consultations.read(session, actor, consultation_id)
    return JSONResponse(json.loads(results.findings_json(consultation)))


@router.get("/{consultation_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}},
            summary="Server-sent events: `status` and `progress` changes until ready or failed")
async def get_events(consultation_id: str, runtime: RuntimeDep, session: SessionDep,
                     actor: ActorDep) -> StreamingResponse:
    await run_in_threadpool(consultations.read, session, actor, consultation_id)
    return StreamingResponse(consultation_events(runtime, actor.tenant_id, consultation_id),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
