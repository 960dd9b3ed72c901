"""Logs (JSON, text download) and the server-sent event streams."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.api.conftest import HELLO, Api

LEVELS = """\
id: levels
namespace: company.team
tasks:
  - id: debug
    type: io.kestra.plugin.core.log.Log
    level: DEBUG
    message: a debug line
  - id: warn
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: a warning
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.2S
"""


def events(text: str) -> list[tuple[str, Any]]:
    """(id, data) of each server-sent event; comments skipped."""
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if fields:
            found.append((fields["id"], json.loads(fields["data"])))
    return found


def test_logs_with_filters_and_download(api: Api) -> None:
    api.deploy(LEVELS)
    done = api.run("company.team", "levels")
    logs = api.client.get(f"/api/v1/main/logs/{done['id']}").json()
    messages = [entry["message"] for entry in logs]
    assert "a debug line" in messages and "a warning" in messages
    assert {"namespace", "flowId", "taskId", "executionId", "taskRunId", "timestamp", "level",
            "message"} <= set(logs[0])
    warn_only = api.client.get(f"/api/v1/main/logs/{done['id']}", params={"minLevel": "WARN"}).json()
    assert [e["message"] for e in warn_only] == ["a warning"]
    by_task = api.client.get(f"/api/v1/logs/{done['id']}", params={"taskId": "debug"}).json()
    assert [e["message"] for e in by_task] == ["a debug line"]
    text = api.client.get(f"/api/v1/main/logs/{done['id']}/download")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert " WARN a warning\n" in text.text
    assert api.client.get("/api/v1/main/logs/nope").status_code == 404


def test_search_logs_across_executions(api: Api) -> None:
    api.deploy(LEVELS)
    first, second = api.run("company.team", "levels"), api.run("company.team", "levels")
    found = api.client.get("/api/v1/main/logs/search",
                           params={"namespace": "company", "minLevel": "WARN", "q": "warning"}).json()
    assert found["total"] == 2
    assert {e["executionId"] for e in found["results"]} == {first["id"], second["id"]}
    assert {e["message"] for e in found["results"]} == {"a warning"}
    paged = api.client.get("/api/v1/logs/search", params={"flowId": "levels", "size": 1}).json()
    assert len(paged["results"]) == 1 and paged["total"] >= 4
    assert api.client.get("/api/v1/main/logs/search", params={"namespace": "nowhere"}).json() == {
        "results": [], "total": 0}


def test_follow_streams_progress_then_end(api: Api) -> None:
    api.deploy(LEVELS)
    created = api.client.post("/api/v1/main/executions/company.team/levels").json()
    response = api.client.get(f"/api/v1/main/executions/{created['id']}/follow")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    stream = events(response.text)
    assert stream[-1][0] == "end" and stream[-1][1]["state"]["current"] == "SUCCESS"
    assert all(event_id == "progress" for event_id, _ in stream[:-1])
    assert len(stream) >= 2  # at least one change seen before the end


def test_follow_a_finished_execution_ends_at_once(api: Api) -> None:
    api.deploy(HELLO)
    done = api.run("company.team", "hello")
    stream = events(api.client.get(f"/api/v1/executions/{done['id']}/follow").text)
    assert [event_id for event_id, _ in stream] == ["end"]
    assert api.client.get("/api/v1/main/executions/nope/follow").status_code == 404


def test_follow_logs_until_the_end(api: Api) -> None:
    api.deploy(LEVELS)
    created = api.client.post("/api/v1/main/executions/company.team/levels").json()
    stream = events(api.client.get(f"/api/v1/main/logs/{created['id']}/follow",
                                   params={"minLevel": "INFO"}).text)
    assert stream[-1] == ("end", {"executionId": created["id"], "state": "SUCCESS"})
    lines = [data["message"] for event_id, data in stream if event_id == "progress"]
    assert "a warning" in lines and "a debug line" not in lines
    assert lines == [e.message for e in api.services.logs(created["id"], "INFO")]
