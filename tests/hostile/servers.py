"""Private PostgreSQL and Redis servers that a fault test may stop, kill and restart.

The machine's shared servers are used by other test runs at the same time, so they are never touched: each
test gets its own PostgreSQL cluster (initdb as the `postgres` user, in a temporary directory, on a free
port) and its own `redis-server` without persistence.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import free_port


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL server binaries are needed (scripts/install-system-deps.sh installs them)")
    return Path(found[-1]).parent


def _as_postgres(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL tool as the `postgres` user (the server refuses to run as root)."""
    command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done


class PrivatePostgres:
    """A throw-away PostgreSQL cluster; `stop()` kills it the way a crash does, `start()` recovers it."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="soapscribe-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        _as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                     "-w", "-t", "120", "start")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: no checkpoint, connections cut; the next start runs crash recovery."""
        _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "120", "stop")

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D", str(self.data),
                            "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A `redis-server` without persistence: killing it loses every message, as a real crash would."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        log = (self.root / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.root)],
                                        stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        pytest.fail("the private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    close = kill
