"""Stored text is bound to its cell (table, column, row): a ciphertext copied elsewhere cannot be read, and
migration 0007 re-binds what earlier versions stored (real SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text, update
from sqlalchemy.exc import StatementError
from sqlmodel import Session, select

from service.settings import Settings
from service.store.crypto import TEXT_PREFIX, TEXT_PREFIX_V1, Cell, IntegrityCheckFailed, KeyRing, load_keyring
from service.store.db import current_revision, make_engine, upgrade
from service.store.encrypted_columns import UnboundText
from service.store.models import Consultation, NoteVersion
from service.ehr.models import Launch
from tests.service.api_client import assert_problem, open_api


def _copy(engine: Engine, table: str, column: str, source: str, target: str, key: str = "id") -> None:
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET {column} = (SELECT {column} FROM {table} WHERE {key} = :source) "
                                f"WHERE {key} = :target"), {"source": source, "target": target})


def test_text_copied_to_another_tenants_row_or_column_fails_its_integrity_check(settings: Settings) -> None:
    for api in open_api(settings):
        ours = api.ready()
        theirs = api.create("runner_dehydration", key=api.other_key)
        assert api.wait(theirs, key=api.other_key)["status"] == "ready"
        _copy(api.engine, "consultation", "transcript_json", ours, theirs)
        assert_problem(api.get(f"/v1/consultations/{theirs}/transcript", key=api.other_key), 500,
                       "copied from another row or column")
        # Within one row too: the findings column's value is no transcript.
        with api.engine.begin() as connection:
            connection.execute(text("UPDATE consultation SET findings_json = transcript_json WHERE id = :id"),
                               {"id": ours})
        assert_problem(api.get(f"/v1/consultations/{ours}/findings"), 500, "integrity check")
        # A note version carries its consultation and number: version 1 of another consultation does not read.
        _copy(api.engine, "note_version", "markdown", ours, theirs, key="consultation_id")
        assert_problem(api.get(f"/v1/consultations/{theirs}/note", key=api.other_key,
                               params={"format": "markdown"}), 500, "integrity check")


def test_a_plain_string_cannot_be_written_to_an_encrypted_column_outside_the_orm(settings: Settings) -> None:
    for api in open_api(settings, start_worker=False):
        consultation_id = api.create()
        with Session(api.engine) as session, pytest.raises(StatementError) as raised:
            session.execute(update(Consultation).where(Consultation.id == consultation_id)  # type: ignore[arg-type]
                            .values(transcript_json="{}"))
        assert isinstance(raised.value.orig, UnboundText)


# ---- migration 0007 on data stored by earlier versions ----------------------------------------------------

TRANSCRIPT = '{"language": "en", "segments": [{"id": 0, "speaker": "patient", "text": "Cramps in my left calf."}]}'
NOTE = '{"sections": [], "suggestions": []}'
MARKDOWN = "## Subjective\nLeft calf cramps at night."
NOW = datetime(2024, 5, 1, tzinfo=UTC)


def _stored_by_an_earlier_version(engine: Engine, keys: KeyRing) -> None:
    """What a database at revision 0006 holds: v1 values (bound to nothing), and one legacy plaintext value."""
    v1 = keys.encrypt_text_v1
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO tenant (id, name, created_at) VALUES ('t1', 'clinic-a', :now)"),
                           {"now": NOW})
        for cid, transcript in (("c1", v1(TRANSCRIPT)), ("c2", v1(TRANSCRIPT)), ("c3", TRANSCRIPT)):
            connection.execute(text(
                "INSERT INTO consultation (id, tenant_id, status, progress, input_kind, transcript_json, findings_json,"
                " note_json, note_markdown, created_at, updated_at) VALUES (:id, 't1', 'ready', 1.0, 'transcript', "
                ":t, NULL, :n, :m, :now, :now)"),
                {"id": cid, "t": transcript, "n": v1(NOTE), "m": v1(MARKDOWN), "now": NOW})
        for version in (1, 2):
            connection.execute(text(
                "INSERT INTO note_version (consultation_id, version, status, edited_as, note_json, markdown, author, "
                "etag, created_at) VALUES ('c1', :v, 'draft', 'draft', :n, :m, 'soapscribe', :e, :now)"),
                {"v": version, "n": v1(NOTE), "m": v1(f"{MARKDOWN} v{version}"), "e": f'"e{version}"', "now": NOW})
        connection.execute(text(
            "INSERT INTO ehr_launch (id, fhir_base, token_endpoint, code_verifier, access_token, created_at) "
            "VALUES ('l1', 'http://127.0.0.1/fhir', 'http://127.0.0.1/token', 'v', :a, :now)"),
            {"a": v1("an-access-token"), "now": NOW})


def _raw(engine: Engine, query: str) -> list[str]:
    with engine.connect() as connection:
        return [value for row in connection.execute(text(query)).all() for value in row if value is not None]


def test_migration_0007_re_encrypts_existing_text_bound_to_its_row(store_settings: Settings) -> None:
    keys = load_keyring(store_settings)
    engine = make_engine(store_settings, keys)
    upgrade(engine, "0006")
    _stored_by_an_earlier_version(engine, keys)

    upgrade(engine, "0010")  # the last revision with the consultation's own copy of the note (0011 moves it)
    assert current_revision(engine) == "0010"
    consultation_text = _raw(engine, "SELECT transcript_json, note_json, note_markdown FROM consultation "
                                     "WHERE id <> 'c3'")
    bound = [*consultation_text, *_raw(engine, "SELECT note_json, markdown FROM note_version"),
             *_raw(engine, "SELECT access_token FROM ehr_launch")]
    assert len(bound) == 6 + 4 + 1 and all(value.startswith(TEXT_PREFIX) for value in bound)
    assert _raw(engine, "SELECT transcript_json FROM consultation WHERE id = 'c3'") == [TRANSCRIPT]  # for `rotate`
    with Session(engine) as session:
        assert [session.get(Consultation, cid).transcript_json for cid in ("c1", "c2", "c3")] == [TRANSCRIPT] * 3
        versions = session.exec(select(NoteVersion).order_by(NoteVersion.version)).all()
        assert [row.markdown for row in versions] == [f"{MARKDOWN} v1", f"{MARKDOWN} v2"]
        assert session.get(Launch, "l1").access_token == "an-access-token"

    # Bound now: c1's transcript no longer reads in c2's row, nor version 1 as version 2.
    [c1_transcript] = _raw(engine, "SELECT transcript_json FROM consultation WHERE id = 'c1'")
    with pytest.raises(IntegrityCheckFailed):
        keys.decrypt_text(c1_transcript, Cell("consultation", "transcript_json", ("c2",)))
    [markdown] = _raw(engine, "SELECT note_markdown FROM consultation WHERE id = 'c1'")
    assert keys.decrypt_text(markdown, Cell("consultation", "note_markdown", ("c1",))) == MARKDOWN
    [first] = _raw(engine, "SELECT markdown FROM note_version WHERE version = 1")
    assert keys.decrypt_text(first, Cell("note_version", "markdown", ("c1", "1"))) == f"{MARKDOWN} v1"
    with pytest.raises(IntegrityCheckFailed):
        keys.decrypt_text(first, Cell("note_version", "markdown", ("c1", "2")))

    upgrade(engine, "0010")  # nothing left to convert: a second run changes nothing
    assert _raw(engine, "SELECT transcript_json FROM consultation WHERE id = 'c1'") == [c1_transcript]

    from alembic import command

    from service.store.db import alembic_config

    with engine.begin() as connection:  # and back: the previous version reads its own format again
        command.downgrade(alembic_config(connection), "0006")
    [downgraded] = _raw(engine, "SELECT transcript_json FROM consultation WHERE id = 'c1'")
    assert downgraded.startswith(TEXT_PREFIX_V1) and keys.decrypt_text_v1(downgraded) == TRANSCRIPT
    engine.dispose()
