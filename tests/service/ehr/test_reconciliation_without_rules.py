"""A topic without reconciliation rules: the review app is told so (no 500), and decisions are refused by name."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, Server, running_server
from tests.service.ehr.test_reconciliation import launched_consultation


@pytest.fixture(scope="module")
def server_without_rules(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Server]:
    """A second server whose only topic is leg cramps without its reconciliation.yaml."""
    topics = tmp_path_factory.mktemp("topics")
    shutil.copytree(ROOT / "knowledge" / "topics" / "leg_cramps", topics / "leg_cramps")
    (topics / "leg_cramps" / "reconciliation.yaml").unlink()
    with running_server(tmp_path_factory.mktemp("no-rules") / "var", model_cache,
                        SOAPSCRIBE_TOPICS_DIR=str(topics)) as server:
        yield server


def test_a_topic_without_reconciliation_rules_says_so_and_refuses_decisions(server_without_rules, fhir, encounter):
    consultation_id, key = launched_consultation(server_without_rules, fhir, encounter, "new_medication")
    url = f"/ehr/api/consultations/{consultation_id}/reconciliation"
    with server_without_rules.client(key) as client:
        response = client.get(url)
        assert response.status_code == 200, response.text
        view = response.json()
        assert view["items"] == [] and view["patient"] == f"Patient/{encounter[0]}"
        assert "has no reconciliation rules (reconciliation.yaml)" in view["unavailable"]

        for refused in (client.put(f"{url}/new:omeprazole", json={"decision": "confirmed"}),
                        client.post(f"{url}/new:omeprazole/add-to-chart")):
            assert refused.status_code == 404
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert "no reconciliation rules" in refused.json()["detail"]
        actions = [event["action"] for event in
                   client.get("/v1/audit", params={"consultation_id": consultation_id}).json()["events"]]
    assert "read" in actions and "reconcile" not in actions
