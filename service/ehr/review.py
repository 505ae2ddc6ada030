"""The clinician's decisions on knowledge-base suggestions: accepted into the note, or dismissed.

The note itself carries an accepted suggestion as an ordinary sentence (its reasons as `finding_ids`);
this record is what lets the review app show it as "accepted by clinician" and keep a dismissed
suggestion hidden, across reloads and reviewers.
"""

from __future__ import annotations

from typing import BinaryIO, Literal

from sqlmodel import Session, col, select

from knowledge.note import SUGGESTION_PLACE, Note
from service.ehr.models import SuggestionDecision
from service import results
from service.errors import Conflict, Gone, NotFound
from service.store import consultations
from service.store.audit import Actor
from service.store.models import utcnow
from service.store.recordings import RecordingStore

Decision = Literal["accepted", "dismissed"]


def decisions(session: Session, actor: Actor, consultation_id: str) -> list[SuggestionDecision]:
    """Every decision on the consultation's suggestions (a read: audited)."""
    consultations.read(session, actor, consultation_id)
    return list(session.exec(select(SuggestionDecision)
                             .where(SuggestionDecision.consultation_id == consultation_id,
                                    # chart reconciliation keeps its decisions here too (service/ehr/chart.py)
                                    ~col(SuggestionDecision.suggestion_id).startswith("chart:"))).all())


def decide(session: Session, actor: Actor, consultation_id: str, suggestion_id: str,
           decision: Decision) -> SuggestionDecision:
    """Record (or change) the decision on one suggestion of the latest note; refused once the note is signed."""
    consultation = consultations.get(session, actor.tenant_id, consultation_id)
    current = results.latest_version(session, consultation)
    if current.status == "signed":
        raise Conflict(f"the note was signed (version {current.version}); its suggestions are closed")
    suggestion = next((s for s in Note.model_validate_json(current.note_json).suggestions
                       if s.id == suggestion_id), None)
    if suggestion is None:
        raise NotFound(f"the note of consultation {consultation_id} has no suggestion {suggestion_id}")
    row = session.get(SuggestionDecision, (consultation_id, suggestion_id)) or SuggestionDecision(
        consultation_id=consultation_id, suggestion_id=suggestion_id, decision=decision, author=actor.author)
    row.decision = decision
    row.section = SUGGESTION_PLACE[suggestion.kind] if decision == "accepted" else None
    row.author = actor.author
    row.decided_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def recording(session: Session, actor: Actor, consultation_id: str, store: RecordingStore) -> tuple[BinaryIO, str]:
    """The consultation's recording, opened (decrypted as it is read; the caller closes it), and its media type
    (404 for a transcript upload)."""
    consultation = consultations.get(session, actor.tenant_id, consultation_id)
    if consultation.recording_sha256 is None:
        raise NotFound(f"consultation {consultation_id} has no recording (it was a transcript upload)")
    if consultation.audio_purged_at is not None:
        raise Gone(f"the recording of consultation {consultation_id} was purged at "
                   f"{consultation.audio_purged_at.isoformat()} (audio retention); its transcript and note remain")
    try:
        audio = store.open(consultation.recording_sha256)
    except FileNotFoundError as exc:
        raise NotFound(f"the recording of consultation {consultation_id} is no longer stored") from exc
    return audio, consultation.content_type or "application/octet-stream"
