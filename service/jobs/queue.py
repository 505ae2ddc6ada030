"""A durable job queue in the database: claim with a lease, renew it, finish or fail.

A job whose worker dies keeps `state='running'` until its lease expires; the
next claim then takes it again. Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, select

from service.store.models import Job, utcnow


def enqueue(session: Session, consultation_id: str) -> Job:
    job = Job(consultation_id=consultation_id)
    session.add(job)
    return job


def claim_next(engine: Engine, owner: str, lease_seconds: float) -> Job | None:
    """Take the oldest claimable job; returns None when there is nothing to do.

    Claimable: queued, or running with an expired lease. The conditional
    UPDATE makes the claim atomic when several workers race for one job.
    """
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        candidates = session.exec(
            select(Job.id)
            .where(or_(Job.state == "queued", (Job.state == "running") & (Job.lease_until < now)))
            .order_by(Job.created_at)
            .limit(5)
        ).all()
        for job_id in candidates:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id)
                .where(or_(Job.state == "queued", (Job.state == "running") & (Job.lease_until < now)))
                .values(state="running", lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds),
                        attempts=Job.attempts + 1, updated_at=now)
            )
            session.commit()
            if result.rowcount == 1:
                return session.get(Job, job_id)
    return None


def renew(engine: Engine, job_id: str, owner: str, lease_seconds: float) -> bool:
    """Extend the lease; False means another worker took the job over."""
    now = utcnow()
    with Session(engine) as session:
        result = session.execute(
            update(Job).where(Job.id == job_id, Job.lease_owner == owner, Job.state == "running")
            .values(lease_until=now + timedelta(seconds=lease_seconds), updated_at=now)
        )
        session.commit()
        return result.rowcount == 1


def finish(engine: Engine, job_id: str, state: str, error: str | None = None) -> None:
    with Session(engine) as session:
        session.execute(update(Job).where(Job.id == job_id)
                        .values(state=state, last_error=error, lease_until=None, updated_at=utcnow()))
        session.commit()


def release(engine: Engine, job_id: str, error: str) -> None:
    """Put a job back in the queue after a failure that another attempt may fix."""
    with Session(engine) as session:
        session.execute(update(Job).where(Job.id == job_id)
                        .values(state="queued", last_error=error, lease_owner=None, lease_until=None,
                                updated_at=utcnow()))
        session.commit()
