"""Who may see what: every route needs a key and keeps tenants apart; every read and write is audited;
readiness and metrics for operators."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from service.readiness import check_broker, check_database
from service.settings import Settings
from service.store.models import AuditEvent, Consultation
from tests.conftest import free_port
from tests.service.api_client import Api, assert_problem, open_api

UNAUTHENTICATED = {"/healthz", "/readyz", "/metrics"}


def operations(api: Api) -> list[tuple[str, str, dict]]:
    """Every operation of the OpenAPI document that is not an operator endpoint: (method, path, its spec)."""
    document = api.client.app.openapi()  # type: ignore[attr-defined]
    return [(method.upper(), path, spec) for path, ops in document["paths"].items() for method, spec in ops.items()
            if path not in UNAUTHENTICATED]


def example(schema: dict, components: dict) -> object:
    """A small instance of a JSON schema (required fields only), so a request passes validation."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for choice in ("anyOf", "oneOf", "allOf"):
        if choice in schema:
            options = [s for s in schema[choice] if s.get("type") != "null"]
            return example(options[0], components)
    if "enum" in schema or "const" in schema:
        return schema.get("enum", [schema.get("const")])[0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        properties = schema.get("properties", {})
        if not required and "markdown" in properties:  # a note edit: exactly one of sections/markdown
            return {"markdown": "## Plan\nChanged by someone else."}
        return {name: example(properties[name], components) for name in required}
    return {"string": "x", "integer": 1, "number": 1.0, "boolean": True, "array": []}.get(kind)  # type: ignore[arg-type]


def call(api: Api, method: str, path: str, spec: dict, consultation_id: str, key: str | None) -> object:
    url = re.sub(r"\{(?!consultation_id)\w+\}", "1", path.replace("{consultation_id}", consultation_id))
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    kwargs: dict[str, object] = {}
    body = spec.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        components = api.client.app.openapi()["components"]["schemas"]  # type: ignore[attr-defined]
        kwargs["json"] = example(body["application/json"]["schema"], components)
        headers["If-Match"] = "*"
    if "multipart/form-data" in body:
        kwargs["files"] = {"transcript": ("t.txt", b"Doctor: Any cramps?\nPatient: Yes.")}
    if any(parameter["name"] == "consultation_id" and parameter["in"] == "query"
           for parameter in spec.get("parameters", [])):
        kwargs["params"] = {"consultation_id": consultation_id}
    return api.client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]


def test_every_route_needs_a_key_and_hides_other_tenants_consultations(api: Api) -> None:
    consultation_id = api.ready()
    checked = operations(api)
    assert len(checked) >= 14, checked
    for method, path, spec in checked:
        for key in (None, "ss_not-a-key"):
            assert_problem(call(api, method, path, spec, consultation_id, key), 401, "API key")  # type: ignore[arg-type]
        if "{consultation_id}" in path or path == "/v1/audit":
            response = call(api, method, path, spec, consultation_id, api.other_key)
            body = assert_problem(response, 404)  # type: ignore[arg-type]
            assert consultation_id in body["detail"] or not path.startswith("/v1/"), body
    assert api.get("/v1/consultations", key=api.other_key).json()["items"] == []

    note = api.get(f"/v1/consultations/{consultation_id}/note").json()
    assert (note["version"], note["status"]) == (1, "draft"), "the other tenant changed nothing"
    assert api.get(f"/v1/consultations/{consultation_id}").json()["status"] == "ready"


def audit_of(api: Api, consultation_id: str, key: str | None = None) -> list[tuple[str, int | None]]:
    response = api.get("/v1/audit", params={"consultation_id": consultation_id}, key=key)
    assert response.status_code == 200, response.text
    return [(event["action"], event["version"]) for event in reversed(response.json()["events"])]


def test_every_read_and_write_is_audited_without_any_text(api: Api) -> None:
    consultation_id = api.create()
    api.wait(consultation_id)  # reads (polling): audited, counted below
    polls = audit_of(api, consultation_id)
    assert polls[0] == ("create", None) and all(event == ("read", None) for event in polls[1:])

    etag = api.get(f"/v1/consultations/{consultation_id}/note").headers["etag"]
    api.get(f"/v1/consultations/{consultation_id}/findings")
    api.request("PUT", f"/v1/consultations/{consultation_id}/note", headers={"If-Match": etag},
                json={"markdown": "## Plan\nFurosemide stopped."})
    api.request("POST", f"/v1/consultations/{consultation_id}/note/sign")
    api.get(f"/v1/consultations/{consultation_id}/note/versions/1")
    api.request("DELETE", f"/v1/consultations/{consultation_id}")

    assert audit_of(api, consultation_id)[len(polls):] == [
        ("read", 1), ("read", None), ("update", 2), ("sign", 2), ("read", 1), ("delete", None)]
    with Session(api.engine) as session:
        rows = session.exec(select(AuditEvent)).all()
    stored = " ".join(str(row.model_dump()) for row in rows).lower()
    assert "furosemide" not in stored and "cramp" not in stored, "no transcript or note text in the audit log"
    assert {row.api_key_id for row in rows if row.consultation_id == consultation_id} != {None}


def test_the_audit_log_is_the_tenants_own(api: Api) -> None:
    consultation_id = api.ready()
    assert_problem(api.get("/v1/audit", params={"consultation_id": consultation_id}, key=api.other_key), 404)
    theirs = api.get("/v1/audit", key=api.other_key).json()["events"]
    assert all(event["consultation_id"] != consultation_id for event in theirs)
    mine = api.get("/v1/audit", params={"limit": 2}).json()
    assert len(mine["events"]) == 2 and mine["next_before"] is not None
    older = api.get("/v1/audit", params={"limit": 2, "before": mine["next_before"]}).json()["events"]
    assert older and max(event["id"] for event in older) < min(event["id"] for event in mine["events"])


def test_a_retry_is_audited(api_without_worker: Api) -> None:
    consultation_id = api_without_worker.create()
    with Session(api_without_worker.engine) as session:
        row = session.get(Consultation, consultation_id)
        row.status = "failed"
        session.add(row)
        session.commit()
    api_without_worker.request("POST", f"/v1/consultations/{consultation_id}/retry")
    assert audit_of(api_without_worker, consultation_id)[-1] == ("retry", None)


# -- readiness --------------------------------------------------------------------------------


def test_ready_when_the_database_answers(api: Api) -> None:
    response = api.client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_ready_checks_the_redis_broker_when_one_is_configured(store_settings: Settings) -> None:
    settings = store_settings.model_copy(update={"broker_url": "redis://127.0.0.1:6379/0"})
    for api in open_api(settings, start_worker=False):
        response = api.client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_not_ready_names_the_broker_that_is_down(settings: Settings) -> None:
    down = settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"})
    for api in open_api(down, start_worker=False):
        body = assert_problem(api.client.get("/readyz"), 503, "broker is down")
        assert body["checks"]["database"] == "ok" and body["checks"]["broker"] != "ok"


def test_a_database_that_does_not_answer_is_reported() -> None:
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
                           connect_args={"connect_timeout": 2})
    assert "OperationalError" in (check_database(engine) or "")
    assert check_broker(f"redis://127.0.0.1:{free_port()}/0") is not None
    assert check_broker("redis://127.0.0.1:6379/0") is None


# -- metrics ----------------------------------------------------------------------------------


def metric(text: str, name: str, **labels: str) -> float:
    label_text = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.escape(name + ("{" + label_text + "}" if labels else "")) + r" ([0-9.e+]+)"
    match = re.search(pattern, text)
    assert match, f"{name} {labels} not in metrics"
    return float(match.group(1))


def test_metrics_count_requests_by_route_template_and_consultations_by_status(api_without_worker: Api) -> None:
    api = api_without_worker
    ids = [api.create() for _ in range(2)]
    for consultation_id in ids:
        api.get(f"/v1/consultations/{consultation_id}")
    api.get("/v1/consultations/nope")

    response = api.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    route = "/v1/consultations/{consultation_id}"
    assert metric(text, "soapscribe_http_requests_total", method="GET", route=route, status="200") == 2
    assert metric(text, "soapscribe_http_requests_total", method="GET", route=route, status="404") == 1
    assert metric(text, "soapscribe_http_requests_total", method="POST", route="/v1/consultations", status="202") == 2
    assert metric(text, "soapscribe_http_request_duration_seconds_count", method="GET", route=route) == 3
    assert all(consultation_id not in text for consultation_id in ids), "ids are never label values"
    assert metric(text, "soapscribe_consultations", status="queued") == 2
    assert metric(text, "soapscribe_consultations", status="ready") == 0
    assert metric(text, "soapscribe_jobs_queued") == 2


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_operator_endpoints_need_no_key(api_without_worker: Api, path: str) -> None:
    assert api_without_worker.client.get(path).status_code == 200
