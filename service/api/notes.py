"""`/v1/consultations/{id}/note`: the latest note version, edits (If-Match), signing, and older versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from knowledge.render import NoteFormat
from service import results
from service.api.deps import ActorDep, RuntimeDep, SessionDep
from service.api.schemas import NoteDocument, NoteEdit, NoteVersionSummary
from service.consent import RecordingConsent
from service.store.models import NoteVersion

router = APIRouter(prefix="/v1/consultations/{consultation_id}/note", tags=["notes"])

_MEDIA = {"markdown": "text/markdown; charset=utf-8", "text": "text/plain; charset=utf-8",
          "html": "text/html; charset=utf-8", "fhir": "application/fhir+json; charset=utf-8"}
_FORMAT = Query(description="json, markdown, text, html or fhir (R4 Bundle; Composition `final` once signed)")
# A version number the database's integer column can hold (a larger one would overflow SQLite: a 500).
_MAX_VERSION = 2**31 - 1
_IF_MATCH = Header(description="the ETag of the version this request is based on")


def _respond(row: NoteVersion, fmt: NoteFormat, runtime: RuntimeDep,
             consent: RecordingConsent | None = None) -> Response:
    headers = {"ETag": row.etag}
    if fmt == "json":
        return JSONResponse(NoteDocument.of(row).model_dump(mode="json"), headers=headers)
    body = results.render_version(row, fmt, templates_dir=runtime.settings.templates_dir, consent=consent)
    return PlainTextResponse(body, media_type=_MEDIA[fmt], headers=headers)


_NOTE_RESPONSES = {200: {"content": {media: {} for media in _MEDIA.values()},
                         "headers": {"ETag": {"description": "strong ETag of this version",
                                              "schema": {"type": "string"}}}}}


@router.get("", response_model=NoteDocument, responses=_NOTE_RESPONSES,  # type: ignore[arg-type]
            summary="The latest note version (JSON by default; ?format=markdown|text|html|fhir), with its ETag")
def get_note(consultation_id: str, runtime: RuntimeDep, session: SessionDep, actor: ActorDep,
             format: Annotated[NoteFormat, _FORMAT] = "json") -> Response:
    consultation, row = results.read_note(session, actor, consultation_id)
    return _respond(row, format, runtime, RecordingConsent.of(consultation))


@router.put("", response_model=NoteDocument,
            summary="Save an edit as a new version; needs If-Match (428 without, 412 when stale, 409 once signed)")
def put_note(consultation_id: str, edit: NoteEdit, runtime: RuntimeDep, session: SessionDep, actor: ActorDep,
             if_match: Annotated[str | None, _IF_MATCH] = None) -> Response:
    row = results.edit_note(session, actor, consultation_id, if_match, sections=edit.sections,
                            markdown=edit.markdown, templates_dir=runtime.settings.templates_dir)
    return _respond(row, "json", runtime)


@router.post("/sign", response_model=NoteDocument,
             summary="Sign the latest version (409 if already signed; If-Match optional but honoured)")
def sign_note(consultation_id: str, runtime: RuntimeDep, session: SessionDep, actor: ActorDep,
              if_match: Annotated[str | None, _IF_MATCH] = None) -> Response:
    return _respond(results.sign_note(session, actor, consultation_id, if_match), "json", runtime)


@router.get("/versions", response_model=list[NoteVersionSummary], summary="Every version, oldest first")
def list_versions(consultation_id: str, session: SessionDep, actor: ActorDep) -> list[NoteVersionSummary]:
    return [NoteVersionSummary.model_validate(row, from_attributes=True)
            for row in results.note_versions(session, actor, consultation_id)]


@router.get("/versions/{version}", response_model=NoteDocument, responses=_NOTE_RESPONSES,  # type: ignore[arg-type]
            summary="One version, in any format")
def get_version(consultation_id: str, version: Annotated[int, Path(ge=1, le=_MAX_VERSION)], runtime: RuntimeDep,
                session: SessionDep, actor: ActorDep,
                format: Annotated[NoteFormat, _FORMAT] = "json") -> Response:
    consultation, row = results.read_note(session, actor, consultation_id, version)
    return _respond(row, format, runtime, RecordingConsent.of(consultation))
