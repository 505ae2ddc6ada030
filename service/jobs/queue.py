"""A durable job queue in the database: claim with a lease, renew it, finish or fail.

A job whose worker dies keeps `state='running'` until its lease expires; the
next claim then takes it again. Works the same on SQLite and PostgreSQL.
With a broker, `dispatched_at` records that a message for the job is out, so a
sweep can re-send the jobs whose message was lost or whose worker died.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, event, or_, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from service.store.models import Job, utcnow

log = logging.getLogger(__name__)

Announce = Callable[[str], object]
_ANNOUNCE = "announce_job"  # the session's `info` key of its announcer


def announcing(announce: Announce) -> dict[str, object]:
    """A session's `info` that makes it call `announce(job_id)` for each job it queued, once the transaction that
    queued the job has committed (the runtime's sessions: send the job to the broker, or wake the embedded worker).

    It runs once the transaction has ended and its connection is back in the pool, so announcing
    (which may use the database again) never holds two connections at once.
    """
    return {_ANNOUNCE: announce}


def enqueue(session: Session, consultation_id: str) -> Job:
    """Add a job to the session's transaction; it is announced (see `announcing`) when that commits."""
    job = Job(consultation_id=consultation_id)
    session.add(job)
    if _ANNOUNCE in session.info:
        if not event.contains(session, "after_commit", _committed):
            event.listen(session, "after_commit", _committed)  # this session's listeners, no other session's
            event.listen(session, "after_soft_rollback", _rolled_back)
            event.listen(session, "after_transaction_end", _announce_committed)
        session.info.setdefault("queued_jobs", []).append(job.id)
    return job


def _committed(session: OrmSession) -> None:
    if "queued_jobs" in session.info:
        session.info.setdefault("committed_jobs", []).extend(session.info.pop("queued_jobs"))


def _rolled_back(session: OrmSession, _transaction: object) -> None:
    session.info.pop("queued_jobs", None)


def _announce_committed(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or "committed_jobs" not in session.info:
        return
    job_ids = session.info.pop("committed_jobs")
    announce: Announce = session.info[_ANNOUNCE]
    for job_id in job_ids:
        announce(job_id)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Queued, or running with an expired lease (its worker died or hung)."""
    return or_(col(Job.state) == "queued", (col(Job.state) == "running") & (col(Job.lease_until) < now))


def claim_next(engine: Engine, owner: str, lease_seconds: float) -> Job | None:
    """Take the oldest claimable job; returns None when there is nothing to do.

    The conditional UPDATE makes the claim atomic when several workers race for one job.
    """
    with Session(engine) as session:
        candidates = session.exec(
            select(Job.id).where(_claimable(utcnow())).order_by(col(Job.created_at)).limit(5)
        ).all()
    for job_id in candidates:
        job = claim(engine, job_id, owner, lease_seconds)
        if job is not None:
            return job
    return None


def claim(engine: Engine, job_id: str, owner: str, lease_seconds: float) -> Job | None:
    """Take this job if it is claimable (a broker message names it); None if it is running, done or gone."""
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        result = session.exec(
            update(Job).where(col(Job.id) == job_id).where(_claimable(now))
            .values(state="running", lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=Job.attempts + 1, dispatched_at=None, updated_at=now)
        )
        session.commit()
        return session.get(Job, job_id) if result.rowcount == 1 else None


def renew(engine: Engine, job_id: str, owner: str, lease_seconds: float) -> bool:
    """Extend the lease; False means another worker took the job over."""
    now = utcnow()
    with Session(engine) as session:
        result = session.exec(
            update(Job).where(col(Job.id) == job_id, col(Job.lease_owner) == owner, col(Job.state) == "running")
            .values(lease_until=now + timedelta(seconds=lease_seconds), updated_at=now)
        )
        session.commit()
        return result.rowcount == 1


def finish(engine: Engine, job_id: str, state: str, error: str | None = None, *, owner: str | None = None) -> bool:
    """Mark the job done or failed; with `owner`, only while that worker still holds it (False otherwise)."""
    statement = update(Job).where(col(Job.id) == job_id)
    if owner is not None:
        statement = statement.where(col(Job.lease_owner) == owner, col(Job.state) == "running")
    with Session(engine) as session:
        result = session.exec(statement.values(state=state, last_error=error, lease_until=None,
                                               updated_at=utcnow()))
        session.commit()
        return result.rowcount == 1


def release(engine: Engine, job_id: str, error: str, *, owner: str | None = None, count_attempt: bool = True) -> bool:
    """Put a job back in the queue after a failure that another attempt may fix, or when its worker stops
    (`count_attempt=False`: the claim's attempt is given back). With `owner`, only while that worker holds it."""
    statement = update(Job).where(col(Job.id) == job_id)
    if owner is not None:
        statement = statement.where(col(Job.lease_owner) == owner, col(Job.state) == "running")
    values: dict[str, object] = dict(state="queued", last_error=error, lease_owner=None, lease_until=None,
                                     dispatched_at=None, updated_at=utcnow())
    if not count_attempt:
        values["attempts"] = Job.attempts - 1
    with Session(engine) as session:
        result = session.exec(statement.values(values))
        session.commit()
        return result.rowcount == 1


def mark_dispatched(engine: Engine, job_id: str, redispatch_seconds: float) -> bool:
    """Record that a message for the job is about to be sent; False if one is already out (send nothing).

    A job needs a message when it is claimable and none was sent, or the last
    one was sent `redispatch_seconds` ago and nobody took it (a lost message).
    """
    now = utcnow()
    with Session(engine) as session:
        result = session.exec(
            update(Job).where(col(Job.id) == job_id).where(_claimable(now))
            .where(or_(col(Job.dispatched_at).is_(None),
                       col(Job.dispatched_at) < now - timedelta(seconds=redispatch_seconds)))
            .values(dispatched_at=now)
        )
        session.commit()
        return result.rowcount == 1


def unmark_dispatched(engine: Engine, job_id: str) -> None:
    """The message could not be sent: leave the job for the next sweep."""
    with Session(engine) as session:
        session.exec(update(Job).where(col(Job.id) == job_id).values(dispatched_at=None))
        session.commit()


def undispatched(engine: Engine, redispatch_seconds: float, limit: int = 100) -> list[str]:
    """Ids of claimable jobs that have no message out (see `mark_dispatched`), oldest first."""
    now = utcnow()
    with Session(engine) as session:
        return list(session.exec(
            select(Job.id).where(_claimable(now))
            .where(or_(col(Job.dispatched_at).is_(None),
                       col(Job.dispatched_at) < now - timedelta(seconds=redispatch_seconds)))
            .order_by(col(Job.created_at)).limit(limit)
        ).all())
