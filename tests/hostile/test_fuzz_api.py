"""Schemathesis fuzzes the running API from its own OpenAPI document: no 5xx, and every response that the
document describes matches it.

The app runs under a real uvicorn on loopback (SQLite), called with a real API key. `make test` runs a bounded
number of cases; `make fuzz` sets FUZZ_MAX_EXAMPLES / FUZZ_MAX_TIME higher.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlmodel import Session

from service.api.app import create_app
from service.auth import create_key
from service.settings import Settings
from tests.conftest import BIN, free_port

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "8"))
MAX_TIME = int(os.environ.get("FUZZ_MAX_TIME", "15"))
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


@pytest.fixture
def live_api(settings: Settings) -> Iterator[tuple[str, str]]:
    """(base URL, API key) of the app under uvicorn in a thread, without a worker (the API is what is fuzzed)."""
    app = create_app(settings, start_worker=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.config.port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    with Session(app.state.runtime.engine) as session:
        key = create_key(session, "clinic-fuzz")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
        response = client.post("/v1/consultations", files={"transcript": ("t.txt", b"Doctor: Cramps?\nPatient: Yes.")})
        assert response.status_code == 202, response.text
    try:
        yield url, key
    finally:
        server.should_exit = True
        thread.join(30)


def test_the_running_api_never_answers_5xx_and_matches_its_openapi_document(live_api: tuple[str, str],
                                                                               tmp_path: Path) -> None:
    url, key = live_api
    report = tmp_path / "report"
    done = subprocess.run(
        [str(BIN / "schemathesis"), "run", f"{url}/openapi.json", "--header", f"Authorization: Bearer {key}",
         "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_TIME), "--seed", "10",
         "--workers", "1", "--request-timeout", "30", "--exclude-path-regex", "/events$",
         "--suppress-health-check", "all", "--no-color", "--report", "junit", "--report-dir", str(report)],
        capture_output=True, text=True, timeout=MAX_TIME + 120, cwd=tmp_path)  # its caches stay out of the repo
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    cases = [line for line in output.splitlines() if "test cases" in line.lower() or "passed" in line.lower()]
    print("\n".join(cases[-5:]))
