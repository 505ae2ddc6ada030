"""Who is who in a recording: the caller says it at upload (`speakers`), or corrects it afterwards.

A correction re-assigns the roles in the stored transcript and re-runs extraction and drafting on it
(never ASR): the result is a new draft note version. The rules of note edits apply to it: the request
names the version it is based on (If-Match: 428 without, 412 when stale), a signed note cannot change
(409), and a version holding a clinician's edits is not replaced unless the caller says so
(`discard_edits`), since a re-draft starts from the transcript and would not carry those edits over.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints, ValidationError
from sqlmodel import Session

from nlp.diarize.roles import assign_roles
from nlp.transcript_io import parse_json, to_json
from nlp.types import Role, Transcript
from service.errors import BadInput, Conflict, NotReady
from service.scribe import Scribe
from service.store import consultations, notes
from service.store.audit import Actor
from service.store.models import NoteVersion

# "S1".."S99" (voices told apart by sound) or "ch1"/"ch2" (left/right channel of a stereo recording).
VoiceName = Annotated[str, StringConstraints(pattern=r"^(S[1-9][0-9]?|ch[12])$")]


class SpeakerMap(RootModel[dict[VoiceName, Role]]):
    """Voice -> role, e.g. {"S1": "clinician", "S2": "patient"} or {"ch1": "clinician"}."""


class SpeakersUpdate(BaseModel):
    """A correction of who is who: the voices named get these roles; the others keep theirs."""

    model_config = ConfigDict(extra="forbid")

    speakers: dict[VoiceName, Role] = Field(
        description='voice -> role, e.g. {"S2": "clinician", "S1": "patient"}; voices as in the transcript')
    discard_edits: bool = Field(default=False, description="re-draft even when the latest note version holds a "
                                                           "clinician's edits (that version stays in the history)")


def parse_speakers(text: str | None) -> dict[str, Role] | None:
    """The `speakers` form field of an upload (JSON voice -> role), or a BadInput saying what is wrong."""
    if text is None or not text.strip():
        return None
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"speakers: not JSON ({exc.msg} at character {exc.pos}); send e.g. "
                       '{"S1": "clinician", "S2": "patient"}') from exc
    try:
        roles = SpeakerMap.model_validate(loaded).root
    except ValidationError as exc:
        raise BadInput(f"speakers: {_first_error(exc)}") from exc
    if not roles:
        raise BadInput("speakers: name at least one voice, e.g. {\"S1\": \"clinician\"}")
    return roles


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"] if part != "[key]")
    if error["type"] == "string_pattern_mismatch":
        return f"{where!r} is not a voice: voices are S1, S2, ... (told apart by sound) or ch1, ch2 (stereo channels)"
    if error["type"] == "literal_error":
        return f"{where}: {error['input']!r} is not a role (clinician, patient or other)"
    if error["type"] == "dict_type":
        return "expected a JSON object of voice -> role, e.g. {\"S1\": \"clinician\", \"S2\": \"patient\"}"
    return f"{where or '(top)'}: {error['msg']}"


def apply_to_transcript(transcript: Transcript, speakers: dict[str, Role] | None) -> Transcript:
    """An uploaded transcript with the caller's roles (it must have diarized voices, e.g. exported JSON)."""
    if not speakers:
        return transcript
    try:
        return assign_roles(transcript, speakers)
    except ValueError as exc:
        raise BadInput(f"speakers: {exc}") from exc


def reassign(session: Session, actor: Actor, scribe: Scribe, consultation_id: str, update_: SpeakersUpdate,
             if_match: str | None) -> tuple[Transcript, NoteVersion]:
    """Set the named voices' roles, re-extract and re-draft: (the new transcript, the new note version)."""
    consultation = consultations.get(session, actor.tenant_id, consultation_id)
    if consultation.status != "ready" or consultation.transcript_json is None:
        raise NotReady(f"roles can be corrected once the consultation is ready (status: {consultation.status})")
    current = notes.latest_or_none(session, consultation_id)
    if current is None:
        raise NotReady("the consultation has no note yet")
    if not update_.speakers:
        raise BadInput("speakers: name at least one voice, e.g. {\"S1\": \"clinician\"}")
    # Cheap refusals first: Whisper is never re-run, but extraction and drafting take a moment.
    notes.check_editable(current, if_match)
    if current.edited_as != "draft" and not update_.discard_edits:
        raise Conflict(f"note version {current.version} holds edits by {current.author}; re-drafting from the "
                       "transcript would not keep them. Send discard_edits: true to re-draft anyway (version "
                       f"{current.version} stays in the history), or correct the note by hand")
    try:
        transcript = assign_roles(parse_json(consultation.transcript_json), update_.speakers)
    except ValueError as exc:
        raise BadInput(f"speakers: {exc}") from exc
    session.commit()  # hold no transaction while extraction runs; add_version checks the version again
    drafted = scribe.write_note(transcript)
    findings, note, markdown = drafted.findings, drafted.note, drafted.text
    # In the transaction of the new version: transcript, findings and note change together or not at all.
    if not consultations.replace_results(session, consultation_id, transcript_json=to_json(transcript),
                                         findings_json=findings.model_dump_json()):
        session.rollback()  # deleted (or re-queued) while extraction ran
        raise Conflict(f"consultation {consultation_id} changed while its roles were being corrected; try again")
    row = notes.add_version(session, actor, current, if_match, note_json=note.model_dump_json(), markdown=markdown,
                            edited_as="draft", author=notes.DRAFTER)
    return transcript, row
