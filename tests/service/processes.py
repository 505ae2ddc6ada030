"""Real `soapscribe` processes for the job tests: servers and workers started, killed and restarted."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.conftest import BIN, Server, free_port, soapscribe_cli

REDIS_URL = "redis://127.0.0.1:6379/15"


class Processes:
    """Starts `soapscribe` commands with one environment; whatever is still running is stopped at the end."""

    def __init__(self, env: dict[str, str], data_dir: Path) -> None:
        self.env = env
        self.data_dir = data_dir
        self.logs = data_dir.parent / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.running: list[subprocess.Popen[bytes]] = []
        self._api_key: str | None = None

    def run(self, *args: str) -> str:
        """Run a set-up command (`keys create`, `db upgrade`) to completion in this process; its stdout.
        What is under test runs in `spawn`ed processes."""
        done = soapscribe_cli(self.env, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    @property
    def api_key(self) -> str:
        if self._api_key is None:
            self._api_key = self.run("keys", "create", "--tenant", "clinic-jobs").strip().splitlines()[-1]
        return self._api_key

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}-{len(self.running)}.log").open("wb")
        process = subprocess.Popen([str(BIN / "soapscribe"), *args], env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def serve(self) -> tuple[Server, subprocess.Popen[bytes]]:
        key = self.api_key
        port = free_port()
        process = self.spawn("serve", "serve", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return Server(url=url, api_key=key, data_dir=self.data_dir), process
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail("the server did not start:\n" + self.log_text())

    def worker(self) -> subprocess.Popen[bytes]:
        return self.spawn("worker", "worker")

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no clean-up, no lease released, as when a machine dies."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def log_text(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
                         for path in sorted(self.logs.glob("*.log")))

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition, timeout: float, interval: float = 0.1, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll `condition()` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def database(url: str) -> Engine:
    return create_engine(url)


def jobs_of(engine: Engine, consultation_id: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, state, attempts, lease_owner, lease_until FROM job "
                                       "WHERE consultation_id = :id"), {"id": consultation_id}).mappings().all()
    return [dict(row) for row in rows]


def consultation_row(engine: Engine, consultation_id: str) -> dict:
    """The consultation's status, progress and error, and its drafted note (version 1) as stored."""
    with engine.connect() as connection:
        return dict(connection.execute(text(
            "SELECT c.status, c.progress, c.error, v.markdown AS note_markdown FROM consultation c "
            "LEFT JOIN note_version v ON v.consultation_id = c.id AND v.version = 1 WHERE c.id = :id"),
            {"id": consultation_id}).mappings().one())


def owner_pid(lease_owner: str | None) -> int | None:
    """`job.lease_owner` is host:pid:random."""
    return int(lease_owner.split(":")[1]) if lease_owner else None
