"""Encryption at rest across the whole store: which key holds what, key rotation, and the start-up check.

What is encrypted: every recording file (service/store/encrypted_files.py) and every `EncryptedText`
column (service/store/encrypted_columns.py), found by its type, so a column added later is covered.
`rotate` re-encrypts, under the active key, everything under another key or still plaintext: one file
(atomic replace) or one row (conditional UPDATE) at a time, so it is safe to interrupt and run again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Column, Engine, String, Table, func, select, type_coerce, update
from sqlmodel import SQLModel, col

from service.ehr import models as _ehr_models  # noqa: F401  (registers the review app's tables)
from service.settings import Settings
from service.store import models as _models  # noqa: F401  (registers the tables)
from service.store.crypto import (TEXT_PREFIX, EncryptionKeyError, IntegrityCheckFailed, Key, KeyRing,
                                  key_file_path, read_key_file, text_key_id, write_key_file)
from service.store.encrypted_columns import EncryptedText, bound, cell, identity_columns
from service.store.models import Consultation
from service.store.recordings import RecordingStore

PLAINTEXT = "plaintext"  # the "key id" of data written before encryption at rest
_BATCH = 200
_STALE_TEMP_SECONDS = 24 * 3600
# At start, the recordings and text of this many of the most recently updated consultations are checked.
_START_SAMPLE = 100

Progress = Callable[[str, int, int], None]  # what, done, total


@dataclass
class Inventory:
    """How many recordings and text values each key id encrypts (PLAINTEXT: not encrypted yet)."""

    recordings: Counter[str] = field(default_factory=Counter)
    texts: Counter[str] = field(default_factory=Counter)

    def uses(self, kid: str) -> int:
        return self.recordings[kid] + self.texts[kid]


@dataclass
class Rotation:
    recordings: int = 0  # files re-encrypted
    texts: int = 0  # values re-encrypted
    stale_temp_files: int = 0  # leftovers of interrupted uploads/rotations removed
    left: Inventory = field(default_factory=Inventory)  # what is still not under the active key afterwards
    failed: list[str] = field(default_factory=list)  # what could not be read (damaged, or under a missing key)


def encrypted_columns() -> Iterator[tuple[Table, Column[str], list[Column[str]]]]:
    """(table, its single primary-key column, its encrypted columns) for every table with such columns."""
    for table in SQLModel.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, EncryptedText)]
        if columns:
            (primary,) = table.primary_key.columns  # every table holding patient text has a one-column key
            yield table, primary, columns


def _raw(column: Column[str]):  # type: ignore[no-untyped-def]
    """The column's stored value, not decrypted."""
    return type_coerce(column, String)


def inventory(engine: Engine, recordings: RecordingStore) -> Inventory:
    """Count what each key holds: every recording header and every encrypted column's key-id prefix."""
    found = Inventory()
    for sha256 in recordings.hashes():
        try:
            found.recordings[recordings.key_id(sha256) or PLAINTEXT] += 1
        except FileNotFoundError:
            continue
    start, width = len(TEXT_PREFIX) + 1, len(TEXT_PREFIX) + 16
    with engine.connect() as connection:
        for _table, _primary, columns in encrypted_columns():
            for column in columns:
                raw = _raw(column)
                kid = func.substr(raw, 1, width)
                rows = connection.execute(select(kid, func.count()).where(raw.is_not(None)).group_by(kid)).all()
                for prefix, count in rows:
                    found.texts[prefix[start - 1:] if prefix.startswith(TEXT_PREFIX) else PLAINTEXT] += count
    return found


def _stale_temp_files(recordings: RecordingStore) -> Iterator[Path]:
    """Temporary files of uploads or rotations that were killed (older than a day: none is still running)."""
    if not recordings.root.is_dir():
        return
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for pattern in (".upload-*", "*/.rotate-*"):
        for path in recordings.root.glob(pattern):
            if path.is_file() and path.stat().st_mtime < cutoff:
                yield path


def rotate(engine: Engine, recordings: RecordingStore, on_progress: Progress | None = None) -> Rotation:
    """Re-encrypt every recording and text value not under the active key (legacy plaintext included)."""
    keys = recordings.keys
    report = Rotation()
    for path in _stale_temp_files(recordings):
        path.unlink(missing_ok=True)
        report.stale_temp_files += 1
    hashes = list(recordings.hashes())
    for done, sha256 in enumerate(hashes, start=1):
        try:
            report.recordings += recordings.reencrypt(sha256)
        except (IntegrityCheckFailed, EncryptionKeyError) as exc:  # one bad file must not block the rest
            report.failed.append(exc.detail)
        if on_progress:
            on_progress("recordings", done, len(hashes))
    current = f"{TEXT_PREFIX}{keys.active.id}:%"
    for table, primary, columns in encrypted_columns():
        for column in columns:
            report.texts += _rotate_column(engine, table, primary, column, current, keys, on_progress,
                                           report.failed)
    report.left = inventory(engine, recordings)
    report.left.recordings.pop(keys.active.id, None)
    report.left.texts.pop(keys.active.id, None)
    return report


def _rotate_column(engine: Engine, table: Table, primary: Column[str], column: Column[str], current: str,
                   keys: KeyRing, on_progress: Progress | None, failed: list[str]) -> int:
    raw = _raw(column)
    stale = raw.is_not(None) & ~raw.like(current)
    what = f"{table.name}.{column.name}"
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(table).where(stale)).scalar_one()
    done = changed = 0
    last = None
    while done < total:
        # Keyset paging over the primary key: a row is visited once even if its update loses a race.
        identity = identity_columns(table)
        query = select(primary, raw, *identity).where(stale).order_by(primary).limit(_BATCH)
        if last is not None:
            query = query.where(primary > last)
        with engine.begin() as connection:
            rows = connection.execute(query).all()
            for row_id, stored, *names in rows:
                try:
                    plain = keys.decrypt_text(stored, cell(table, column.name, names))
                except (IntegrityCheckFailed, EncryptionKeyError) as exc:
                    failed.append(f"{what} of row {row_id}: {exc.detail}")
                    continue
                result = connection.execute(update(table).where(primary == row_id).where(raw == stored)
                                            .values(bound(table, names, {column.name: plain})))
                changed += result.rowcount  # 0: the application rewrote it meanwhile (under its active key)
        if not rows:
            break
        last = rows[-1][0]
        done += len(rows)
        if on_progress:
            on_progress(what, min(done, total), total)
    return changed


def check_at_start(engine: Engine, recordings: RecordingStore) -> None:
    """Refuse to start when recent data is under a key the ring lacks (a missing or replaced key file).

    Only a sample (the most recently updated consultations) is checked, so a start stays fast on a large
    store; `soapscribe encryption status` counts everything.
    """
    keys = recordings.keys
    columns = [column for column in Consultation.__table__.columns  # type: ignore[attr-defined]
               if isinstance(column.type, EncryptedText)]
    query = select(col(Consultation.recording_sha256), *(func.substr(_raw(c), 1, len(TEXT_PREFIX) + 16)
                                                         for c in columns))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(Consultation.updated_at.desc())  # type: ignore[attr-defined]
                                  .limit(_START_SAMPLE)).all()
    for sha256, *prefixes in rows:
        for prefix in prefixes:
            kid = text_key_id(prefix) if prefix else None
            if kid is not None:
                _require(keys, kid, "text")
        if sha256:
            try:
                kid = recordings.key_id(sha256)
            except FileNotFoundError:
                continue
            if kid is not None:
                _require(keys, kid, "recordings")


def _require(keys: KeyRing, kid: str, what: str) -> None:
    try:
        keys.get(kid, what)
    except EncryptionKeyError as exc:
        raise EncryptionKeyError(f"{exc.detail} (keys read from {keys.source}). Nothing was started: a key file "
                                 "generated because none was found (a volume not mounted?) would encrypt new data "
                                 "with the wrong key") from None


def new_key(settings: Settings) -> Key:
    """Add a generated key to the key file and make it the active one; the older keys stay to decrypt."""
    if settings.encryption_key is not None:
        raise EncryptionKeyError("the active key comes from SOAPSCRIBE_ENCRYPTION_KEY: to change it, put a new "
                                 "key there and move the old one into the key file (see docs/operations.md)")
    path = key_file_path(settings)
    if settings.encryption_key_file is not None or path.exists():
        existing = read_key_file(path) if path.exists() else []
    else:
        existing = []
    key = Key.generate()
    write_key_file(path, [key, *existing])
    return key


def remove_key(settings: Settings, engine: Engine, recordings: RecordingStore, kid: str) -> Inventory:
    """Drop a key from the key file; refused while anything is still encrypted with it, or if it is active."""
    path = key_file_path(settings)
    existing = read_key_file(path) if path.exists() else []
    if kid not in {key.id for key in existing}:
        raise EncryptionKeyError(f"key {kid} is not in the key file {path}")
    if existing[0].id == kid and settings.encryption_key is None:
        raise EncryptionKeyError(f"key {kid} is the active key; add a new one first (`soapscribe encryption "
                                 "new-key`), then rotate")
    found = inventory(engine, recordings)
    if found.uses(kid):
        raise EncryptionKeyError(f"{found.recordings[kid]} recordings and {found.texts[kid]} text values are "
                                 f"still encrypted with key {kid}; run `soapscribe encryption rotate` first")
    write_key_file(path, [key for key in existing if key.id != kid])
    return found


def check_keys(settings: Settings) -> None:
    """What a process checks before it starts serving: the keys load, and recent data is under them."""
    from service.store.crypto import load_keyring
    from service.store.db import create_schema, make_engine

    keys = load_keyring(settings)
    engine = make_engine(settings, keys)
    try:
        create_schema(engine)
        check_at_start(engine, RecordingStore(settings.recordings_dir, keys))
    finally:
        engine.dispose()
