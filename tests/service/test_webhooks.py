"""Webhooks: a signed POST when a consultation is ready, retried with backoff until the receiver takes it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import CONSULTATIONS, Server, soapscribe_env
from tests.service.processes import Processes, database, wait_for

SECRET = "test-webhook-secret"


class Receiver:
    """A real HTTP server on loopback that answers with the given statuses in turn and records each request;
    with `hold`, it answers only once `hold` is set (a slow receiver)."""

    def __init__(self, statuses: list[int], hold: threading.Event | None = None) -> None:
        self.statuses = statuses
        self.requests: list[tuple[float, dict[str, str], bytes]] = []
        self.answered = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((time.monotonic(), dict(self.headers), body))
                status = receiver.statuses[min(len(receiver.requests), len(receiver.statuses)) - 1]
                if hold is not None:
                    hold.wait(60)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.answered += 1

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/soapscribe"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def webhook_server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[tuple[Server, Processes]]:
    """`soapscribe serve` (SQLite, embedded worker) with a webhook secret and a short retry backoff."""
    data_dir = tmp_path_factory.mktemp("webhooks") / "var"
    # The receivers listen on 127.0.0.1, which is refused as a destination unless it is allow-listed.
    run = Processes(soapscribe_env(data_dir, model_cache, SOAPSCRIBE_WEBHOOK_SECRET=SECRET,
                                   SOAPSCRIBE_WEBHOOK_ALLOWED_NETWORKS='["127.0.0.1/32"]',
                                   SOAPSCRIBE_WEBHOOK_RETRY_BASE_SECONDS="0.5",
                                   SOAPSCRIBE_WEBHOOK_RETRY_MAX_SECONDS="2"), data_dir)
    server, _ = run.serve()
    yield server, run
    run.stop_all()


def test_a_failed_delivery_is_retried_and_the_signed_body_names_the_ready_note(webhook_server) -> None:
    server, run = webhook_server
    receiver = Receiver([500, 200])
    try:
        path = CONSULTATIONS / "furosemide_night_cramps.txt"
        with server.client() as client, path.open("rb") as handle:
            response = client.post("/v1/consultations", files={"transcript": (path.name, handle)},
                                   data={"callback_url": receiver.url})
        assert response.status_code == 202, response.text
        consultation_id = response.json()["id"]
        wait_for(lambda: len(receiver.requests) >= 2, timeout=60, what="two webhook requests")
        time.sleep(1.5)  # a third request would come after the 2 s backoff cap: there must be none
    finally:
        receiver.close()

    assert len(receiver.requests) == 2
    (first_at, _, first_body), (second_at, headers, body) = receiver.requests
    assert body == first_body, "a retry sends the same body"
    assert second_at - first_at >= 0.4, "the retry waits for the backoff"
    assert json.loads(body) == {"id": consultation_id, "status": "ready", "error": None,
                                "note_url": f"/v1/consultations/{consultation_id}/note"}
    timestamp = headers["X-Soapscribe-Timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Soapscribe-Signature"], f"sha256={expected}")
    assert abs(int(timestamp) - time.time()) < 120

    engine = database(f"sqlite:///{run.data_dir / 'soapscribe.db'}")
    with engine.connect() as connection:
        delivery = connection.execute(text("SELECT state, attempts, last_status, last_error FROM webhook_delivery "
                                           "WHERE consultation_id = :id"), {"id": consultation_id}).mappings().one()
    engine.dispose()
    assert dict(delivery) == {"state": "delivered", "attempts": 2, "last_status": 200, "last_error": None}


def test_a_slow_receiver_holds_up_no_job(webhook_server) -> None:
    """Webhooks are sent from their own thread: while a receiver takes its time (up to the 10 s request timeout),
    the worker goes on with the next consultation."""
    server, _ = webhook_server
    release = threading.Event()
    receiver = Receiver([200], hold=release)
    try:
        with server.client() as client:
            def upload(name: str, **form: str) -> str:
                response = client.post("/v1/consultations", data=form,
                                       files={"transcript": (name, (CONSULTATIONS / name).read_bytes())})
                assert response.status_code == 202, response.text
                return response.json()["id"]

            upload("furosemide_night_cramps.txt", callback_url=receiver.url)
            wait_for(lambda: receiver.requests, timeout=60, what="the first consultation's webhook request")
            second = upload("runner_dehydration.txt")
            wait_for(lambda: client.get(f"/v1/consultations/{second}").json()["status"] == "ready", timeout=8,
                     what="the second consultation, drafted while the webhook request is in flight")
            assert receiver.answered == 0, "the webhook request was still in flight"
        release.set()
        wait_for(lambda: receiver.answered, timeout=10, what="the held webhook request's answer")
    finally:
        release.set()
        receiver.close()
    assert len(receiver.requests) == 1


def refused_upload(webhook_server, callback_url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The problem+json of an upload whose callback URL is refused (422)."""
    server, _ = webhook_server
    with server.client() as client:
        response = client.post("/v1/consultations", data={"callback_url": callback_url},
                               files={"transcript": ("t.txt", b"Doctor: Any cramps?\nPatient: At night.\n")})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


@pytest.mark.parametrize("callback_url", ["ftp://127.0.0.1/hook", "file:///etc/passwd", "javascript:alert(1)",
                                          "http:///no-host"])
def test_a_callback_url_that_is_not_http_is_refused_at_upload(webhook_server, callback_url: str) -> None:
    assert "callback_url" in refused_upload(webhook_server, callback_url)["detail"]


@pytest.mark.parametrize(("callback_url", "kind"), [
    ("http://127.0.0.2:8080/hook", "127.0.0.2, a loopback address"),  # loopback, outside the allow-list
    ("http://[::1]/hook", "::1, a loopback address"),
    ("http://10.1.2.3/hook", "10.1.2.3, a private address"),
    ("https://192.168.0.10/hook", "192.168.0.10, a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),  # cloud metadata
    ("http://localhost.localdomain.invalid/hook", "does not resolve"),
])
def test_a_callback_url_to_an_internal_address_is_refused_unless_allow_listed(webhook_server, callback_url: str,
                                                                               kind: str) -> None:
    problem = refused_upload(webhook_server, callback_url)
    assert problem["title"] == "Callback URL refused" and kind in problem["detail"], problem


def test_a_public_address_passes_and_the_allow_list_takes_networks_or_hosts() -> None:
    from service.jobs.callback_urls import ForbiddenDestination, checked_address
    from service.settings import Settings

    assert checked_address("https://93.184.216.34/hook", Settings()) == "93.184.216.34"
    assert checked_address("http://10.1.2.3/hook", Settings(webhook_allowed_networks=["10.1.0.0/16"])) == "10.1.2.3"
    assert checked_address("http://localhost:9/hook", Settings(webhook_allowed_networks=["localhost"]))
    with pytest.raises(ForbiddenDestination):
        checked_address("http://10.2.0.1/hook", Settings(webhook_allowed_networks=["10.1.0.0/16"]))


def test_a_tenant_with_its_own_secret_gets_webhooks_signed_with_it(webhook_server) -> None:
    server, run = webhook_server
    key = run.run("keys", "create", "--tenant", "clinic-own-secret").strip().splitlines()[-1]
    tenant_secret = run.run("keys", "webhook-secret", "--tenant", "clinic-own-secret").strip().splitlines()[-1]
    assert tenant_secret.startswith("whsec_") and tenant_secret != SECRET
    receiver = Receiver([200])
    try:
        with server.client(key) as client:
            response = client.post("/v1/consultations", data={"callback_url": receiver.url},
                                   files={"transcript": ("t.txt",
                                                         (CONSULTATIONS / "runner_dehydration.txt").read_bytes())})
        assert response.status_code == 202, response.text
        wait_for(lambda: receiver.requests, timeout=60, what="the webhook request")
    finally:
        receiver.close()
    [(_, headers, body)] = receiver.requests
    timestamp = headers["X-Soapscribe-Timestamp"]
    signed = headers["X-Soapscribe-Signature"]
    with_tenant_secret = hmac.new(tenant_secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    with_server_secret = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    assert hmac.compare_digest(signed, f"sha256={with_tenant_secret.hexdigest()}")
    assert signed != f"sha256={with_server_secret.hexdigest()}"
    engine = database(f"sqlite:///{run.data_dir / 'soapscribe.db'}")
    with engine.connect() as connection:  # a secret: encrypted at rest like the patient text
        stored = connection.execute(text("SELECT webhook_secret FROM tenant WHERE name = 'clinic-own-secret'")).scalar()
    engine.dispose()
    assert stored.startswith("ss-enc:v2:") and tenant_secret not in stored
