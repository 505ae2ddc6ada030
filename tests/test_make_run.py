"""What a newcomer does: start the service the way `make run` does, then paste the printed curl commands."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, soapscribe_env

ROOT = Path(__file__).resolve().parents[1]


def read_until(process: subprocess.Popen[str], pattern: str, timeout: float = 60) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if re.search(pattern, line):
            return lines
    pytest.fail("run.sh did not print " + pattern + ":\n" + "\n".join(lines))


def curl(command: str, **replace: str) -> str:
    for placeholder, value in replace.items():
        command = command.replace(placeholder, value)
    done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=30, check=True)
    return done.stdout


@pytest.mark.audio
def test_the_printed_key_and_curl_commands_turn_a_recording_into_a_note(
        tmp_path: Path, model_cache: Path, rendered: dict[str, Path]) -> None:
    port = free_port()
    env = soapscribe_env(tmp_path / "var", model_cache) | {"HOST": "127.0.0.1", "PORT": str(port)}
    process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        printed = read_until(process, r"/note\?format=markdown")
        key = re.search(r"API key: (ss_\S+)", "\n".join(printed)).group(1)  # type: ignore[union-attr]
        upload, status, note = [line.strip() for line in printed if line.strip().startswith("curl")]
        assert key in upload
        deadline = time.monotonic() + 30
        while True:  # run.sh prints before the server listens
            try:
                accepted = json.loads(curl(upload, **{"recording.wav": str(rendered["furosemide_night_cramps"])}))
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert accepted["status"] == "queued"
        deadline = time.monotonic() + 120
        while json.loads(curl(status, **{"<id>": accepted["id"]}))["status"] not in ("ready", "failed"):
            assert time.monotonic() < deadline, "the consultation was not processed in 120 s"
            time.sleep(0.5)
        markdown = curl(note, **{"<id>": accepted["id"]})
        assert "## Subjective" in markdown and "## Plan" in markdown
        assert "furosemide" in markdown.lower() and "3.1" in markdown
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
