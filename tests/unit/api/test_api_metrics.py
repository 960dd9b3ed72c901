"""Metrics reported by a script task: stored by the local runtime, served like Kestra's
``MetricController`` (per execution, names, task ids, per-day aggregates), deleted with their
execution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.api.conftest import Api

MEASURED = """\
id: measured
namespace: company.team
tasks:
  - id: extract
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo '::{"metrics":[{"name":"rows","type":"counter","value":3,"tags":{"table":"trips"}}]}::'
      - echo '::{"metrics":[{"name":"took","type":"timer","value":1.5}]}::'
  - id: load
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo '::{"metrics":[{"name":"rows","type":"counter","value":4}]}::'
"""


def run_measured(api: Api, deploy: bool = True) -> dict[str, object]:
    if deploy:
        api.deploy(MEASURED)
    done = api.run("company.team", "measured")
    assert done["state"]["current"] == "SUCCESS", done
    return done


def test_metrics_of_an_execution_paged_filtered_and_sorted(api: Api) -> None:
    done = run_measured(api)
    url = f"/api/v1/main/metrics/{done['id']}"
    body = api.client.get(url).json()
    assert body["total"] == 3
    extract = next(run for run in done["taskRunList"] if run["taskId"] == "extract")  # type: ignore[attr-defined]
    first = next(m for m in body["results"] if m["name"] == "rows" and m["taskId"] == "extract")
    assert first == {
        "namespace": "company.team", "flowId": "measured", "taskId": "extract",
        "executionId": done["id"], "taskRunId": extract["id"], "type": "counter", "name": "rows",
        "value": 3.0, "timestamp": first["timestamp"], "tags": {"table": "trips"},
    }
    datetime.fromisoformat(first["timestamp"].replace("Z", "+00:00"))
    took = next(m for m in body["results"] if m["name"] == "took")
    assert took["type"] == "timer" and took["value"] == 1.5

    by_task = api.client.get(url, params={"taskId": "load"}).json()
    assert [(m["taskId"], m["value"]) for m in by_task["results"]] == [("load", 4.0)]
    by_run = api.client.get(f"/api/v1/metrics/{done['id']}", params={"taskRunId": extract["id"]}).json()
    assert by_run["total"] == 2
    paged = api.client.get(url, params={"size": 1, "page": 2, "sort": "value:desc"}).json()
    assert paged["total"] == 3 and [m["value"] for m in paged["results"]] == [3.0]
    by_name = api.client.get(url, params={"sort": "name:asc"}).json()
    assert [m["name"] for m in by_name["results"]] == ["rows", "rows", "took"]


def test_metrics_errors(api: Api) -> None:
    done = run_measured(api)
    missing = api.client.get("/api/v1/main/metrics/nope")
    assert missing.status_code == 404
    bad_sort = api.client.get(f"/api/v1/main/metrics/{done['id']}", params={"sort": "secret:asc"})
    assert bad_sort.status_code == 400 and "Invalid sort" in bad_sort.json()["message"]
    bad_page = api.client.get(f"/api/v1/main/metrics/{done['id']}", params={"page": 0})
    assert bad_page.status_code == 422


def test_metric_names_and_tasks_of_a_flow(api: Api) -> None:
    run_measured(api)
    assert api.client.get("/api/v1/main/metrics/names/company.team/measured").json() == ["rows", "took"]
    assert api.client.get("/api/v1/main/metrics/names/company.team/measured/load").json() == ["rows"]
    assert api.client.get("/api/v1/metrics/tasks/company.team/measured").json() == ["extract", "load"]
    assert api.client.get("/api/v1/main/metrics/tasks/company.team/unknown").json() == []


def test_metric_aggregates_per_day(api: Api) -> None:
    run_measured(api)
    done = run_measured(api, deploy=False)
    stamp = api.client.get(f"/api/v1/main/metrics/{done['id']}").json()["results"][0]["timestamp"]
    base = "/api/v1/main/metrics/aggregates/company.team/measured"
    body = api.client.get(f"{base}/rows").json()
    assert body["groupBy"] == "day"
    assert body["aggregations"] == [{"name": "rows", "value": 14.0, "date": stamp[:10] + "T00:00:00Z"}]
    maximum = api.client.get(f"{base}/rows", params={"aggregation": "max"}).json()
    assert [a["value"] for a in maximum["aggregations"]] == [4.0]
    one_task = api.client.get(f"{base}/extract/rows", params={"aggregation": "avg"}).json()
    assert [a["value"] for a in one_task["aggregations"]] == [3.0]
    long_ago = api.client.get(f"{base}/rows", params={
        "startDate": "2020-01-01T00:00:00Z", "endDate": "2020-02-01T00:00:00Z"}).json()
    assert long_ago["aggregations"] == []


def test_metric_aggregates_refuse_a_bad_aggregation_or_range(api: Api) -> None:
    base = "/api/v1/main/metrics/aggregates/company.team/measured/rows"
    bad = api.client.get(base, params={"aggregation": "median"})
    assert bad.status_code == 400
    assert "Invalid aggregation 'median'" in bad.json()["message"]
    start = datetime.now(UTC)
    reversed_range = api.client.get(base, params={
        "startDate": start.isoformat(), "endDate": (start - timedelta(days=1)).isoformat()})
    assert reversed_range.status_code == 400
    assert "startDate" in reversed_range.json()["message"]
    not_a_date = api.client.get(base, params={"startDate": "yesterday"})
    assert not_a_date.status_code == 422


def test_metrics_need_auth_and_go_with_their_execution(api: Api) -> None:
    from fastapi.testclient import TestClient

    done = run_measured(api)
    anonymous = TestClient(api.client.app)
    assert anonymous.get(f"/api/v1/main/metrics/{done['id']}").status_code == 401
    assert api.client.delete(f"/api/v1/main/executions/{done['id']}").status_code == 204
    assert api.services.services.stores.metrics.names("company.team", "measured") == []
