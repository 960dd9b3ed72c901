"""``/api/v1/main/ai/generate-flow`` (Lanner) and ``/ai/generate/flow`` (Kestra) through FastAPI's
TestClient: with a stand-in service, and with the real runtime services and a fake model server."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning
from tests.unit.copilot.flows import UNKNOWN_PROPERTY, VALID, fenced

from lanner.api.app import create_app
from lanner.api.ports import FlowGeneration
from lanner.errors import ConfigurationError, Issue, LannerError
from lanner.llm.fakeserver import FakeLLMServer
from lanner.runtime.api_services import RuntimeApiServices
from lanner.testing import local_runtime

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

KEY = "sk-api-SECRET-abcdef0123456789"
ERROR = Issue("tasks[1].fileFormat", 'Unrecognized field "fileFormat"', 11, 5)


class StandIn:
    """Only what the AI routes use."""

    def __init__(self, answer: FlowGeneration | Exception) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str | None]] = []

    def generate_flow(self, prompt: str, flow_yaml: str | None = None) -> FlowGeneration:
        self.calls.append((prompt, flow_yaml))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _client(services: Any) -> TestClient:
    return TestClient(create_app(services))


GOOD = FlowGeneration(VALID, "Downloads then loads.", True, (), 2, ("io.kestra.plugin.gcp.bigquery.Load",),
                      "lexical")
BAD = FlowGeneration(UNKNOWN_PROPERTY, "INVALID: no valid flow after 3 attempt(s)", False, (ERROR,), 3)


def test_lanner_route_answers_the_flow_and_its_report() -> None:
    services = StandIn(GOOD)
    response = _client(services).post("/api/v1/main/ai/generate-flow",
                                      json={"prompt": "taxi CSV to BigQuery", "flow": "id: x"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid" and body["yaml"] == VALID and body["attempts"] == 2
    assert body["retrievedTypes"] == ["io.kestra.plugin.gcp.bigquery.Load"]
    assert services.calls == [("taxi CSV to BigQuery", "id: x")]


def test_lanner_route_marks_an_invalid_best_attempt() -> None:
    response = _client(StandIn(BAD)).post("/api/v1/ai/generate-flow", json={"prompt": "x"})  # tenant-less
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "invalid" and body["valid"] is False
    assert body["errors"] == [{"message": 'Unrecognized field "fileFormat"', "path": "tasks[1].fileFormat",
                               "line": 11, "column": 5}]


def test_kestra_route_answers_yaml() -> None:
    services = StandIn(GOOD)
    response = _client(services).post("/api/v1/main/ai/generate/flow", json={
        "conversationId": "c1", "userPrompt": "taxi CSV to BigQuery", "flowYaml": "id: old"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert response.text == VALID
    assert services.calls == [("taxi CSV to BigQuery", "id: old")]


def test_kestra_route_refuses_an_invalid_flow_with_the_errors_and_the_attempt() -> None:
    response = _client(StandIn(BAD)).post("/api/v1/main/ai/generate/flow",
                                          json={"conversationId": "c1", "userPrompt": "x"})
    assert response.status_code == 422
    body = response.json()
    assert body["_embedded"]["errors"][0]["line"] == 11
    assert body["yaml"] == UNKNOWN_PROPERTY


@pytest.mark.parametrize(("body", "status"), [({"prompt": ""}, 422), ({"flow": "id: x"}, 422),
                                              ({"prompt": 3}, 422), ([1, 2], 422)])
def test_bad_requests(body: Any, status: int) -> None:
    assert _client(StandIn(GOOD)).post("/api/v1/main/ai/generate-flow", json=body).status_code == status


def test_unconfigured_failing_and_missing_copilots() -> None:
    unconfigured = _client(StandIn(ConfigurationError("no language model is configured")))
    response = unconfigured.post("/api/v1/main/ai/generate-flow", json={"prompt": "x"})
    assert response.status_code == 503 and "not configured" in response.json()["message"]
    failing = _client(StandIn(LannerError("the language model failed: 500")))
    assert failing.post("/api/v1/main/ai/generate-flow", json={"prompt": "x"}).status_code == 502
    assert _client(object()).post("/api/v1/main/ai/generate-flow", json={"prompt": "x"}).status_code == 404


@pytest.fixture
def runtime_client() -> Iterator[tuple[TestClient, FakeLLMServer]]:
    with FakeLLMServer() as server:
        config = {"ai": {"type": "openai", "max-retries": 0, "copilot": {"retrieval": "lexical"},
                         "openai": {"base-url": server.url, "api-key": KEY, "model-name": "fake"}}}
        with local_runtime(config=config) as local:
            app = create_app(RuntimeApiServices(local.runtime))
            with TestClient(app) as client:
                yield client, server


def test_the_runtime_services_run_the_repair_loop(runtime_client: tuple[TestClient, FakeLLMServer]) -> None:
    client, server = runtime_client
    server.add_reply(fenced(UNKNOWN_PROPERTY))
    server.add_reply(fenced(VALID, "Downloads then loads."))
    response = client.post("/api/v1/main/ai/generate-flow", json={"prompt": "taxi CSV to BigQuery"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] and body["yaml"] == VALID and body["attempts"] == 2
    assert body["explanation"] == "Downloads then loads."
    assert KEY not in response.text
    assert len(server.chat_requests()) == 2
