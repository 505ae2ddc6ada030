"""API under load, on SQLite and PostgreSQL, and the memory of the API process and of a worker.

    .venv/bin/python -m benchmarks.api_load [--databases sqlite postgresql] [--seed 50] [--seconds 20]

For each database the real service is started as `make run` starts it (`soapscribe serve`: uvicorn, one
process, embedded worker) on loopback, with its own data dir; on PostgreSQL against a database
`bench_<pid>` created on 127.0.0.1:5432 for the run and dropped afterwards (the tests' `test` database is
not touched). Then:

1. one recording (the 1-minute espeak-ng clip of benchmarks.pipeline) is uploaded and processed, so the
   API process holds every model (ASR, voice encoder, spaCy): its peak RSS is read from /proc (VmHWM);
2. `--seed` transcripts are uploaded and drafted (ready consultations to read);
3. reads, `GET /v1/consultations/{id}/note` (JSON, rotating over the seeded ids):
   - maximum throughput and latency percentiles with `wrk` (closed loop: each connection sends its next
     request when the last one is answered), 2 threads, `--connections` connections;
   - latency at a fixed 200 requests/s with `hey` (`-c 20 -q 10`: 20 workers, each rate-limited to 10
     requests/s, so requests start on a 100 ms schedule per worker whatever the latency, as long as it
     stays under 100 ms; wrk cannot hold a rate and Debian has no wrk2 or vegeta); percentiles from
     every request's latency (`-o csv`);
4. uploads, `POST /v1/consultations` with a transcript file (multipart), with `wrk` at `--upload-connections`
   connections: throughput and percentiles; then the database is counted (every 202 must be a
   consultation) and the embedded worker's backlog is waited for (every upload must become ready).

Last, memory of a separate worker: the service is started with the embedded worker off plus one
`soapscribe worker` process on the same SQLite database, the clip is uploaded, and the worker's peak RSS
after the job is read.

wrk and hey are Debian packages (`scripts/install-system-deps.sh wrk hey`, run by `make bench`). Load generator and
server share the machine's 2 cores: the generator's own CPU time counts against the server.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks.results import RESULTS, write_section
from benchmarks.serving import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONSULTATIONS = ROOT / "tests" / "data" / "consultations"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
READ_GOAL_MS = 20.0
RATE = 200
HEY_WORKERS = 20
BOUNDARY = "soapscribebenchboundary"
READY_TIMEOUT_S = 900


@dataclass
class Load:
    """Figures of one load-generator run."""

    tool: str
    connections: int
    seconds: float
    requests: int
    ok: int
    percentiles_ms: dict[str, float]
    errors: int = 0
    server_cpu_s: float = 0.0  # CPU time the server process used during the run (all its threads)

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.requests if self.requests else 0.0

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


@dataclass
class DatabaseRun:
    database: str
    rss: dict[str, float] = field(default_factory=dict)  # when -> VmHWM MB
    seeded: int = 0
    seed_s: float = 0.0
    reads: Load | None = None
    fixed: Load | None = None
    uploads: Load | None = None
    upload_rows: int = 0
    upload_ready: int = 0
    drain_s: float = 0.0
    load_average: list[float] = field(default_factory=list)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat), all threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def with_server_cpu(pid: int, run) -> Load:  # noqa: ANN001
    """Run a load generator and charge it the server's CPU time meanwhile: on a shared machine the
    server's CPU per request is steadier than its latency."""
    before = cpu_seconds(pid)
    load = run()
    load.server_cpu_s = cpu_seconds(pid) - before
    return load


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database `bench_<pid>` for this run, dropped afterwards; yields its SQLAlchemy URL."""
    import psycopg

    name = f"bench_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Service:
    url: str
    key: str
    process: subprocess.Popen
    env: dict[str, str]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=120)


def service_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    env = os.environ | {"SOAPSCRIBE_DATA_DIR": str(data_dir), "SOAPSCRIBE_MODELS_DIR": str(ROOT / "var" / "models"),
                        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **extra}
    if database_url:
        env["SOAPSCRIBE_DATABASE_URL"] = database_url
    return env


@contextmanager
def service(env: dict[str, str], log: Path) -> Iterator[Service]:
    """`soapscribe keys create` then `soapscribe serve`, as scripts/run.sh does; stopped on exit."""
    created = subprocess.run([str(BIN / "soapscribe"), "keys", "create", "--tenant", "bench"], env=env | {
        "SOAPSCRIBE_LOG_LEVEL": "WARNING"}, check=True, capture_output=True, text=True)
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen([str(BIN / "soapscribe"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, lambda: process.poll() is None, log)
        yield Service(url, key, process, env)
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C, as an operator stops the service; killed if it has not exited within a minute."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(client: httpx.Client, ids: list[str], timeout: float = READY_TIMEOUT_S) -> int:
    """Poll until every consultation is ready or failed; the number that are ready."""
    pending, ready = set(ids), 0
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for consultation_id in list(pending):
            status = client.get(f"/v1/consultations/{consultation_id}").json()["status"]
            if status in ("ready", "failed"):
                pending.discard(consultation_id)
                ready += status == "ready"
        if pending:
            time.sleep(0.5)
    return ready


def upload_audio(client: httpx.Client, audio: Path) -> str:
    with audio.open("rb") as handle:
        response = client.post("/v1/consultations", files={"audio": (audio.name, handle, "audio/wav")},
                               data={"consent_method": "verbal", "consent_confirmed_by": "benchmark"})
    if response.status_code != 202:
        raise RuntimeError(f"upload refused: {response.status_code} {response.text}")
    return response.json()["id"]


def transcript_text() -> str:
    return (CONSULTATIONS / "bumetanide_spironolactone.txt").read_text(encoding="utf-8")


def multipart_body(text: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"transcript\"; filename=\"consultation.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n{text}\r\n--{BOUNDARY}--\r\n").encode()


def seed(client: httpx.Client, count: int) -> list[str]:
    text = transcript_text()
    ids = []
    for _ in range(count):
        response = client.post("/v1/consultations", files={"transcript": ("c.txt", text.encode(), "text/plain")})
        response.raise_for_status()
        ids.append(response.json()["id"])
    return ids


_WRK_DONE = """
done = function(summary, latency, requests)
  local p = {}
  for _, q in ipairs({50, 75, 90, 99, 99.9}) do p[tostring(q)] = latency:percentile(q) / 1000 end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "seconds": %f, "non2xx": %d, "socket_errors": %d, '
    .. '"p50": %f, "p75": %f, "p90": %f, "p99": %f, "p99.9": %f, "max": %f}\\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    p["50"], p["75"], p["90"], p["99"], p["99.9"], latency.max / 1000))
end
"""


def wrk(url: str, script: str, connections: int, seconds: int, tmp: Path) -> Load:
    lua = tmp / "wrk.lua"
    lua.write_text(script + _WRK_DONE, encoding="utf-8")
    done = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
                           "-s", str(lua), url], check=True, capture_output=True, text=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRKJSON "))
    figures = json.loads(line.removeprefix("WRKJSON "))
    errors = figures["non2xx"] + figures["socket_errors"]
    return Load("wrk", connections, figures["seconds"], figures["requests"], figures["requests"] - figures["non2xx"],
                {q: figures[q] for q in ("p50", "p75", "p90", "p99", "p99.9", "max")}, errors)


def read_script(key: str, ids: list[str]) -> str:
    paths = ", ".join(f'"/v1/consultations/{cid}/note"' for cid in ids)
    return f"""
local paths = {{{paths}}}
local n = 0
wrk.headers["Authorization"] = "Bearer {key}"
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
"""


def upload_script(key: str, body_file: Path) -> str:
    return f"""
local f = io.open("{body_file}", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Authorization"] = "Bearer {key}"
wrk.headers["Content-Type"] = "multipart/form-data; boundary={BOUNDARY}"
"""


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    index = max(0, min(len(sorted_values) - 1, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def hey_fixed_rate(url: str, key: str, seconds: int) -> Load:
    done = subprocess.run(["hey", "-z", f"{seconds}s", "-c", str(HEY_WORKERS), "-q", str(RATE // HEY_WORKERS),
                           "-t", "10", "-H", f"Authorization: Bearer {key}", "-o", "csv", url],
                          check=True, capture_output=True, text=True)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    latencies = sorted(float(row["response-time"]) * 1000 for row in rows)
    ok = sum(1 for row in rows if row["status-code"].startswith("2"))
    span = max(float(row["offset"]) + float(row["response-time"]) for row in rows) if rows else float(seconds)
    return Load("hey", HEY_WORKERS, span, len(rows), ok,
                {f"p{q:g}": percentile(latencies, q) for q in (50, 75, 90, 99, 99.9)} | {"max": latencies[-1]},
                len(rows) - ok)


def count_consultations(env: dict[str, str], status: str | None = None) -> int:
    """Consultations in the service's database (with `status`: only those)."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from service.settings import Settings
    from service.store.db import make_engine
    from service.store.models import Consultation

    settings = Settings(data_dir=Path(env["SOAPSCRIBE_DATA_DIR"]), database_url=env.get("SOAPSCRIBE_DATABASE_URL"))
    engine = make_engine(settings)
    query = select(func.count()).select_from(Consultation)
    if status is not None:
        query = query.where(Consultation.status == status)
    try:
        with Session(engine) as session:
            return session.exec(query).one()
    finally:
        engine.dispose()


def ready_count(env: dict[str, str]) -> int:
    return count_consultations(env, "ready")


def drain(env: dict[str, str], expected: int, timeout: float = READY_TIMEOUT_S) -> tuple[int, float]:
    """Wait until `expected` consultations are ready (the worker's backlog is done); (ready, seconds)."""
    started = time.monotonic()
    ready = ready_count(env)
    while ready < expected and time.monotonic() - started < timeout:
        time.sleep(1.0)
        ready = ready_count(env)
    return ready, time.monotonic() - started


def run_database(database: str, database_url: str | None, args: argparse.Namespace, tmp: Path,
                 clip: Path) -> DatabaseRun:
    run = DatabaseRun(database)
    data_dir = tmp / database
    env = service_env(data_dir, database_url)
    log = tmp / f"{database}.log"
    with service(env, log) as svc, svc.client() as client:
        pid = svc.process.pid
        run.rss["started"] = vm_hwm_mb(pid)
        run.load_average.append(os.getloadavg()[0])
        ready = wait_ready(client, [upload_audio(client, clip)])
        if ready != 1:
            raise RuntimeError(f"the recording was not processed; see {log}")
        run.rss["after a 1-minute recording (all models loaded)"] = vm_hwm_mb(pid)
        started = time.perf_counter()
        ids = seed(client, args.seed)
        run.seeded = wait_ready(client, ids)
        run.seed_s = time.perf_counter() - started
        client.get(f"/v1/consultations/{ids[0]}/note").raise_for_status()
        run.load_average.append(os.getloadavg()[0])
        run.reads = with_server_cpu(pid, lambda: wrk(f"{svc.url}/v1/consultations/{ids[0]}/note",
                                                     read_script(svc.key, ids), args.connections, args.seconds, tmp))
        run.load_average.append(os.getloadavg()[0])
        run.fixed = with_server_cpu(pid, lambda: hey_fixed_rate(f"{svc.url}/v1/consultations/{ids[0]}/note",
                                                                svc.key, args.seconds))
        run.rss["after the read load"] = vm_hwm_mb(pid)
        before = count_consultations(env)
        body = tmp / "upload.body"
        body.write_bytes(multipart_body(transcript_text()))
        run.load_average.append(os.getloadavg()[0])
        run.uploads = with_server_cpu(pid, lambda: wrk(f"{svc.url}/v1/consultations", upload_script(svc.key, body),
                                                       args.upload_connections, args.upload_seconds, tmp))
        ready_before = 1 + run.seeded
        # Requests still in flight when wrk stops are accepted after it stopped counting, so the rows
        # can outnumber the 202s wrk saw: every row must be drafted.
        run.upload_rows = count_consultations(env) - before
        while True:  # until no row arrived while draining: each must be drafted, not only those counted first
            run.upload_ready, run.drain_s = drain(env, ready_before + run.upload_rows)
            rows = count_consultations(env) - before
            if rows == run.upload_rows:
                break
            run.upload_rows = rows
        run.upload_ready -= ready_before
        run.rss["after the uploads were drafted"] = vm_hwm_mb(pid)
    return run


def worker_memory(tmp: Path, clip: Path) -> dict[str, float]:
    """API with the embedded worker off plus one `soapscribe worker`: each process's peak RSS after a job."""
    env = service_env(tmp / "worker", None, SOAPSCRIBE_EMBEDDED_WORKER="false")
    log = tmp / "worker.log"
    with service(env, log) as svc, svc.client() as client, log.open("ab") as out:
        worker = subprocess.Popen([str(BIN / "soapscribe"), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                  cwd=ROOT)
        try:
            if wait_ready(client, [upload_audio(client, clip)]) != 1:
                raise RuntimeError(f"the worker did not process the recording; see {log}")
            return {"worker, after a 1-minute recording": vm_hwm_mb(worker.pid),
                    "API without the embedded worker, after the upload": vm_hwm_mb(svc.process.pid)}
        finally:
            stop(worker)


def _load_row(name: str, load: Load | None, goal: str = "") -> str:
    if load is None:
        return f"| {name} | – | – | – | – | – | – | – | – | – | |"
    p = load.percentiles_ms
    return (f"| {name} | {load.tool}, {load.connections} | {load.requests:,} in {load.seconds:.0f} s "
            f"| {load.throughput:,.0f} | {p['p50']:.1f} | {p['p90']:.1f} | {p['p99']:.1f} | {p['max']:.1f} "
            f"| {load.errors} | {load.cpu_ms_per_request:.1f} | {goal} |")


def report(runs: list[DatabaseRun], workers: dict[str, float], started: str, args: argparse.Namespace) -> str:
    lines = [
        "## API under load, and memory (issue 9)", "",
        f"Measured {started} UTC on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores), Python "
        f"{platform.python_version()}. `python -m benchmarks.api_load`. **The machine was shared with other jobs "
        f"during this run** (load average at the start of each phase in the last column of the table below); "
        "load generator and server on the same 2 cores, over loopback.", "",
        "The service as `make run` starts it (`soapscribe serve`: uvicorn, one process, embedded worker, "
        "INFO logging); on PostgreSQL a database created for the run on 127.0.0.1:5432. Reads are "
        f"`GET /v1/consultations/{{id}}/note` (JSON) of consultations seeded by {args.seed} transcript uploads "
        "(wrk rotates over them, hey reads one). wrk: 2 threads, closed loop, maximum throughput. hey: "
        f"{HEY_WORKERS} workers x {RATE // HEY_WORKERS} requests/s = {RATE} requests/s on a fixed schedule "
        "(open loop while latency < 100 ms); percentiles from every request. Uploads: `POST /v1/consultations` "
        f"with a {len(transcript_text().split())}-word transcript (multipart), wrk. Latencies in ms. "
        f"Goal for reads: p99 < {READ_GOAL_MS:g} ms at {RATE} requests/s. Server CPU ms/request: CPU time of the "
        "server process during the run / requests answered (for uploads it includes the embedded worker "
        "drafting them meanwhile); 1000 / it bounds the requests a second one free core could serve. When "
        "latency exceeds hey's 100 ms schedule, each hey worker waits for its answer and the offered rate "
        "falls below 200/s: the requests/s column says what was offered.", "",
        "| database | load | tool, connections | requests | requests/s | p50 | p90 | p99 | max | errors "
        "| server CPU ms/request | goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        for name, load, goal in (
                ("reads, max throughput", run.reads, ""),
                (f"reads at {RATE}/s", run.fixed,
                 "" if run.fixed is None else ("**met**" if run.fixed.percentiles_ms["p99"] < READ_GOAL_MS
                                               and run.fixed.throughput >= 0.95 * RATE else "**not met**")),
                ("transcript uploads", run.uploads, "")):
            lines.append(f"| {run.database} |{_load_row(name, load, goal)[1:]}")
    lines += ["", "Uploads, end to end: every accepted upload (202) must be a consultation and be drafted by the "
              "embedded worker (rows can outnumber the 202s wrk counted: requests in flight when wrk stops are "
              "answered after it stopped counting).", "",
              "| database | seeded ready | uploads accepted | new consultation rows | drafted (ready) | "
              "worker backlog drained in (s) | load average per phase |", "|---|---|---|---|---|---|---|"]
    for run in runs:
        accepted = run.uploads.ok if run.uploads else 0
        lines.append(f"| {run.database} | {run.seeded}/{args.seed} in {run.seed_s:.1f} s | {accepted:,} "
                     f"| {run.upload_rows:,} | {run.upload_ready:,} | {run.drain_s:.0f} "
                     f"| {', '.join(f'{value:.1f}' for value in run.load_average)} |")
    lines += ["", "### Memory: peak RSS (VmHWM from /proc)", "",
              "| process | when | peak RSS (MB) |", "|---|---|---|"]
    for run in runs:
        lines += [f"| API ({run.database}, embedded worker) | {when} | {mb:.0f} |" for when, mb in run.rss.items()]
    lines += [f"| `soapscribe worker` / API (SQLite) | {when} | {mb:.0f} |" for when, mb in workers.items()]
    lines += ["", "The recording is the 1-minute espeak-ng clip of benchmarks.pipeline; models are loaded on the "
              "first job (faster-whisper tiny.en int8, resemblyzer voice encoder, spaCy)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=50, help="transcripts uploaded and drafted before the reads")
    parser.add_argument("--seconds", type=int, default=20, help="length of each read run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections for the reads")
    parser.add_argument("--upload-seconds", type=int, default=10)
    parser.add_argument("--upload-connections", type=int, default=8)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    missing = [tool for tool in ("wrk", "hey") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"error: {', '.join(missing)} not installed: run `bash scripts/install-system-deps.sh wrk hey`")
    from benchmarks.pipeline import consultation_audio

    clip = consultation_audio(1.0)
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    runs = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for database in args.databases:
            if database == "postgresql":
                with postgres_database() as url:
                    runs.append(run_database(database, url, args, tmp, clip))
            else:
                runs.append(run_database(database, None, args, tmp, clip))
            print(f"{database} done", flush=True)
        workers = worker_memory(tmp, clip)
    body = report(runs, workers, started, args)
    write_section(args.out, "api_load", body)
    print(body)


if __name__ == "__main__":
    main()
