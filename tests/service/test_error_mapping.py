"""A lower layer's error means one thing to a user, in the API (problem+json) and the CLI (one line) alike."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from knowledge.errors import CorpusError, KnowledgeError
from nlp.asr.ct2_checkpoint import CheckpointError
from nlp.asr.registry import BackendUnavailable
from nlp.asr.weights import WeightsError
from nlp.audio import AudioDecodeError
from nlp.errors import SetupError
from nlp.transcript_io import TranscriptFormatError
from service.api import problems
from service.errors import as_scribe_error

CASES = [
    (AudioDecodeError("not audio"), 422, "Invalid input"),
    (TranscriptFormatError("line 3: no speaker"), 422, "Invalid input"),
    (CorpusError("gold/a.yaml: findings.0.code: field required"), 422, "Invalid input"),
    (KnowledgeError("leg_cramps/drugs.yaml: drugs.3.class: field required"), 500, "Server misconfigured"),
    (WeightsError("no model tiny.en"), 500, "Server misconfigured"),
    (BackendUnavailable("openai-whisper is not installed"), 500, "Server misconfigured"),
    (CheckpointError("model.bin is truncated"), 500, "Server misconfigured"),
    (SetupError("a model is missing"), 500, "Server misconfigured"),
]


@pytest.mark.parametrize(("error", "status", "title"), CASES, ids=lambda case: type(case).__name__)
def test_a_lower_layers_error_keeps_its_message_under_the_status_it_means(error: Exception, status: int,
                                                                         title: str) -> None:
    problem = as_scribe_error(error)
    assert (problem.status, problem.title, problem.detail) == (status, title, str(error))


@pytest.mark.parametrize(("error", "status", "title"), CASES, ids=lambda case: type(case).__name__)
def test_the_api_answers_a_lower_layers_error_as_its_problem(error: Exception, status: int, title: str) -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/fails")
    def fails() -> None:
        raise error

    response = TestClient(app, raise_server_exceptions=False).get("/fails")
    assert response.status_code == status
    assert response.headers["content-type"] == problems.PROBLEM_JSON
    assert response.json() == {"type": "https://soapscribe.dev/problems/" + title.lower().replace(" ", "-"),
                                "title": title, "status": status, "detail": str(error), "instance": "/fails"}
