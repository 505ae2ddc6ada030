"""`/v1/consultations`: upload a recording or transcript, then read its status, transcript, findings and note."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from knowledge.render import render
from service import results
from service.api.deps import RuntimeDep, SessionDep, TenantDep
from service.api.schemas import Accepted, ConsultationStatus, NoteDocument
from service.errors import SETUP_ERRORS, BadInput, as_scribe_error
from service.intake import accept_audio, accept_transcript
from service.store import consultations

router = APIRouter(prefix="/v1/consultations", tags=["consultations"])

NoteFormat = Literal["json", "markdown", "text", "html", "fhir"]
_MEDIA = {"markdown": "text/markdown; charset=utf-8", "text": "text/plain; charset=utf-8",
          "html": "text/html; charset=utf-8", "fhir": "application/fhir+json; charset=utf-8"}


@router.post("", status_code=202, response_model=Accepted,
             summary="Upload a recording (`audio`) or a transcript (`transcript`) for drafting")
def create_consultation(runtime: RuntimeDep, session: SessionDep, tenant: TenantDep,
                        audio: Annotated[UploadFile | None, File(description="a recording: wav, mp3, m4a, ogg, webm, flac")] = None,
                        transcript: Annotated[UploadFile | None, File(description="'Speaker: text' lines or transcript JSON")] = None,
                        ) -> Accepted:
    if (audio is None) == (transcript is None):
        raise BadInput("send exactly one multipart file field: 'audio' or 'transcript'")
    if audio is not None:
        consultation = accept_audio(runtime, session, tenant, audio.file, audio.content_type)
    else:
        consultation = accept_transcript(runtime, session, tenant, transcript.file)  # type: ignore[union-attr]
    return Accepted(id=consultation.id, status="queued")


@router.get("/{consultation_id}", response_model=ConsultationStatus)
def get_consultation(consultation_id: str, session: SessionDep, tenant: TenantDep) -> ConsultationStatus:
    return ConsultationStatus.model_validate(consultations.get(session, tenant.id, consultation_id),
                                             from_attributes=True)


@router.get("/{consultation_id}/transcript", summary="The transcript: segments with speakers, words and times")
def get_transcript(consultation_id: str, session: SessionDep, tenant: TenantDep) -> JSONResponse:
    consultation = consultations.get(session, tenant.id, consultation_id)
    return JSONResponse(json.loads(results.transcript_json(consultation)))


@router.get("/{consultation_id}/findings", summary="Clinical findings with assertion and evidence")
def get_findings(consultation_id: str, session: SessionDep, tenant: TenantDep) -> JSONResponse:
    consultation = consultations.get(session, tenant.id, consultation_id)
    return JSONResponse(json.loads(results.findings_json(consultation)))


@router.get("/{consultation_id}/note", response_model=NoteDocument,
            responses={200: {"content": {media: {} for media in _MEDIA.values()}}},
            summary="The draft SOAP note (JSON by default; ?format=markdown|text|html|fhir)")
def get_note(consultation_id: str, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep,
             format: Annotated[NoteFormat, Query(description="json, markdown, text, html or fhir (R4 Bundle)")
                               ] = "json") -> Response:
    consultation = consultations.get(session, tenant.id, consultation_id)
    document = NoteDocument(**results.note(consultation).model_dump())
    if format == "json":
        return JSONResponse(document.model_dump(mode="json"))
    try:
        body = render(document, format, templates_dir=runtime.settings.templates_dir, status=document.status,
                      version=document.version, consultation_id=consultation.id)
    except SETUP_ERRORS as exc:  # a broken clinic template: a 500 problem naming the file
        raise as_scribe_error(exc) from exc
    return PlainTextResponse(body, media_type=_MEDIA[format])
