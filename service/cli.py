"""The `soapscribe` command line: the same functions the REST API calls, one command each."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from knowledge.render import NoteFormat
from nlp.asr.base import AsrProgress
from nlp.asr.registry import BackendName
from nlp.transcript_io import to_json
from nlp.types import Findings, Role, Transcript
from service.errors import DOMAIN_ERRORS, BadInput, as_scribe_error
from service.scribe import TRANSCRIPT_SUFFIXES, Scribe
from service.settings import Settings, get_settings

app = typer.Typer(help="soapscribe: consultation recording in, evidence-linked draft SOAP note out.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
encryption_app = typer.Typer(help="Encryption at rest: keys and their rotation (see docs/operations.md).",
                             no_args_is_help=True)
app.add_typer(encryption_app, name="encryption")
retention_app = typer.Typer(help="Audio retention (SOAPSCRIBE_AUDIO_RETENTION_DAYS).", no_args_is_help=True)
app.add_typer(retention_app, name="retention")
style_app = typer.Typer(help="A clinic's note style (SOAPSCRIBE_NOTE_PLAN_DIR; see docs/notes.md).",
                        no_args_is_help=True)
app.add_typer(style_app, name="style")

err = Console(stderr=True)
T = TypeVar("T")


class TranscriptFormat(StrEnum):
    json = "json"
    text = "text"


class FindingsFormat(StrEnum):
    json = "json"
    table = "table"


def _scribe(ctx: typer.Context, settings: Settings) -> Scribe:
    """The command's Scribe: made by the provider the app was given as its context object (`app(obj=...)`; tests
    give one holding the run's loaded models), else a Scribe of `settings` that loads its own."""
    make: Callable[[Settings], Scribe] = ctx.obj if ctx.obj is not None else Scribe
    return make(settings)


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
    except DOMAIN_ERRORS as exc:
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


def _read(scribe: Scribe, path: Path) -> Transcript:
    with _progress_bar(err.is_terminal and path.suffix.lower() not in TRANSCRIPT_SUFFIXES) as on_progress:
        return scribe.read_input(path, on_progress=on_progress)


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
def transcribe(ctx: typer.Context,
               audio: Annotated[Path, typer.Argument(help="an audio file: wav, mp3, m4a, ogg, webm, flac, ...")],
               backend: Annotated[BackendName | None, typer.Option(help="ASR engine (default from settings)")] = None,
               model: Annotated[str | None, typer.Option(help="tiny.en, base, or a model directory")] = None,
               format: Annotated[TranscriptFormat, typer.Option(help="json or text")] = TranscriptFormat.json,
               prompt: Annotated[bool | None, typer.Option(
                   "--prompt/--no-prompt", help="give the knowledge base's vocabulary as Whisper's initial prompt "
                                                "(default from settings: off; hotwords are on)")] = None,
               speakers: Annotated[str | None, typer.Option(
                   help="who is who, voice=role pairs: 'ch1=clinician,ch2=patient' or 'S2=clinician'")] = None,
               ) -> None:
    """Transcribe a recording with Whisper (on the CPU, offline), with who spoke each segment."""
    scribe = _scribe(ctx, _settings())

    def run() -> Transcript:
        if not audio.is_file():
            raise BadInput(f"{audio}: no such file")
        roles = _speaker_roles(speakers)
        with _progress_bar(err.is_terminal) as on_progress:
            return scribe.transcribe(audio, backend=backend, model=model,
                                     prompt=prompt, speakers=roles, on_progress=on_progress)

    transcript = _guarded(run)
    if format is TranscriptFormat.json:
        typer.echo(to_json(transcript))
    else:
        for segment in transcript.segments:
            typer.echo(f"[{segment.start:7.2f}-{segment.end:7.2f}] {segment.text}")


@app.command()
def extract(ctx: typer.Context, input: InputArg,
            format: Annotated[FindingsFormat, typer.Option(help="json or table")] = FindingsFormat.json) -> None:
    """Extract the clinical findings (with assertion and evidence) from a consultation."""
    scribe = _scribe(ctx, _settings())
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
def draft(ctx: typer.Context, input: InputArg,
          format: Annotated[NoteFormat, typer.Option(help="markdown, text, json, html or fhir (an R4 Bundle)")
                            ] = "markdown",
          ) -> None:
    """Draft a SOAP note with knowledge-base suggestions from a consultation."""
    settings = _settings()
    scribe = _scribe(ctx, settings)

    def run() -> str:
        return scribe.write_note(_read(scribe, input), format).text

    typer.echo(_guarded(run))


@app.command()
def serve(host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port")] = 8000) -> None:
    """Run the REST API (with the embedded worker unless a broker is configured)."""
    import uvicorn

    from service.api.app import create_app
    from service.encryption import check_keys

    settings = _settings()
    _guarded(lambda: check_keys(settings))  # a key problem is one line here, not a failed start-up traceback
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())


@app.command()
def worker() -> None:
    """Run a worker process: a Celery worker when SOAPSCRIBE_BROKER_URL is set, else the database-polling one."""
    from service.runtime import Runtime

    settings = _settings()
    runtime = _guarded(lambda: Runtime.build(settings))
    try:
        if settings.broker_url:
            from service.jobs.celery_worker import CeleryWorker

            assert runtime.dispatcher is not None  # built with the broker
            err.print(f"worker running on the broker ({settings.worker_concurrency} at a time); Ctrl-C to stop")
            CeleryWorker(settings, runtime.engine, runtime.scribe, runtime.recordings, runtime.dispatcher).run()
        else:
            from service.jobs.worker import Worker

            polling = Worker(settings, runtime.engine, runtime.scribe, runtime.recordings)
            # SIGTERM (docker stop, systemd) and Ctrl-C stop the loop cleanly: a running job is released at its
            # next heartbeat for another worker, instead of staying leased until its lease expires.
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda _signum, _frame: polling.request_stop())
            err.print("worker polling the database queue; Ctrl-C or SIGTERM to stop")
            polling.run_forever()
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

    engine = _guarded(lambda: make_engine(_settings()))
    create_schema(engine)
    with Session(engine) as session:
        key = create_key(session, tenant)
    err.print(f"API key for tenant {tenant!r} (shown once; keep it secret):")
    typer.echo(key)


@keys_app.command("webhook-secret")
def keys_webhook_secret(
        tenant: Annotated[str, typer.Option(help="the tenant (clinic) whose webhooks it signs")]) -> None:
    """Give a tenant its own webhook signing secret (replacing any earlier one); printed once, alone on the last
    line. Its webhooks are signed with it instead of SOAPSCRIBE_WEBHOOK_SECRET."""
    from sqlmodel import Session

    from service.jobs.webhooks import set_tenant_secret
    from service.store.db import create_schema, make_engine

    engine = _guarded(lambda: make_engine(_settings()))
    create_schema(engine)
    with Session(engine) as session:
        secret = set_tenant_secret(session, tenant)
    engine.dispose()
    err.print(f"webhook secret for tenant {tenant!r} (shown once; give it to the receiver):")
    typer.echo(secret)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (Alembic) up to the newest."""
    from service.store.db import create_schema, current_revision, make_engine

    engine = _guarded(lambda: make_engine(_settings()))
    create_schema(engine)
    err.print("database schema is up to date at revision:")
    typer.echo(current_revision(engine))
    engine.dispose()


@retention_app.command("run")
def retention_run() -> None:
    """Purge now the recordings older than the retention period; prints their consultations' ids, one a line.

    The workers do this on their own every SOAPSCRIBE_RETENTION_SWEEP_SECONDS; this is for operators.
    """
    from service.retention import purge_expired
    from service.runtime import Runtime

    settings = _settings()
    if settings.audio_retention_days == 0:
        err.print("audio retention is off (SOAPSCRIBE_AUDIO_RETENTION_DAYS=0): recordings are kept; nothing purged")
        return
    runtime = Runtime.build(settings)
    try:
        purge = purge_expired(runtime.engine, runtime.recordings, settings.audio_retention_days)
    finally:
        runtime.close()
    for consultation_id in purge.consultation_ids:
        typer.echo(consultation_id)
    err.print(f"purged the recordings of {len(purge.consultation_ids)} consultation(s) older than "
              f"{settings.audio_retention_days} days; {purge.files_deleted} file(s) deleted")


@encryption_app.command("new-key")
def encryption_new_key() -> None:
    """Generate a key, make it the active one in the key file (older keys stay, to decrypt); prints its id.

    Restart every soapscribe process (they read the keys at start), then run `soapscribe encryption rotate`.
    """
    from service.encryption import new_key
    from service.store.crypto import key_file_path

    settings = _settings()
    key = _guarded(lambda: new_key(settings))
    err.print(f"new active key added to {key_file_path(settings)}; restart soapscribe, then run "
              "`soapscribe encryption rotate`. Its id:")
    typer.echo(key.id)


@encryption_app.command("rotate")
def encryption_rotate() -> None:
    """Re-encrypt every recording and stored text under the active key (plaintext ones too); safe to re-run."""
    from service.encryption import Rotation, rotate
    from service.store.crypto import load_keyring
    from service.store.db import create_schema, make_engine
    from service.store.recordings import RecordingStore

    settings = _settings()

    def run() -> Rotation:
        keys = load_keyring(settings)
        engine = make_engine(settings, keys)
        try:
            create_schema(engine)
            columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                       TimeElapsedColumn())
            with Progress(*columns, console=err, disable=not err.is_terminal) as progress:
                tasks: dict[str, TaskID] = {}

                def on_progress(what: str, done: int, total: int) -> None:
                    if what not in tasks:
                        tasks[what] = progress.add_task(what, total=total)
                    progress.update(tasks[what], completed=done, total=total)

                return rotate(engine, RecordingStore(settings.recordings_dir, keys), on_progress)
        finally:
            engine.dispose()

    report = _guarded(run)
    err.print(f"re-encrypted {report.recordings} recording(s) and {report.texts} text value(s) under the "
              f"active key; removed {report.stale_temp_files} stale temporary file(s)")
    for problem in report.failed:
        err.print(f"[bold red]could not re-encrypt:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    left = report.left.recordings + report.left.texts
    if report.failed:
        raise typer.Exit(code=1)
    if left:
        err.print(f"[bold yellow]still under other keys or plaintext:[/] {dict(left)}: a process started before "
                  "the new key was added wrote them; restart every soapscribe process and rotate again",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(code=1)
    err.print("everything is under the active key; older keys can be removed (`soapscribe encryption remove-key`)")


@encryption_app.command("status")
def encryption_status() -> None:
    """For each key: whether it is active, and how many recordings and text values it encrypts."""
    from service.encryption import PLAINTEXT, Inventory, inventory
    from service.store.crypto import KeyRing, load_keyring
    from service.store.db import create_schema, make_engine
    from service.store.recordings import RecordingStore

    settings = _settings()

    def run() -> tuple[KeyRing, Inventory]:
        keys = load_keyring(settings)
        engine = make_engine(settings, keys)
        try:
            create_schema(engine)
            return keys, inventory(engine, RecordingStore(settings.recordings_dir, keys))
        finally:
            engine.dispose()

    keys, found = _guarded(run)
    table = Table("key", "state", "recordings", "text values")
    for kid in [*keys.ids, *sorted((set(found.recordings) | set(found.texts)) - set(keys.ids))]:
        state = "active" if kid == keys.active.id else "decrypts" if kid in keys.ids else \
            "plaintext (not encrypted)" if kid == PLAINTEXT else "MISSING: not in the key ring"
        table.add_row(kid, state, str(found.recordings[kid]), str(found.texts[kid]))
    Console().print(table)


@encryption_app.command("remove-key")
def encryption_remove_key(key_id: Annotated[str, typer.Argument(help="the id of the key to remove")]) -> None:
    """Remove a key from the key file; refused while anything is still encrypted with it."""
    from service.encryption import remove_key
    from service.store.crypto import load_keyring
    from service.store.db import create_schema, make_engine
    from service.store.recordings import RecordingStore

    settings = _settings()

    def run() -> None:
        keys = load_keyring(settings)
        engine = make_engine(settings, keys)
        try:
            create_schema(engine)
            remove_key(settings, engine, RecordingStore(settings.recordings_dir, keys), key_id)
        finally:
            engine.dispose()

    _guarded(run)
    err.print(f"key {key_id} removed from the key file")


@style_app.command("learn")
def style_learn(
        examples: Annotated[list[Path], typer.Argument(help="the clinic's example notes: text files, one note each "
                                                            "(a handful is enough)")],
        out: Annotated[Path, typer.Option(help="the note plan folder to write: the built-in plan and register are "
                                               "copied there, with the learned style.yaml")],
        name: Annotated[str, typer.Option(help="the style's name")] = "clinic",
) -> None:
    """Learn a clinic's note style (headings, order, lengths, sentence patterns) from its example notes."""
    import shutil

    from knowledge.notes.plan import PLAN_DIR, load_plan
    from knowledge.notes.style_learn import learn_style, load_headings, style_yaml

    def run() -> str:
        missing = [str(path) for path in examples if not path.is_file()]
        if missing:
            raise BadInput(f"no such example note: {', '.join(missing)}")
        notes = [path.read_text(encoding="utf-8", errors="replace") for path in examples]
        style = learn_style(notes, name, load_plan(), load_headings())
        if out.exists() and not (out / "plan.yaml").is_file():
            raise BadInput(f"{out}: exists and is not a note plan folder (no plan.yaml); choose a new folder")
        if not out.exists():
            shutil.copytree(PLAN_DIR, out)
        (out / "style.yaml").write_text(style_yaml(style, len(notes)), encoding="utf-8")
        load_plan.cache_clear()
        load_plan(out)  # what was written loads, or the error names the file and field
        return str(out / "style.yaml")

    written = _guarded(run)
    err.print(f"style '{name}' learned from {len(examples)} notes: {written}; "
              f"use it with SOAPSCRIBE_NOTE_PLAN_DIR={out}")


@app.command("eval")
def evaluate_corpus(
        corpus: Annotated[Path, typer.Argument(help="a folder of NAME.txt transcripts, each with NAME.yaml gold, "
                                                    "or of gold files naming a dialogue of the shared corpora")],
        format: Annotated[FindingsFormat, typer.Option(help="table or json")] = FindingsFormat.table,
        data: Annotated[Path | None, typer.Option(help="the shared corpora's data folder "
                                                       "(default: ../shared/data beside the repository)")] = None,
) -> None:
    """Precision, recall and F1 of the findings on a gold corpus, with every miss and false positive."""
    import json

    from knowledge.evaluate import Evaluation, evaluate, load_corpus, tables
    from knowledge.extract import Extractor

    def run() -> Evaluation:
        gold = load_corpus(corpus, data)
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
