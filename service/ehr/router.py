"""`/ehr/`: the review app's pages, its static files, SMART App Launch, and the few endpoints the v1 API does
not have (the recording for the audio player, decisions on suggestions, the EHR context and write-back)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from service.api.deps import ActorDep, RuntimeDep, SessionDep
from service.ehr import chart, review, smart
from service.errors import Unauthorized

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/ehr", tags=["ehr"])
_AUDIO_CHUNK = 64 * 1024

# The pages run only their own scripts and styles: transcript text can never become markup or code.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "media-src 'self' blob:; connect-src 'self'; frame-ancestors *; base-uri 'none'; "
                               "form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def static_files() -> StaticFiles:
    """The app's JavaScript modules and stylesheet (mounted at /ehr/static)."""
    return StaticFiles(directory=HERE / "static")


class DecisionIn(BaseModel):
    decision: Literal["accepted", "dismissed"]


class DecisionOut(BaseModel):
    suggestion_id: str
    decision: Literal["accepted", "dismissed"]
    section: str | None
    author: str


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {}, headers=_PAGE_HEADERS)


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, consultation_id: str) -> HTMLResponse:
    """The review screen in plain mode: the page asks for an API key and calls the v1 API with it."""
    return templates.TemplateResponse(request, "review.html", {"consultation_id": consultation_id},
                                      headers=_PAGE_HEADERS)


@router.get("/api/consultations/{consultation_id}/audio", response_class=StreamingResponse,
            summary="The consultation's recording, for the review app's audio player")
def get_audio(consultation_id: str, runtime: RuntimeDep, session: SessionDep, actor: ActorDep) -> StreamingResponse:
    audio, media_type = review.recording(session, actor, consultation_id, runtime.recordings)
    # The file is encrypted: it is decrypted chunk by chunk into the response (the app fetches it whole).
    size = audio.seek(0, 2)
    audio.seek(0)
    return StreamingResponse(_chunks(audio), media_type=media_type,
                             headers={"Cache-Control": "private, no-store", "Content-Length": str(size)})


def _chunks(audio: BinaryIO) -> Iterator[bytes]:
    with audio:
        while block := audio.read(_AUDIO_CHUNK):
            yield block


@router.get("/api/consultations/{consultation_id}/decisions", response_model=list[DecisionOut],
            summary="The clinician's decisions on the note's suggestions")
def get_decisions(consultation_id: str, session: SessionDep, actor: ActorDep) -> list[DecisionOut]:
    return [DecisionOut.model_validate(row, from_attributes=True)
            for row in review.decisions(session, actor, consultation_id)]


@router.put("/api/consultations/{consultation_id}/decisions/{suggestion_id}", response_model=DecisionOut,
            summary="Accept or dismiss one suggestion (409 once the note is signed)")
def put_decision(consultation_id: str, suggestion_id: str, body: Annotated[DecisionIn, Body()],
                 session: SessionDep, actor: ActorDep) -> DecisionOut:
    row = review.decide(session, actor, consultation_id, suggestion_id, body.decision)
    return DecisionOut.model_validate(row, from_attributes=True)


@router.get("/open", include_in_schema=False)
def open_consultation(id: str) -> RedirectResponse:  # noqa: A002  (the form field's name)
    """The index page's form: go to the review screen of the consultation with this id."""
    return RedirectResponse(f"/ehr/consultations/{quote(id, safe='')}", status_code=303)


# ---- SMART App Launch -----------------------------------------------------------------------------

_LAUNCH_COOKIE = "soapscribe_launch"


class LinkIn(BaseModel):
    consultation_id: str


class WrittenBack(BaseModel):
    composition: str
    document_reference: str


def _callback_url(request: Request, runtime: RuntimeDep) -> str:
    public = runtime.settings.public_url
    return f"{public.rstrip('/')}/ehr/callback" if public else str(request.url_for("smart_callback"))


@router.get("/launch", include_in_schema=False)
def smart_launch(request: Request, runtime: RuntimeDep, session: SessionDep, iss: str,
                 launch: str | None = None) -> RedirectResponse:
    """EHR launch (`iss` + `launch`) or standalone launch (`iss` only): off to the EHR's authorize endpoint."""
    launch_id, authorize_url = smart.begin(session, runtime.settings, iss, launch, _callback_url(request, runtime))
    response = RedirectResponse(authorize_url, status_code=302)
    response.set_cookie(_LAUNCH_COOKIE, launch_id, max_age=int(smart.PENDING_FOR.total_seconds()), httponly=True,
                        samesite="lax", path="/ehr")
    return response


@router.get("/callback", name="smart_callback", include_in_schema=False)
def smart_callback(request: Request, runtime: RuntimeDep, session: SessionDep, state: str,
                   code: str | None = None, error: str | None = None) -> RedirectResponse:
    """The EHR's answer: swap the code for the context, then open the encounter's consultation (or start one).

    The page's API key travels in the URL fragment, which browsers never send to a server.
    """
    if request.cookies.get(_LAUNCH_COOKIE) != state:
        raise Unauthorized("this launch was not started in this browser: open the app from the EHR again")
    if error or not code:
        raise Unauthorized(f"the EHR did not authorize the app: {error or 'no code'}")
    launch, key, consultation_id = smart.complete(session, runtime.settings, state, code,
                                                  _callback_url(request, runtime))
    target = f"/ehr/consultations/{consultation_id}" if consultation_id else f"/ehr/launches/{launch.id}"
    response = RedirectResponse(f"{target}#key={quote(key, safe='')}", status_code=303)
    response.delete_cookie(_LAUNCH_COOKIE, path="/ehr")
    return response


@router.get("/launches/{launch_id}", response_class=HTMLResponse, include_in_schema=False)
def launch_page(request: Request, launch_id: str) -> HTMLResponse:
    """After a launch for an encounter without a consultation: upload its recording or transcript."""
    return templates.TemplateResponse(request, "launch.html", {"launch_id": launch_id}, headers=_PAGE_HEADERS)


@router.get("/api/launches/{launch_id}", summary="The patient and encounter a SMART launch gave")
def get_launch(launch_id: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return smart.launch_context(session, actor, launch_id)


@router.put("/api/launches/{launch_id}/consultation", summary="Make a consultation the launch encounter's one")
def put_launch_consultation(launch_id: str, body: LinkIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    found = smart.link(session, actor, launch_id, body.consultation_id)
    return {"consultation_id": found.consultation_id, "encounter": found.encounter_ref, "patient": found.patient_ref}


@router.get("/api/consultations/{consultation_id}/context",
            summary="The EHR patient and encounter of a consultation opened from an EHR (404 in plain mode)")
def get_context(consultation_id: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return smart.consultation_context(session, actor, consultation_id)


@router.post("/api/consultations/{consultation_id}/write-back", response_model=WrittenBack,
             summary="Write the signed note to the EHR as a Composition and a DocumentReference")
def post_write_back(consultation_id: str, runtime: RuntimeDep, session: SessionDep, actor: ActorDep) -> WrittenBack:
    found = smart.write_back(session, actor, consultation_id, runtime.settings.templates_dir)
    return WrittenBack(composition=found.composition or "", document_reference=found.document_reference or "")


# ---- Reconciliation with the chart (SMART launch only) --------------------------------------------

class ChartDecisionIn(BaseModel):
    decision: chart.ChartDecision


@router.get("/api/consultations/{consultation_id}/reconciliation", response_model=chart.ReconciliationView,
            summary="What the consultation says against the EHR chart: new, stopped, dose, frequency and result "
                    "differences (404 in plain mode: no chart)")
def get_reconciliation(consultation_id: str, runtime: RuntimeDep, session: SessionDep,
                       actor: ActorDep) -> chart.ReconciliationView:
    return chart.reconciliation(session, actor, consultation_id, runtime.settings)


@router.put("/api/consultations/{consultation_id}/reconciliation/{item_id}", response_model=chart.ItemView,
            summary="Confirm or dismiss one reconciliation item (recorded and audited; the chart is not changed)")
def put_reconciliation_decision(consultation_id: str, item_id: str, body: Annotated[ChartDecisionIn, Body()],
                                runtime: RuntimeDep, session: SessionDep, actor: ActorDep) -> chart.ItemView:
    return chart.decide(session, actor, consultation_id, item_id, body.decision, runtime.settings)


@router.post("/api/consultations/{consultation_id}/reconciliation/{item_id}/add-to-chart",
             response_model=chart.AddedToChart, status_code=201,
             summary="Add a new medication to the EHR chart as a MedicationStatement (the clinician's click)")
def post_add_to_chart(consultation_id: str, item_id: str, runtime: RuntimeDep, session: SessionDep,
                      actor: ActorDep) -> chart.AddedToChart:
    return chart.add_to_chart(session, actor, consultation_id, item_id, runtime.settings)
