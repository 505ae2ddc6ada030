"""CPU time the API server spends on one `GET /v1/consultations/{id}/note` (JSON), on SQLite and PostgreSQL.

    taskset -c 0 .venv/bin/python -m benchmarks.read_cost [--databases sqlite postgresql] [--reads 2000]
        [--label current] [--profile] [--no-write]

The real app is served by uvicorn (INFO logging, access log on, embedded worker: as `soapscribe serve`) in a
child process on loopback; this process sends the reads one after another with httpx over one keep-alive
connection. The child reports `time.process_time()` (its CPU time, all threads: uvicorn, the handler's
thread pool and the embedded worker's polling) before and after the reads, so the figure is server CPU only;
the load generator's CPU is not counted. The idle CPU rate of the child (the worker polling the database)
is measured over as long a quiet period and given beside it.

Each database gets its own data directory; on PostgreSQL a schema `read_cost_<pid>` of the `test` database
on 127.0.0.1:5432, dropped afterwards. One consultation is uploaded as a transcript and drafted by the
embedded worker before the reads. `--profile` samples the child with py-spy (PATH or $PY_SPY) during a
second round of reads and prints the functions that were on the stack in most samples.

Pin it to one core (`taskset -c 0`) for steadier figures; the section `read_cost` of RESULTS.md keeps one
row per (label, database), so `--label before` / `--label after` rows stand side by side.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks.results import RESULTS, markers, write_section
from benchmarks.serving import START_TIMEOUT_S, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
TRANSCRIPT = ROOT / "tests" / "data" / "consultations" / "furosemide_night_cramps.txt"
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECTION = "read_cost"
READY_TIMEOUT_S = 300


@dataclass
class Cost:
    label: str
    database: str
    reads: int
    cpu_s: float
    wall_s: float
    idle_cpu_ms_per_s: float
    audit_reads: int  # read events written for the consultation during the measured reads
    rounds_ms: list[float]  # CPU ms per read in each round

    @property
    def median_ms(self) -> float:
        return statistics.median(self.rounds_ms)

    @property
    def cpu_ms_per_read(self) -> float:
        return 1000 * self.cpu_s / self.reads

    @property
    def net_cpu_ms_per_read(self) -> float:
        """Less the idle rate over the same wall time (the embedded worker's polling)."""
        return (1000 * self.cpu_s - self.idle_cpu_ms_per_s * self.wall_s) / self.reads

    def row(self) -> str:
        return (f"| {self.label} | {self.database} | {self.reads:,} in {len(self.rounds_ms)} rounds | "
                f"{self.cpu_ms_per_read:.2f} | {self.median_ms:.2f} | {min(self.rounds_ms):.2f} | "
                f"{self.net_cpu_ms_per_read:.2f} | {self.idle_cpu_ms_per_s:.1f} | "
                f"{1000 * self.wall_s / self.reads:.2f} | {self.audit_reads:,} |")


def _serve(settings_fields: dict, port: int, log: str, control) -> None:  # noqa: ANN001  (a Connection)
    """The child: create an API key, answer CPU-time questions on `control`, serve the app until SIGINT."""
    import threading

    import uvicorn
    from sqlmodel import Session

    from service.api.app import create_app
    from service.auth import create_key
    from service.settings import Settings
    from service.store.db import create_schema, make_engine

    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    settings = Settings(**settings_fields)
    engine = make_engine(settings)
    create_schema(engine)
    with Session(engine) as session:
        key = create_key(session, "read-cost")
    engine.dispose()
    control.send(key)

    def answer() -> None:
        while True:
            try:
                control.recv()
            except EOFError:
                return
            control.send(time.process_time())

    threading.Thread(target=answer, daemon=True).start()
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level=settings.log_level.lower())


@dataclass
class Child:
    url: str
    key: str
    process: multiprocessing.Process
    control: object  # the parent's end of the Pipe

    def cpu(self) -> float:
        self.control.send("cpu")  # type: ignore[attr-defined]
        return self.control.recv()  # type: ignore[attr-defined,no-any-return]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=60)


@contextmanager
def served(settings_fields: dict, log: Path) -> Iterator[Child]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    port = free_port()
    process = context.Process(target=_serve, args=(settings_fields, port, str(log), child), daemon=True)
    process.start()
    try:
        if not parent.poll(START_TIMEOUT_S):
            raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')[-3000:]}")
        key = parent.recv()
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process.is_alive, log)
        yield Child(url, key, process, parent)
    finally:
        if process.pid is not None and process.is_alive():
            os.kill(process.pid, signal.SIGINT)
        process.join(60)
        if process.is_alive():
            process.kill()
            process.join()


@contextmanager
def database(name: str) -> Iterator[str | None]:
    """None for SQLite (the data dir's file); for PostgreSQL the URL of a schema of its own, dropped after."""
    if name == "sqlite":
        yield None
        return
    from sqlalchemy import create_engine, text

    schema = f"read_cost_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_ADMIN}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def drafted_consultation(client: httpx.Client) -> str:
    response = client.post("/v1/consultations", files={"transcript": ("consultation.txt", TRANSCRIPT.read_bytes())})
    if response.status_code != 202:
        raise RuntimeError(f"upload refused: {response.status_code} {response.text}")
    consultation_id = response.json()["id"]
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        status = client.get(f"/v1/consultations/{consultation_id}").json()["status"]
        if status == "ready":
            return consultation_id
        if status == "failed":
            raise RuntimeError(f"the consultation failed: {client.get(f'/v1/consultations/{consultation_id}').text}")
        time.sleep(0.2)
    raise RuntimeError("the consultation was not drafted in time")


def read(client: httpx.Client, path: str, count: int) -> None:
    for _ in range(count):
        response = client.get(path)
        if response.status_code != 200 or "ETag" not in response.headers:
            raise RuntimeError(f"read answered {response.status_code}: {response.text[:300]}")


def audit_reads(client: httpx.Client, consultation_id: str) -> int:
    """The number of read events of the consultation in the audit log (paged through /v1/audit)."""
    total, before = 0, None
    while True:
        params: dict[str, str | int] = {"consultation_id": consultation_id, "limit": 500}
        if before is not None:
            params["before"] = before
        page = client.get("/v1/audit", params=params).json()
        total += sum(1 for event in page["events"] if event["action"] == "read" and event["version"] is not None)
        before = page["next_before"]
        if before is None:
            return total


def py_spy() -> str | None:
    return os.environ.get("PY_SPY") or shutil.which("py-spy")


def profile(child: Child, client: httpx.Client, path: str, reads: int, out: Path) -> str:
    """Sample the server with py-spy during `reads` reads; the functions most often on the stack, as text.

    Only the thread holding the GIL is sampled (`--gil`): Python's CPU time, not threads waiting for I/O."""
    binary = py_spy()
    if binary is None:
        return "py-spy not found (put it on PATH or set PY_SPY): no profile"
    recorder = subprocess.Popen([binary, "record", "--pid", str(child.process.pid), "--rate", "500", "--format", "raw",
                                 "--output", str(out), "--nonblocking", "--gil"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
    time.sleep(1.0)  # py-spy attaches
    read(client, path, reads)
    recorder.send_signal(signal.SIGINT)
    _, err = recorder.communicate(timeout=60)
    if not out.exists():
        return f"py-spy wrote no profile: {err.decode(errors='replace')[-500:]}"
    return summarise_profile(out)


def _short(frame: str) -> str:
    """'get_note (service/api/notes.py:48)' from py-spy's 'get_note (/work/main/service/api/notes.py:48)'."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for prefix in (str(ROOT) + "/", "site-packages/"):
        if prefix in where:
            where = where.split(prefix, 1)[1]
    return f"{name} ({where.rsplit(':', 1)[0]})"


def summarise_profile(raw: Path, top: int = 45) -> str:
    """Inclusive and self shares of the samples (idle ones left out)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(frame) for frame in stack.split(";") if frame and not frame.startswith("process ")
                  and not frame.startswith("thread ")]
        if not frames:
            continue
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return "no samples"
    lines = [f"{total} samples of the thread holding the GIL", "", "on the stack (inclusive):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self (innermost frame):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def measure(name: str, args: argparse.Namespace, tmp: Path) -> tuple[Cost, str | None]:
    with database(name) as url:
        fields = {"data_dir": str(tmp / name), "models_dir": str(ROOT / "var" / "models"), "log_level": "INFO"}
        if url:
            fields["database_url"] = url
        log = tmp / f"{name}.log"
        with served(fields, log) as child, child.client() as client:
            consultation_id = drafted_consultation(client)
            path = f"/v1/consultations/{consultation_id}/note"
            read(client, path, args.warmup)
            audited_before = audit_reads(client, consultation_id)
            per_round = args.reads // args.rounds
            rounds, cpu_total, wall = [], 0.0, 0.0
            for _ in range(args.rounds):
                started, cpu_before = time.monotonic(), child.cpu()
                read(client, path, per_round)
                cpu = child.cpu() - cpu_before
                wall += time.monotonic() - started
                cpu_total += cpu
                rounds.append(1000 * cpu / per_round)
            audited = audit_reads(client, consultation_id) - audited_before
            idle_started, idle_before = time.monotonic(), child.cpu()
            time.sleep(min(wall, 10.0))
            idle_rate = 1000 * (child.cpu() - idle_before) / (time.monotonic() - idle_started)
            report = profile(child, client, path, args.reads, tmp / f"{name}.profile.txt") if args.profile else None
    return Cost(args.label, name, per_round * args.rounds, cpu_total, wall, idle_rate, audited, rounds), report


HEADER = ("| code | database | reads | server CPU ms/read | median of rounds | lowest round | all, less idle rate | "
          "idle CPU ms/s | wall ms/read (sequential) | read events audited |\n|---|---|---|---|---|---|---|---|---|---|")


def section(costs: list[Cost], kept_rows: list[str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = kept_rows + [cost.row() for cost in costs]
    return (f"## CPU per note read (issue 9)\n\n"
            f"Last measured {when} on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores), Python "
            f"{platform.python_version()}. `taskset -c 0 python -m benchmarks.read_cost`. `GET "
            f"/v1/consultations/{{id}}/note` (JSON) of one drafted consultation, sent one after another over one "
            f"keep-alive connection (httpx) to uvicorn serving the real app in a child process (INFO logging, "
            f"access log, embedded worker, as `soapscribe serve`); the child's `time.process_time()` (all its "
            f"threads) before and after the reads, divided by the reads: the load generator is not counted. "
            f"\"less idle rate\" subtracts the child's idle CPU rate (embedded worker polling) over the same wall "
            f"time. The reads are timed in rounds (`--rounds`): the median round is the figure to compare, as other "
            f"work on the core inflates some rounds. Every read must answer 200 with an ETag and add one read event "
            f"to the audit log (last column). "
            f"At 200 reads/s the goal needs well under 5 ms of CPU a read. One row per (code, database); "
            f"\"code\" is the label the run was given (`--label`).\n\n{HEADER}\n" + "\n".join(rows))


def kept(label: str, databases: list[str]) -> list[str]:
    """The rows of the current section that this run does not replace."""
    begin, end = markers(SECTION)
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if begin not in text or end not in text:
        return []
    body = text.split(begin, 1)[1].split(end, 1)[0]
    rows = []
    for line in body.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 10 and cells[1] in ("sqlite", "postgresql"):
            if not (cells[0] == label and cells[1] in databases):
                rows.append(line)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5, help="the reads are timed in this many rounds: the "
                        "median round is steadier than the whole when other work shares the core")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--label", default="current", help="names this code in the results table")
    parser.add_argument("--profile", action="store_true", help="sample the server with py-spy during more reads")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    costs = []
    with tempfile.TemporaryDirectory(prefix="read-cost-") as tmp:
        for name in args.databases:
            cost, report = measure(name, args, Path(tmp))
            costs.append(cost)
            print(f"{name}: {cost.reads} reads, server CPU {cost.cpu_ms_per_read:.2f} ms/read (rounds: "
                  f"{', '.join(f'{ms:.2f}' for ms in cost.rounds_ms)}; median {cost.median_ms:.2f}) "
                  f"({cost.net_cpu_ms_per_read:.2f} less the idle rate of {cost.idle_cpu_ms_per_s:.1f} ms/s), "
                  f"wall {1000 * cost.wall_s / cost.reads:.2f} ms/read, {cost.audit_reads} read events audited",
                  flush=True)
            if report:
                print(f"\nprofile ({name}):\n{report}\n", flush=True)
    if not args.no_write:
        write_section(RESULTS, SECTION, section(costs, kept(args.label, args.databases)))
        print(f"wrote the section '{SECTION}' of {RESULTS}")


if __name__ == "__main__":
    sys.exit(main())
