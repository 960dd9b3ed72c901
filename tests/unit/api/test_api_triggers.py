"""Trigger contexts and backfills: Kestra-shaped JSON, state persisted through the TriggerStore."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.unit.api.conftest import Api

SCHEDULED = """\
id: taxi_scheduled
namespace: zoomcamp
inputs:
  - id: taxi
    type: SELECT
    values: [yellow, green]
    defaults: yellow
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.taxi }}"
triggers:
  - id: green_schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 1 * *"
    inputs:
      taxi: green
  - id: off
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "@daily"
    disabled: true
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: abc
"""

IDS = {"namespace": "zoomcamp", "flowId": "taxi_scheduled", "triggerId": "green_schedule"}


def test_search_and_flow_triggers(api: Api) -> None:
    api.deploy(SCHEDULED)
    found = api.client.get("/api/v1/main/triggers/search", params={"namespace": "zoomcamp"}).json()
    assert found["total"] == 3
    first = found["results"][0]
    assert first["abstractTrigger"]["id"] == "green_schedule"
    assert first["abstractTrigger"]["type"] == "io.kestra.plugin.core.trigger.Schedule"
    assert first["abstractTrigger"]["cron"] == "0 9 1 * *"
    assert first["triggerContext"]["flowId"] == "taxi_scheduled"
    assert found["results"][1]["triggerContext"]["disabled"] is True
    for_flow = api.client.get("/api/v1/main/triggers/zoomcamp/taxi_scheduled").json()
    assert [t["triggerId"] for t in for_flow["results"]] == ["green_schedule", "off", "hook"]
    assert api.client.get("/api/v1/triggers/search", params={"q": "hook"}).json()["total"] == 1


def test_backfill_create_pause_unpause_delete(api: Api) -> None:
    api.deploy(SCHEDULED)
    body = {**IDS, "backfill": {"start": "2019-01-01T00:00:00Z", "end": "2019-12-31T23:59:59Z",
                                "inputs": {"taxi": "yellow"},
                                "labels": [{"key": "backfill", "value": "true"}]}}
    response = api.client.put("/api/v1/main/triggers", json=body)
    assert response.status_code == 200, response.text
    context = response.json()
    backfill = context["backfill"]
    assert backfill["start"] == "2019-01-01T00:00:00Z" and backfill["end"] == "2019-12-31T23:59:59Z"
    assert backfill["currentDate"] == "2019-01-01T00:00:00Z"
    assert backfill["paused"] is False and backfill["total"] == 12 and backfill["done"] == 0
    assert backfill["inputs"] == {"taxi": "yellow"}
    assert backfill["labels"] == [{"key": "backfill", "value": "true"}]
    stored = api.local.services.stores.triggers.get("zoomcamp", "taxi_scheduled", "green_schedule")
    assert stored is not None and stored.backfill is not None
    assert stored.backfill.start == datetime(2019, 1, 1, tzinfo=UTC) and stored.backfill.total == 12
    assert stored.backfill.labels == (("backfill", "true"),)
    paused = api.client.put("/api/v1/main/triggers/backfill/pause", json=IDS).json()
    assert paused["backfill"]["paused"] is True
    unpaused = api.client.put("/api/v1/triggers/backfill/unpause", json=IDS).json()
    assert unpaused["backfill"]["paused"] is False
    deleted = api.client.post("/api/v1/main/triggers/backfill/delete", json=IDS).json()
    assert deleted["backfill"] is None
    again = api.client.post("/api/v1/main/triggers/backfill/delete", json=IDS)
    assert again.status_code == 400 and "No backfill found" in again.text
    bulk = api.client.post("/api/v1/main/triggers/backfill/pause/by-triggers", json=[IDS])
    assert bulk.json() == {"count": 0}


def test_backfill_without_end_runs_until_now(api: Api) -> None:
    api.deploy(SCHEDULED)
    body = {**IDS, "backfill": {"start": "2024-01-01T00:00:00Z"}}
    response = api.client.put("/api/v1/main/triggers", json=body)
    assert response.status_code == 200
    end = datetime.fromisoformat(response.json()["backfill"]["end"].replace("Z", "+00:00"))
    assert abs((end - datetime.now(UTC)).total_seconds()) < 60


def test_backfill_errors(api: Api) -> None:
    api.deploy(SCHEDULED)
    put = api.client.put
    start = {"start": "2019-01-01T00:00:00Z"}
    url = "/api/v1/main/triggers"
    assert put(url, json={**IDS, "triggerId": "nope", "backfill": start}).status_code == 404
    assert put(url, json={**IDS, "flowId": "nope", "backfill": start}).status_code == 404
    webhook = put(url, json={**IDS, "triggerId": "hook", "backfill": start})
    assert webhook.status_code == 400
    disabled = put("/api/v1/main/triggers", json={**IDS, "triggerId": "off", "backfill": start})
    assert disabled.status_code == 409 and "disabled" in disabled.text
    no_start = put("/api/v1/main/triggers", json={**IDS, "backfill": {"end": "2019-02-01T00:00:00Z"}})
    assert no_start.status_code == 422
    reversed_dates = put("/api/v1/main/triggers", json={**IDS, "backfill": {
        "start": "2019-02-01T00:00:00Z", "end": "2019-01-01T00:00:00Z"}})
    assert reversed_dates.status_code == 400
    assert put("/api/v1/main/triggers", json={"namespace": "zoomcamp"}).status_code == 422


def test_disable_and_enable_triggers(api: Api) -> None:
    api.deploy(SCHEDULED)
    response = api.client.post("/api/v1/main/triggers/set-disabled/by-triggers",
                               json={"triggers": [IDS], "disabled": True})
    assert response.json() == {"count": 1}
    stored = api.local.services.stores.triggers.get("zoomcamp", "taxi_scheduled", "green_schedule")
    assert stored is not None and stored.disabled is True and stored.next_execution_date is None
    enabled = api.client.put("/api/v1/main/triggers", json={**IDS, "disabled": False}).json()
    assert enabled["disabled"] is False
    missing = api.client.put("/api/v1/main/triggers", json={**IDS, "triggerId": "nope", "disabled": True})
    assert missing.status_code == 404
