"""The `soapscribe` command line: the same functions the REST API calls, one command each."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from knowledge.render import render
from nlp.asr.base import AsrProgress
from nlp.transcript_io import to_json
from nlp.types import Findings, Role, Transcript
from service.errors import INPUT_ERRORS, SETUP_ERRORS, BadInput, ScribeError, as_scribe_error
from service.scribe import TRANSCRIPT_SUFFIXES, Scribe
from service.settings import AsrBackendName, Settings, get_settings

app = typer.Typer(help="soapscribe: consultation recording in, evidence-linked draft SOAP note out.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")

err = Console(stderr=True)
T = TypeVar("T")


class Backend(str, Enum):
    faster_whisper = "faster-whisper"
    openai_whisper = "openai-whisper"


class TranscriptFormat(str, Enum):
    json = "json"
    text = "text"


class FindingsFormat(str, Enum):
    json = "json"
    table = "table"


class NoteFormat(str, Enum):
    markdown = "markdown"
    text = "text"
    json = "json"
    html = "html"
    fhir = "fhir"


def _settings() -> Settings:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.log_level.upper() != "DEBUG":
        # faster-whisper logs every file's duration at INFO; on a CLI that is noise beside the progress bar.
        logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    return settings


def _guarded(action: Callable[[], T]) -> T:
    """Run `action`; a domain error becomes one line on stderr and a non-zero exit."""
    try:
        return action()
    except (ScribeError, *INPUT_ERRORS, *SETUP_ERRORS) as exc:
        problem = as_scribe_error(exc)
        # soft_wrap: one line however narrow the terminal; escape: a file name is not markup.
        err.print(f"[bold red]error:[/] {escape(problem.detail)}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2 if problem.status < 500 else 1) from None


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[AsrProgress], None] | None]:
    """A rich progress bar over seconds of audio transcribed (on stderr, only on a terminal)."""
    if not enabled:
        yield None
        return
    columns = (TextColumn("transcribing"), BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("transcribing", total=None)

        def update(step: AsrProgress) -> None:
            progress.update(task, total=step.total, completed=step.done)

        yield update


def _read(scribe: Scribe, path: Path, backend: Backend | None = None, model: str | None = None) -> Transcript:
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    if path.suffix.lower() in TRANSCRIPT_SUFFIXES:
        return scribe.read_input(path)
    with _progress_bar(err.is_terminal) as on_progress:
        return scribe.transcribe(path, backend=backend.value if backend else None, model=model,
                                 on_progress=on_progress)


def _speaker_roles(option: str | None) -> dict[str, Role] | None:
    """'S1=clinician,S2=patient' as {"S1": "clinician", "S2": "patient"}."""
    if not option:
        return None
    roles: dict[str, Role] = {}
    for pair in option.split(","):
        voice, _, role = pair.partition("=")
        if role.strip() not in ("clinician", "patient", "other") or not voice.strip():
            raise BadInput(f"--speakers: expected voice=clinician|patient|other, got {pair.strip()!r}")
        roles[voice.strip()] = role.strip()  # type: ignore[assignment]
    return roles


InputArg = Annotated[Path, typer.Argument(help="a transcript (.txt 'Speaker: text' lines, .json) or an audio file")]


@app.command()
def transcribe(audio: Annotated[Path, typer.Argument(help="an audio file: wav, mp3, m4a, ogg, webm, flac, ...")],
               backend: Annotated[Backend | None, typer.Option(help="ASR engine (default from settings)")] = None,
               model: Annotated[str | None, typer.Option(help="tiny.en, base, or a model directory")] = None,
               format: Annotated[TranscriptFormat, typer.Option(help="json or text")] = TranscriptFormat.json,
               prompt: Annotated[bool, typer.Option(help="prime Whisper with the knowledge base's vocabulary")] = True,
               speakers: Annotated[str | None, typer.Option(
                   help="who is who, voice=role pairs: 'ch1=clinician,ch2=patient' or 'S2=clinician'")] = None,
               ) -> None:
    """Transcribe a recording with Whisper (on the CPU, offline), with who spoke each segment."""
    scribe = Scribe(_settings())

    def run() -> Transcript:
        if not audio.is_file():
            raise BadInput(f"{audio}: no such file")
        roles = _speaker_roles(speakers)
        with _progress_bar(err.is_terminal) as on_progress:
            return scribe.transcribe(audio, backend=backend.value if backend else None, model=model,
                                     prompt=prompt, speakers=roles, on_progress=on_progress)

    transcript = _guarded(run)
    if format is TranscriptFormat.json:
        typer.echo(to_json(transcript))
    else:
        for segment in transcript.segments:
            typer.echo(f"[{segment.start:7.2f}-{segment.end:7.2f}] {segment.text}")


@app.command()
def extract(input: InputArg,
            format: Annotated[FindingsFormat, typer.Option(help="json or table")] = FindingsFormat.json) -> None:
    """Extract the clinical findings (with assertion and evidence) from a consultation."""
    scribe = Scribe(_settings())
    findings = _guarded(lambda: scribe.extract(_read(scribe, input)))
    if format is FindingsFormat.json:
        typer.echo(findings.model_dump_json(indent=2))
    else:
        Console().print(_findings_table(findings))


def _findings_table(findings: Findings) -> Table:
    table = Table("id", "kind", "code", "assertion", "value", "said as", "where")
    for finding in findings.findings:
        value = "" if finding.value is None else f"{finding.value:g} {finding.unit or ''}".strip()
        where = ", ".join(f"seg {ev.segment}" for ev in finding.evidence[:3])
        table.add_row(finding.id, finding.kind, finding.code, finding.assertion, value, finding.text, where)
    return table


@app.command()
def draft(input: InputArg,
          format: Annotated[NoteFormat, typer.Option(help="markdown, text, json, html or fhir (an R4 Bundle)")
                            ] = NoteFormat.markdown,
          ) -> None:
    """Draft a SOAP note with knowledge-base suggestions from a consultation."""
    settings = _settings()
    scribe = Scribe(settings)

    def run() -> str:
        transcript = _read(scribe, input)
        note = scribe.draft(transcript, scribe.extract(transcript))
        return render(note, format.value, templates_dir=settings.templates_dir)

    typer.echo(_guarded(run))


@app.command()
def serve(host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port")] = 8000) -> None:
    """Run the REST API (with the embedded worker unless a broker is configured)."""
    import uvicorn

    from service.api.app import create_app

    settings = _settings()
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())


@app.command()
def worker() -> None:
    """Run a worker process: a Celery worker when SOAPSCRIBE_BROKER_URL is set, else the database-polling one."""
    from service.runtime import Runtime

    runtime = Runtime.build(_settings())
    settings = runtime.settings
    try:
        if settings.broker_url:
            from service.jobs.celery_worker import run_worker

            err.print(f"worker running on the broker ({settings.worker_concurrency} at a time); Ctrl-C to stop")
            run_worker(settings, runtime.engine, runtime.scribe, runtime.recordings)
        else:
            from service.jobs.worker import Worker

            err.print("worker polling the database queue; Ctrl-C to stop")
            Worker(settings, runtime.engine, runtime.scribe, runtime.recordings).run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()


@keys_app.command("create")
def keys_create(tenant: Annotated[str, typer.Option(help="the tenant (clinic) the key belongs to")]) -> None:
    """Create an API key; it is printed once, alone on the last line, and stored only as a hash."""
    from sqlmodel import Session

    from service.auth import create_key
    from service.store.db import create_schema, make_engine

    engine = make_engine(_settings())
    create_schema(engine)
    with Session(engine) as session:
        key = create_key(session, tenant)
    err.print(f"API key for tenant {tenant!r} (shown once; keep it secret):")
    typer.echo(key)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (Alembic) up to the newest."""
    from service.store.db import create_schema, current_revision, make_engine

    engine = make_engine(_settings())
    create_schema(engine)
    err.print("database schema is up to date at revision:")
    typer.echo(current_revision(engine))
    engine.dispose()


@app.command("eval")
def evaluate_corpus(
        corpus: Annotated[Path, typer.Argument(help="a folder of NAME.txt transcripts, each with NAME.yaml gold")],
        format: Annotated[FindingsFormat, typer.Option(help="table or json")] = FindingsFormat.table) -> None:
    """Precision, recall and F1 of the findings on a gold corpus, with every miss and false positive."""
    import json

    from knowledge.evaluate import CorpusError, Evaluation, evaluate, load_corpus, tables
    from knowledge.extract import Extractor

    def run() -> Evaluation:
        try:
            gold = load_corpus(corpus)
        except CorpusError as exc:
            raise BadInput(str(exc)) from None
        settings = _settings()
        return evaluate(gold, Extractor(settings.topic, root=settings.topics_dir).load())

    result = _guarded(run)
    if format is FindingsFormat.json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        for table in tables(result):
            Console().print(table)


if __name__ == "__main__":
    app()
