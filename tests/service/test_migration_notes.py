"""Migration 0011: the note lives only in its versions; a note stored only on its consultation becomes version 1,
nothing is lost, and the downgrade gives the columns back (real SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, col, select

from service.settings import Settings
from service.store import notes
from service.store.crypto import Cell, KeyRing, load_keyring
from service.store.db import alembic_config, current_revision, make_engine, upgrade
from service.store.models import NoteVersion

NOTE = '{"sections": [], "suggestions": []}'
EDITED = '{"sections": [{"code": "plan", "title": "Plan", "sentences": []}], "suggestions": []}'
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def _note(name: str) -> str:
    return f"## Subjective\nLeft calf cramps at night ({name})."


def _stored_at_0010(engine: Engine, keys: KeyRing) -> None:
    """A note versioned as usual, one only on its consultation (encrypted, and legacy plaintext), a queued
    consultation, and a note whose ciphertext belongs to another row (unreadable before as after)."""
    def on_consultation(cid: str, column: str, value: str) -> str:
        return keys.encrypt_text(value, Cell("consultation", column, (cid,)))

    with engine.begin() as connection:
        connection.execute(text("INSERT INTO tenant (id, name, created_at) VALUES ('t1', 'clinic-a', :now)"),
                           {"now": NOW})
        rows = {
            "versioned": (on_consultation("versioned", "note_json", NOTE),
                          on_consultation("versioned", "note_markdown", _note("versioned"))),
            "unversioned": (on_consultation("unversioned", "note_json", NOTE),
                            on_consultation("unversioned", "note_markdown", _note("unversioned"))),
            "legacy": (NOTE, _note("legacy")),
            "queued": (None, None),
            "damaged": (on_consultation("other", "note_json", NOTE), _note("damaged")),
        }
        for cid, (note_json, markdown) in rows.items():
            connection.execute(text(
                "INSERT INTO consultation (id, tenant_id, status, progress, input_kind, note_json, note_markdown, "
                "created_at, updated_at) VALUES (:id, 't1', :status, 1.0, 'transcript', :n, :m, :now, :now)"),
                {"id": cid, "status": "queued" if note_json is None else "ready", "n": note_json, "m": markdown,
                 "now": NOW})
        for version, author, note_json, markdown in ((1, "soapscribe", NOTE, _note("versioned")),
                                                     (2, "apikey:k1", EDITED, _note("versioned, edited"))):
            cell = ("versioned", str(version))
            connection.execute(text(
                "INSERT INTO note_version (consultation_id, version, status, edited_as, note_json, markdown, author, "
                "etag, created_at) VALUES ('versioned', :v, 'draft', :as, :n, :m, :a, :e, :now)"),
                {"v": version, "as": "draft" if version == 1 else "sections", "a": author,
                 "n": keys.encrypt_text(note_json, Cell("note_version", "note_json", cell)),
                 "m": keys.encrypt_text(markdown, Cell("note_version", "markdown", cell)),
                 "e": notes.etag_for("versioned", version, "draft"), "now": NOW})


def _versions(engine: Engine) -> list[tuple[str, int, str, str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(NoteVersion).order_by(col(NoteVersion.consultation_id),
                                                         col(NoteVersion.version))).all()
        return [(row.consultation_id, row.version, row.author, row.etag, row.note_json, row.markdown) for row in rows]


def test_migration_0011_moves_notes_into_versions_and_drops_the_copies(store_settings: Settings,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    keys = load_keyring(store_settings)
    engine = make_engine(store_settings, keys)
    upgrade(engine, "0010")
    _stored_at_0010(engine, keys)

    with caplog.at_level(logging.WARNING, logger="alembic.runtime.migration"):
        upgrade(engine, "0011")
    assert current_revision(engine) == "0011"
    columns = {column["name"] for column in inspect(engine).get_columns("consultation")}
    assert not {"note_json", "note_markdown"} & columns and "transcript_json" in columns
    moved = _versions(engine)
    assert moved == [
        ("legacy", 1, "soapscribe", notes.etag_for("legacy", 1, "draft"), NOTE, _note("legacy")),
        ("unversioned", 1, "soapscribe", notes.etag_for("unversioned", 1, "draft"), NOTE, _note("unversioned")),
        ("versioned", 1, "soapscribe", notes.etag_for("versioned", 1, "draft"), NOTE, _note("versioned")),
        ("versioned", 2, "apikey:k1", notes.etag_for("versioned", 2, "draft"), EDITED, _note("versioned, edited")),
    ]
    assert "consultation damaged" in caplog.text and "integrity check" in caplog.text
    with engine.connect() as connection:  # moved text is encrypted for its new cell, legacy plaintext too
        stored = connection.execute(text("SELECT markdown FROM note_version WHERE consultation_id = 'legacy'")).scalar()
    assert keys.decrypt_text(stored, Cell("note_version", "markdown", ("legacy", "1"))) == _note("legacy")
    assert stored != _note("legacy")

    with engine.begin() as connection:  # and back: the columns hold the latest note soapscribe drafted
        command.downgrade(alembic_config(connection), "0010")
    with engine.connect() as connection:
        back = dict(connection.execute(text("SELECT id, note_markdown FROM consultation "
                                            "WHERE note_markdown IS NOT NULL")).all())
    assert sorted(back) == ["legacy", "unversioned", "versioned"]
    assert {cid: keys.decrypt_text(value, Cell("consultation", "note_markdown", (cid,)))
            for cid, value in back.items()} == {cid: _note(cid) for cid in back}

    upgrade(engine, "0011")  # up again: every note has its versions already, none is added twice
    assert _versions(engine) == moved
    engine.dispose()
