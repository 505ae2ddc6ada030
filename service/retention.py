"""Audio retention: a consultation's recording is deleted once it is older than the retention period.

The transcript, findings and every note version stay; the consultation records `audio_purged_at`, and the
audit log a `purge` event with no API key (soapscribe did it, not a caller). Both worker modes run
`purge_expired` every `retention_sweep_seconds` (`RetentionSchedule`); `soapscribe retention run` runs it once.

Recordings are content-addressed, so one file may back several consultations (see `consultations.delete`).
A file is deleted only when no consultation that still needs it (neither deleted nor purged) was made from
the same bytes, and only if it was last written before the cutoff: an upload of the same bytes rewrites
the file before its consultation row exists, and such an upload in flight must keep its file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from service.settings import Settings
from service.store.audit import Actor, record
from service.store.consultations import recording_in_use
from service.store.models import Consultation, utcnow
from service.store.recordings import RecordingStore

log = logging.getLogger(__name__)

# A consultation whose job is queued or running still needs its recording; it is purged once it is done.
PURGEABLE = ("ready", "failed")
_BATCH = 500


@dataclass(frozen=True)
class Purge:
    """What one retention run did: the consultations whose recording it purged, and the files it deleted."""

    consultation_ids: list[str]
    files_deleted: int


def purge_expired(engine: Engine, recordings: RecordingStore, retention_days: int, *,
                  now: datetime | None = None) -> Purge:
    """Purge the recordings of consultations created more than `retention_days` ago (0: keep them all).

    Safe to run from several workers at once: each consultation is marked by one conditional UPDATE, so
    exactly one run purges and audits it.
    """
    if retention_days <= 0:
        return Purge([], 0)
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    purged: list[str] = []
    deleted = 0
    with Session(engine) as session:
        while True:
            batch, hashes = _mark_batch(session, cutoff, now)
            purged.extend(batch)
            deleted += sum(_delete_if_unneeded(session, recordings, sha256, cutoff) for sha256 in hashes)
            if len(batch) < _BATCH:
                break
    if purged:
        log.info("purged recordings past the retention period",
                 extra={"consultations": len(purged), "files": deleted, "retention_days": retention_days})
    return Purge(purged, deleted)


def _mark_batch(session: Session, cutoff: datetime, now: datetime) -> tuple[list[str], set[str]]:
    """Mark up to one batch of expired consultations purged and audit each; committed before any file goes."""
    rows = session.exec(select(Consultation.id, Consultation.tenant_id, Consultation.recording_sha256)
                        .where(col(Consultation.recording_sha256).is_not(None),
                               col(Consultation.audio_purged_at).is_(None),
                               col(Consultation.status).in_(PURGEABLE),
                               col(Consultation.created_at) < cutoff)
                        .order_by(col(Consultation.created_at)).limit(_BATCH)).all()
    purged: list[str] = []
    hashes: set[str] = set()
    for consultation_id, tenant_id, sha256 in rows:
        result = session.exec(update(Consultation).where(col(Consultation.id) == consultation_id)
                              .where(col(Consultation.audio_purged_at).is_(None))
                              .where(col(Consultation.status).in_(PURGEABLE))
                              .values(audio_purged_at=now, updated_at=now))
        if result.rowcount == 1:  # 0: another worker purged it, or it was deleted
            record(session, Actor(tenant_id), "purge", consultation_id)
            purged.append(consultation_id)
            hashes.add(sha256)  # type: ignore[arg-type]
    session.commit()
    return purged, hashes


def _delete_if_unneeded(session: Session, recordings: RecordingStore, sha256: str, cutoff: datetime) -> bool:
    if recording_in_use(session, sha256):
        return False
    path = recordings.path_for(sha256)
    try:
        if datetime.fromtimestamp(path.stat().st_mtime, UTC) >= cutoff:
            return False  # written again since the cutoff: an upload of the same bytes is in flight
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        # Left for the next run to see as unneeded; the consultation is already marked purged.
        log.warning("could not delete a purged recording", exc_info=True)
        return False
    return True


class RetentionSchedule:
    """Runs `purge_expired` when due: at the first call, then every `retention_sweep_seconds`."""

    def __init__(self, settings: Settings, engine: Engine, recordings: RecordingStore,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.engine = engine
        self.recordings = recordings
        self.clock = clock
        self._due = 0.0

    def run_if_due(self) -> Purge | None:
        """Purge now if the sweep interval has passed (None when it has not, or retention is off)."""
        if self.settings.audio_retention_days <= 0 or self.clock() < self._due:
            return None
        # Set before running: a run that fails (database down) is tried again only at the next interval.
        self._due = self.clock() + self.settings.retention_sweep_seconds
        return purge_expired(self.engine, self.recordings, self.settings.audio_retention_days)
