"""Starting a service for a benchmark: a free loopback port, and waiting until it answers /healthz."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx

START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, alive: Callable[[], bool], log: Path, timeout: float = START_TIMEOUT_S) -> None:
    """Return once `url`/healthz answers 200; raise with the end of `log` if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if not alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the service did not start:\n{log.read_text(encoding='utf-8', errors='replace')[-3000:]}")
        time.sleep(0.2)
