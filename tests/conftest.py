"""Real fixtures shared by the whole suite: settings on a temporary data dir, rendered audio, a server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import httpx
import pytest

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CONSULTATIONS = ROOT / "tests" / "data" / "consultations"
# The patient's consent to being recorded, which an audio upload needs (service/consent.py): multipart form fields.
CONSENT = {"consent_method": "verbal", "consent_confirmed_by": "Dr Test"}
SHARED = ROOT.parent / "shared"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One weights cache for the whole run, so the joined `base` model is built once."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def settings(tmp_path: Path, model_cache: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", models_dir=model_cache)


@lru_cache(maxsize=1)
def loaded_extractor():  # type: ignore[no-untyped-def]
    """The built-in topic's Extractor, its spaCy pipeline loaded once for the whole run (it is thread-safe)."""
    from knowledge.extract import Extractor

    return Extractor().load()


@pytest.fixture(scope="session")
def extractor():  # type: ignore[no-untyped-def]
    """The built-in topic's Extractor, loaded once for the run: for tests that only read it."""
    return loaded_extractor()


class Models:
    """The models tests only read, each loaded once for the whole run when first needed: Whisper (`backends`),
    the voice encoder, spaCy's English words and the built-in topic's Extractor. `scribe(settings)` is a Scribe
    given them, as the Runtime's Scribe holds the process's models."""

    def __init__(self) -> None:
        from nlp.asr.correct import english_words
        from nlp.asr.registry import Backends
        from nlp.diarize.voices import ResemblyzerEncoder
        from service.scribe import Once

        self.backends = Backends()
        self.voice_encoder = Once(ResemblyzerEncoder)
        self.english_words = Once(english_words)

    def scribe(self, settings: Settings):  # type: ignore[no-untyped-def]
        from service.scribe import Scribe

        default_topic = (settings.topic, settings.topics_dir) == (Settings.model_fields["topic"].default, None)
        return Scribe(settings, voice_encoder=self.voice_encoder, english_words=self.english_words,
                      backends=self.backends, extractor=loaded_extractor if default_topic else None)


@lru_cache(maxsize=1)
def shared_models() -> Models:
    """The run's one `Models` (for helpers called outside fixtures, such as `tests.service.api_client.open_api`)."""
    return Models()


@pytest.fixture(scope="session")
def models() -> Models:
    """The run's models (see `Models`), loaded once when first needed."""
    return shared_models()


POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the local PostgreSQL `test` database for one test, dropped afterwards."""
    from uuid import uuid4

    from sqlalchemy import create_engine, text

    schema = f"soapscribe_{uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """Settings for storage tests, which run on both SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return settings
    return settings.model_copy(update={"database_url": request.getfixturevalue("postgres_url")})


def script(name: str) -> str:
    return (CONSULTATIONS / f"{name}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test consultations spoken by espeak-ng (16 kHz mono Ogg Vorbis), rendered once per run."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.fail("espeak-ng and sox are needed: run `make test` (it installs them)")
    from scripts.render_consultation import render

    out_dir = tmp_path_factory.mktemp("audio")
    audio = {}
    for path in sorted(CONSULTATIONS.glob("*.txt")):
        audio[path.stem] = out_dir / f"{path.stem}.ogg"
        render(path.read_text(encoding="utf-8"), audio[path.stem], speed=140)
    return audio


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    api_key: str
    data_dir: Path

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key or self.api_key}"},
                            timeout=30)

    def wait_ready(self, consultation_id: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while True:
                status = client.get(f"/v1/consultations/{consultation_id}").json()
                if status["status"] in ("ready", "failed") or time.monotonic() > deadline:
                    return status
                time.sleep(0.3)


def soapscribe_env(data_dir: Path, model_cache: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SOAPSCRIBE_")}
    env.update(SOAPSCRIBE_DATA_DIR=str(data_dir), SOAPSCRIBE_MODELS_DIR=str(model_cache), HF_HUB_OFFLINE="1",
               **extra)
    return env


@dataclass
class CliResult:
    """What a finished `soapscribe` command left: the fields of `subprocess.CompletedProcess` the tests read."""

    returncode: int
    stdout: str
    stderr: str


def soapscribe_cli(env: dict[str, str], *args: str | Path) -> CliResult:
    """`soapscribe ARGS` run in this process by Typer's CliRunner, with `env` as its whole SOAPSCRIBE_ environment.

    The same command functions as the installed entry point, without a new interpreter importing spaCy and Whisper
    for every command, and given the run's loaded models (`Models`) as the app's context object
    (tests/service/test_cli.py keeps real processes of the entry point too). An exception the CLI does not turn
    into a one-line error propagates and fails the test, where a real process would print a traceback.
    """
    from typer.testing import CliRunner

    from service.cli import app
    from service.settings import get_settings

    environment: dict[str, str | None] = {key: None for key in os.environ if key.startswith("SOAPSCRIBE_")}
    environment.update({key: value for key, value in env.items() if key.startswith("SOAPSCRIBE_")})
    get_settings.cache_clear()  # the CLI reads its settings once per process: here, once per command
    try:
        result = CliRunner().invoke(app, [str(arg) for arg in args], env=environment, catch_exceptions=False,
                                    obj=shared_models().scribe)
    finally:
        get_settings.cache_clear()
    return CliResult(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


@contextmanager
def running_server(data_dir: Path, model_cache: Path, **extra_env: str) -> Iterator[Server]:
    """`soapscribe serve` in its own process on a free port, with SQLite, the embedded worker and `extra_env`."""
    env = soapscribe_env(data_dir, model_cache, **extra_env)
    created = soapscribe_cli(env, "keys", "create", "--tenant", "clinic-a")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    log = (data_dir.parent / "server.log").open("w")
    process = subprocess.Popen([BIN / "soapscribe", "serve", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the server did not start: " + (data_dir.parent / "server.log").read_text())
    try:
        yield Server(url=url, api_key=key, data_dir=data_dir)
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Server]:
    """`soapscribe serve` in its own process on a free port, with SQLite and the embedded worker."""
    with running_server(tmp_path_factory.mktemp("server") / "var", model_cache) as running:
        yield running
