"""The deployment files: docker-compose.yml must be accepted by Compose (no engine is needed to check it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def compose(*args: str) -> subprocess.CompletedProcess[str]:
    """`docker compose` when the v2 plugin is there, else Debian's `docker-compose` (installed by make test)."""
    plugin = shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    command = ["docker", "compose"] if plugin else [shutil.which("docker-compose") or "docker-compose"]
    return subprocess.run([*command, "-f", str(ROOT / "docker-compose.yml"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_compose_accepts_the_file_and_it_has_the_four_services() -> None:
    checked = compose("config", "-q")
    assert checked.returncode == 0, checked.stderr
    services = compose("config", "--services")
    assert set(services.stdout.split()) == {"api", "worker", "postgres", "redis"}
