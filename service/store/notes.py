"""Note versions: the drafted note is version 1; each edit adds a version; signing closes the note.

Every version carries a strong ETag derived from consultation, version and status, so an edit based on
an older version (or made after signing) is refused instead of silently overwriting someone's work.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from sqlalchemy import Engine, bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired
from service.store.audit import Actor, record
from service.store.models import Consultation, NoteVersion, utcnow

DRAFTER = "soapscribe"
EditedAs = Literal["draft", "sections", "markdown"]  # draft: drafted by soapscribe


def etag_for(consultation_id: str, version: int, status: str) -> str:
    """A strong entity tag (quoted, as HTTP sends it) that changes with every version and with signing."""
    digest = hashlib.sha256(f"{consultation_id}-v{version}-{status}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def save_draft(engine: Engine, consultation_id: str, note_json: str, markdown: str) -> None:
    """Store the drafted note as version 1 and mark the consultation ready, in one transaction.

    A job that runs twice (a lease taken over) keeps the first version 1; a consultation deleted while
    its job ran stays deleted and gets no note.
    """
    with Session(engine) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None or consultation.status == "deleted":
            return
        if latest_or_none(session, consultation_id) is None:
            session.add(NoteVersion(consultation_id=consultation_id, version=1, status="draft", edited_as="draft",
                                    note_json=note_json, markdown=markdown, author=DRAFTER,
                                    etag=etag_for(consultation_id, 1, "draft")))
        session.execute(update(Consultation).where(col(Consultation.id) == consultation_id)
                        .where(col(Consultation.status) != "deleted")
                        .values(status="ready", progress=1.0, error=None, updated_at=utcnow()))
        session.commit()


# Built once, as it runs on every note read (building a statement costs more CPU time than running it).
_LATEST = (select(NoteVersion).where(NoteVersion.consultation_id == bindparam("consultation_id"))
           .order_by(col(NoteVersion.version).desc()).limit(1))


def latest_or_none(session: Session, consultation_id: str) -> NoteVersion | None:
    return session.exec(_LATEST, params={"consultation_id": consultation_id}).first()


def all_versions(session: Session, consultation_id: str) -> list[NoteVersion]:
    return list(session.exec(select(NoteVersion).where(NoteVersion.consultation_id == consultation_id)
                             .order_by(col(NoteVersion.version))).all())


def one_version(session: Session, consultation_id: str, version: int) -> NoteVersion:
    row = session.exec(select(NoteVersion).where(NoteVersion.consultation_id == consultation_id,
                                                 NoteVersion.version == version)).first()
    if row is None:
        raise NotFound(f"consultation {consultation_id} has no note version {version}")
    return row


def _check_precondition(current: NoteVersion, if_match: str | None, *, required: bool) -> None:
    if if_match is None:
        if required:
            raise PreconditionRequired("editing a note needs an If-Match header with the ETag of the version "
                                       "it is based on (GET .../note returns it)")
        return
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and current.etag not in tags:
        raise PreconditionFailed(f"the note has changed: the latest version is {current.version} "
                                 f"(ETag {current.etag}); fetch it and apply the edit again")


def check_editable(current: NoteVersion, if_match: str | None) -> None:
    """Refuse a new version on top of `current` now: signed (409), no If-Match (428) or a stale one (412)."""
    if current.status == "signed":
        raise Conflict(f"the note was signed (version {current.version}); a signed note cannot be edited")
    _check_precondition(current, if_match, required=True)


def add_version(session: Session, actor: Actor, current: NoteVersion, if_match: str | None, *,
                note_json: str, markdown: str, edited_as: EditedAs, author: str | None = None) -> NoteVersion:
    """Add version n+1 on top of `current`, which the caller read as the latest; audited as `update`.

    `author` defaults to the caller's key; a re-draft the caller asked for is the drafter's (`DRAFTER`).
    """
    check_editable(current, if_match)
    # A no-op UPDATE that locks the base version's row until commit: a concurrent sign either finishes
    # first (and this edit is refused) or waits and then sees that a newer version exists.
    still_draft = session.execute(update(NoteVersion).where(col(NoteVersion.id) == current.id)
                                  .where(col(NoteVersion.status) == "draft").values(status="draft"))
    if still_draft.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(f"the note was signed (version {current.version}); a signed note cannot be edited")
    number = current.version + 1
    row = NoteVersion(consultation_id=current.consultation_id, version=number, status="draft", edited_as=edited_as,
                      note_json=note_json, markdown=markdown, author=author or actor.author,
                      etag=etag_for(current.consultation_id, number, "draft"))
    session.add(row)
    record(session, actor, "update", current.consultation_id, number)
    try:
        session.commit()
    except IntegrityError as exc:
        # Another edit based on the same version won the race for number n+1.
        session.rollback()
        raise PreconditionFailed(f"the note was edited concurrently; version {number} already exists") from exc
    return row


def sign(session: Session, actor: Actor, current: NoteVersion, if_match: str | None) -> NoteVersion:
    """Mark the latest version signed; its ETag changes, and later edits are refused."""
    if current.status == "signed":
        raise Conflict(f"the note is already signed (version {current.version})")
    _check_precondition(current, if_match, required=False)
    now = utcnow()
    etag = etag_for(current.consultation_id, current.version, "signed")
    result = session.execute(update(NoteVersion).where(col(NoteVersion.id) == current.id)
                             .where(col(NoteVersion.status) == "draft")
                             .values(status="signed", signed_at=now, signed_by=actor.author, etag=etag))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(f"the note is already signed (version {current.version})")
    if latest_or_none(session, current.consultation_id).version != current.version:  # type: ignore[union-attr]
        session.rollback()
        raise PreconditionFailed("the note was edited while it was being signed; fetch it and sign again")
    record(session, actor, "sign", current.consultation_id, current.version)
    session.commit()
    session.refresh(current)
    return current


def purge(session: Session, consultation_id: str) -> None:
    """Delete every version's text (for DELETE of the consultation); the caller commits."""
    for row in all_versions(session, consultation_id):
        session.delete(row)
