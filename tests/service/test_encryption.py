"""Encryption at rest: nothing readable on disk or in the database without the key; the API still answers in
plaintext; key rotation; damaged files and missing keys fail clearly (SQLite and PostgreSQL, real app)."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from scripts.render_consultation import render
from service.cli import app as cli
from service.scribe import Scribe
from service.settings import Settings, get_settings
from service.store.crypto import (TEXT_PREFIX, Cell, EncryptionKeyError, IntegrityCheckFailed, Key, KeyRing,
                                  load_keyring, read_key_file, write_key_file)
from service.store.encrypted_files import CHUNK_SIZE, HEADER_BYTES, MAGIC
from service.store.recordings import RecordingStore
from tests.service.api_client import Api, assert_problem, encode_tone, open_api
from tests.conftest import Models

# Said in the transcript upload: none of it may be found in the database's files or raw values.
NEEDLES = ["furosemide", "left calf", "three times a week", "magnesium supplement", "numbness or tingling"]
SPOKEN = "Doctor: Are you still taking the furosemide?\nPatient: Yes, forty milligrams every morning.\n"


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A short spoken exchange (espeak-ng), as a WAV file: its RIFF/WAVE header must not survive on disk."""
    path = tmp_path_factory.mktemp("spoken") / "exchange.wav"
    render(SPOKEN, path, speed=170)
    return path.read_bytes()


@pytest.fixture(scope="module")
def scribe(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, models: Models) -> Scribe:
    """The run's models, as one worker process has one set (speakers are not what is tested here)."""
    return models.scribe(Settings(data_dir=tmp_path_factory.mktemp("scribe"), models_dir=model_cache,
                                  diarization="off"))


def open_app(settings: Settings, scribe: Scribe) -> Iterator[Api]:
    """The real app and its embedded worker, running the module's models."""
    for api in open_api(settings, start_worker=False):
        api.runtime.scribe = scribe
        api.runtime.start_worker()
        yield api


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The CLI in-process: it reads its settings from SOAPSCRIBE_* (read once, so the cache is cleared)."""
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def use_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("SOAPSCRIBE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SOAPSCRIBE_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()


def raw_database_text(settings: Settings, engine: Engine) -> str:
    """Everything the database holds, as stored: the SQLite files' bytes, or every PostgreSQL row as text."""
    if not settings.database_url:
        files = sorted(settings.data_dir.glob("soapscribe.db*"))  # the database and its WAL
        return b"".join(path.read_bytes() for path in files).decode("latin-1").lower()
    with engine.connect() as connection:
        tables = connection.execute(text("SELECT table_name FROM information_schema.tables "
                                         "WHERE table_schema = current_schema()")).scalars().all()
        rows = [connection.execute(text(f'SELECT t::text FROM "{table}" t')).scalars().all() for table in tables]
    return "\n".join(row for table_rows in rows for row in table_rows).lower()


def recording_files(settings: Settings) -> list[Path]:
    return [path for path in settings.recordings_dir.rglob("*") if path.is_file()]


# ---- stored text and recordings, through the API ----------------------------------------------------------


def test_nothing_stored_is_readable_without_the_key_and_the_api_answers_in_plaintext(
        store_settings: Settings, spoken_wav: bytes, scribe: Scribe) -> None:
    audio = spoken_wav
    for api in open_app(store_settings, scribe):
        typed = api.create()
        spoken = api.create("exchange", field="audio", content=audio)
        assert api.wait(typed)["status"] == "ready"
        assert api.wait(spoken, timeout=120)["status"] == "ready"

        # The API gives the plaintext back.
        said = " ".join(s["text"] for s in api.get(f"/v1/consultations/{typed}/transcript").json()["segments"])
        assert "furosemide forty milligrams" in said
        assert "urosemide" in api.get(f"/v1/consultations/{typed}/note", params={"format": "markdown"}).text
        heard = [s["text"] for s in api.get(f"/v1/consultations/{spoken}/transcript").json()["segments"]]
        assert heard, "Whisper heard the spoken exchange"
        assert api.get(f"/ehr/api/consultations/{spoken}/audio").content == audio

        # On disk and in the database: nothing of it.
        files = recording_files(store_settings)
        assert len(files) == 1
        raw_recording = files[0].read_bytes()
        assert raw_recording.startswith(MAGIC)
        assert audio[:4] == b"RIFF" and b"RIFF" not in raw_recording and b"WAVE" not in raw_recording
        assert audio[1000:1064] not in raw_recording  # nor any stretch of the samples
        database = raw_database_text(store_settings, api.engine)
        words_heard = [word for line in heard for word in line.lower().split() if len(word) > 6]
        for needle in [*NEEDLES, *words_heard]:
            assert needle.lower() not in database, needle
        with api.engine.connect() as connection:
            stored = connection.execute(text("SELECT transcript_json, findings_json FROM consultation")).all()
            versions = connection.execute(text("SELECT note_json, markdown FROM note_version")).all()
        assert len(stored) == 2 and len(versions) == 2
        assert all(value.startswith(TEXT_PREFIX) for row in [*stored, *versions] for value in row)


def test_a_tampered_recording_fails_its_job_with_a_readable_reason(settings: Settings, scribe: Scribe) -> None:
    tone = encode_tone("wav", "pcm_s16le", seconds=5.0)  # 160 kB: three chunks
    for api in open_api(settings, start_worker=False):
        consultation_id = api.create("tone", field="audio", content=tone)
        (path,) = recording_files(settings)
        damaged = bytearray(path.read_bytes())
        damaged[HEADER_BYTES + 1000] ^= 0x01  # one bit of the first chunk: found when PyAV reads it
        path.write_bytes(bytes(damaged))
        api.runtime.scribe = scribe
        api.runtime.start_worker()
        status = api.wait(consultation_id)
        assert status["status"] == "failed"
        assert "failed its integrity check" in status["error"] and "chunk 1 of 3" in status["error"]

        damaged[-1] ^= 0x01  # and the last chunk's tag: found when the file is opened
        path.write_bytes(bytes(damaged))
        assert_problem(api.get(f"/ehr/api/consultations/{consultation_id}/audio"), 500, "integrity check")


# ---- key rotation, legacy plaintext, missing keys ----------------------------------------------------------


def test_rotation_re_encrypts_everything_so_the_old_key_can_go(store_settings: Settings, cli_env: CliRunner,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    tone = encode_tone("wav", "pcm_s16le", seconds=1.0)
    legacy_transcript = '{"language": "en", "duration": 2.0, "segments": [{"id": 0, "speaker": "patient", ' \
                        '"start": 0.0, "end": 2.0, "text": "I stopped the atorvastatin last spring.", "words": []}]}'
    for api in open_api(store_settings, start_worker=False):
        encrypted = api.create()
        legacy = api.create()
        recording = api.create("tone", field="audio", content=tone)
        old_key = api.runtime.recordings.keys.active.id
        # Written before encryption at rest existed: a plaintext row and a plaintext file.
        with api.engine.begin() as connection:
            connection.execute(text("UPDATE consultation SET transcript_json = :t WHERE id = :id"),
                               {"t": legacy_transcript, "id": legacy})
        (path,) = recording_files(store_settings)
        path.write_bytes(tone)
        assert "atorvastatin" in api.get(f"/v1/consultations/{legacy}/transcript").text
        assert api.get(f"/ehr/api/consultations/{recording}/audio").content == tone

    use_settings(monkeypatch, store_settings)
    added = cli_env.invoke(cli, ["encryption", "new-key"])
    assert added.exit_code == 0, added.output
    new_key = added.stdout.strip().splitlines()[-1]
    key_file = store_settings.data_dir / "encryption.keys"
    assert [key.id for key in read_key_file(key_file)] == [new_key, old_key]

    refused = cli_env.invoke(cli, ["encryption", "remove-key", old_key])
    assert refused.exit_code == 1
    assert f"still encrypted with key {old_key}; run `soapscribe encryption rotate` first" in refused.output
    assert "Traceback" not in refused.output

    rotated = cli_env.invoke(cli, ["encryption", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 1 recording(s) and 2 text value(s)" in rotated.output
    again = cli_env.invoke(cli, ["encryption", "rotate"])  # an interrupted or repeated rotation: nothing left
    assert "re-encrypted 0 recording(s) and 0 text value(s)" in again.output

    removed = cli_env.invoke(cli, ["encryption", "remove-key", old_key])
    assert removed.exit_code == 0, removed.output
    assert [key.id for key in read_key_file(key_file)] == [new_key]
    assert path.read_bytes()[len(MAGIC):len(MAGIC) + 16] == new_key.encode()

    for api in open_api(store_settings, start_worker=False):
        assert "furosemide" in api.get(f"/v1/consultations/{encrypted}/transcript").text
        assert "atorvastatin" in api.get(f"/v1/consultations/{legacy}/transcript").text
        assert api.get(f"/ehr/api/consultations/{recording}/audio").content == tone
        with api.engine.connect() as connection:
            values = connection.execute(text("SELECT transcript_json FROM consultation")).scalars().all()
        assert all(value.startswith(f"{TEXT_PREFIX}{new_key}:") for value in values if value is not None)


def test_removing_a_key_still_in_use_stops_the_start_naming_the_key(settings: Settings) -> None:
    for api in open_api(settings, start_worker=False):
        api.create()
    old = read_key_file(settings.data_dir / "encryption.keys")
    write_key_file(settings.data_dir / "encryption.keys", [Key.generate()])  # the old key lost, not rotated
    with pytest.raises(EncryptionKeyError, match=f"encrypted with key {old[0].id}, which is not among"):
        for _api in open_api(settings, start_worker=False):
            pass


def test_text_under_a_key_not_configured_is_a_problem_naming_the_key(settings: Settings) -> None:
    elsewhere = KeyRing(keys=(Key.generate(),), source="another deployment")
    for api in open_api(settings, start_worker=False):
        consultation_id = api.create()
        with api.engine.begin() as connection:
            connection.execute(text("UPDATE consultation SET transcript_json = :value"),
                               {"value": elsewhere.encrypt_text('{"segments": []}', Cell(
                                   "consultation", "transcript_json", (consultation_id,)))})
        problem = assert_problem(api.get(f"/v1/consultations/{consultation_id}/transcript"), 500,
                                 f"encrypted with key {elsewhere.active.id}, which is not among the configured keys")
        assert str(settings.data_dir) not in problem["detail"], "no server path in what a client sees"


def test_a_first_run_generates_a_private_key_file_and_warns(settings: Settings,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    keys = load_keyring(settings)
    path = settings.data_dir / "encryption.keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "another volume" in caplog.text
    caplog.clear()
    assert load_keyring(settings).active == keys.active and "generated" not in caplog.text


@pytest.mark.parametrize(("env", "message"), [
    ({"SOAPSCRIBE_ENCRYPTION_KEY": "not base64!"}, "SOAPSCRIBE_ENCRYPTION_KEY is not base64"),
    ({"SOAPSCRIBE_ENCRYPTION_KEY": "c2hvcnQga2V5"}, "SOAPSCRIBE_ENCRYPTION_KEY holds 9 bytes"),
    ({"SOAPSCRIBE_ENCRYPTION_KEY_FILE": "{data}/elsewhere.keys"}, "elsewhere.keys: no such file"),
    ({"SOAPSCRIBE_ENCRYPTION_KEY_FILE": "{data}/mistyped.keys"}, "line 1: the id 0123456789abcdef does not match"),
])
def test_a_bad_key_setting_is_one_line_naming_the_problem(settings: Settings, cli_env: CliRunner,
                                                          monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                          message: str) -> None:
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "mistyped.keys").write_text("0123456789abcdef " + Key.generate().line().split()[1])
    use_settings(monkeypatch, settings)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(data=settings.data_dir))
    result = cli_env.invoke(cli, ["encryption", "status"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error:") and message in result.output, result.output
    assert "Traceback" not in result.output


# ---- the recording file format ---------------------------------------------------------------------------


@pytest.fixture
def store(settings: Settings) -> RecordingStore:
    return RecordingStore(settings.recordings_dir, load_keyring(settings))


def test_a_recording_reads_back_whole_and_at_any_offset(store: RecordingStore) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 123)
    stored = store.put(io.BytesIO(data), max_bytes=10 * CHUNK_SIZE)
    with store.open(stored.sha256) as recording:
        assert recording.read() == data
        for offset in (0, CHUNK_SIZE - 5, 2 * CHUNK_SIZE, len(data) - 7):
            recording.seek(offset)
            assert recording.read(20) == data[offset:offset + 20]
        assert recording.seek(0, io.SEEK_END) == len(data)


def _flip_middle(raw: bytes) -> bytes:
    return raw[:HEADER_BYTES + CHUNK_SIZE + 100] + bytes([raw[HEADER_BYTES + CHUNK_SIZE + 100] ^ 1]) + \
        raw[HEADER_BYTES + CHUNK_SIZE + 101:]


_STRIDE = CHUNK_SIZE + 28


@pytest.mark.parametrize("damage", [
    pytest.param(_flip_middle, id="one bit of a middle chunk"),
    pytest.param(lambda raw: raw[:30] + bytes([raw[30] ^ 1]) + raw[31:], id="one bit of the salt in the header"),
    pytest.param(lambda raw: raw[:HEADER_BYTES + 2 * _STRIDE], id="cut after a whole chunk"),
    pytest.param(lambda raw: raw[:-1], id="last byte cut"),
    pytest.param(lambda raw: raw[:HEADER_BYTES] + raw[HEADER_BYTES + _STRIDE:HEADER_BYTES + 2 * _STRIDE]
                 + raw[HEADER_BYTES:HEADER_BYTES + _STRIDE] + raw[HEADER_BYTES + 2 * _STRIDE:],
                 id="two chunks swapped"),
])
def test_a_damaged_recording_cannot_be_read(store: RecordingStore, damage) -> None:  # type: ignore[no-untyped-def]
    stored = store.put(io.BytesIO(os.urandom(3 * CHUNK_SIZE + 10)), max_bytes=10 * CHUNK_SIZE)
    stored.path.write_bytes(damage(stored.path.read_bytes()))
    with pytest.raises(IntegrityCheckFailed, match="failed its integrity check"):
        with store.open(stored.sha256) as recording:
            recording.read()


def test_a_recording_under_another_name_cannot_be_read(store: RecordingStore) -> None:
    first = store.put(io.BytesIO(b"first recording" * 1000), max_bytes=CHUNK_SIZE)
    second = store.put(io.BytesIO(b"second recording" * 1000), max_bytes=CHUNK_SIZE)
    second.path.write_bytes(first.path.read_bytes())
    with pytest.raises(IntegrityCheckFailed):
        store.open(second.sha256)


def test_a_recording_under_an_unknown_key_names_that_key(settings: Settings, store: RecordingStore) -> None:
    stored = store.put(io.BytesIO(b"a recording" * 100), max_bytes=CHUNK_SIZE)
    other = RecordingStore(settings.recordings_dir, load_keyring(settings.model_copy(
        update={"data_dir": settings.data_dir / "elsewhere"})))
    with pytest.raises(EncryptionKeyError, match=f"encrypted with key {store.keys.active.id}"):
        other.open(stored.sha256)


def test_a_damaged_recording_does_not_stop_a_rotation(settings: Settings, store: RecordingStore) -> None:
    from service.encryption import rotate
    from service.store.db import create_schema, make_engine

    good = store.put(io.BytesIO(b"a good recording" * 5000), max_bytes=10 * CHUNK_SIZE)
    bad = store.put(io.BytesIO(b"a damaged recording" * 5000), max_bytes=10 * CHUNK_SIZE)
    raw = bytearray(bad.path.read_bytes())
    raw[HEADER_BYTES + 50] ^= 0x01
    bad.path.write_bytes(bytes(raw))
    keys = KeyRing(keys=(Key.generate(), *store.keys.keys), source="test")
    engine = make_engine(settings, keys)
    create_schema(engine)
    report = rotate(engine, RecordingStore(settings.recordings_dir, keys))
    engine.dispose()
    assert report.recordings == 1 and len(report.failed) == 1 and "integrity check" in report.failed[0]
    assert store.key_id(good.sha256) == keys.active.id and store.key_id(bad.sha256) != keys.active.id
