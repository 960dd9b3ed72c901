"""Kill -9 ``lanner server`` in the middle of an execution, start it again: the execution
resumes - the interrupted task is retried per its retry policy (or failed with a clear message
when it has none) - and nothing is lost or duplicated. On SQLite (the default) and on
PostgreSQL (``repository.url`` in LANNER_CONFIGURATION): the same behaviour."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.scaleout.processes import (
    LannerProcess,
    Processes,
    attempts,
    configuration,
    deploy,
    processes,
    set_kv,
    wait_for_state,
)

pytestmark = pytest.mark.slow

FLOW = """\
id: durable
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: one
  - id: slow
    type: io.kestra.plugin.core.flow.Sleep
    duration: "{{ kv('nap') }}"
    retry:
      type: constant
      interval: PT0.2S
      maxAttempt: 2
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.first.value }}-done"
"""

NO_RETRY = """\
id: fragile
namespace: company.team
tasks:
  - id: slow
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""

QUICK = """\
id: quick
namespace: company.team
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: done
"""


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str | None:
    """None: the default SQLite file under LANNER_HOME; else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def servers(tmp_path: Path, backend: str | None) -> Iterator[Processes]:
    with processes(tmp_path / "home", {"LANNER_CONFIGURATION": configuration(backend)}) as running:
        yield running


def start(servers: Processes, name: str) -> LannerProcess:
    server = servers.start(name, web=True)
    server.wait_for_ping()
    return server


def test_kill_9_mid_execution_then_restart_resumes_it(servers: Processes, backend: str | None) -> None:
    first = start(servers, "first")
    with first.http() as client:
        deploy(client, FLOW)
        deploy(client, NO_RETRY)
        deploy(client, QUICK)
        quick_id = client.post("/api/v1/main/executions/company.team/quick").json()["id"]
        wait_for_state(client, quick_id, {"SUCCESS"})
        set_kv(client, "company.team", "nap", "PT60S")
        durable_id = client.post("/api/v1/main/executions/company.team/durable").json()["id"]
        fragile_id = client.post("/api/v1/main/executions/company.team/fragile").json()["id"]
        for execution_id in (durable_id, fragile_id):
            running = wait_for_state(client, execution_id, {"RUNNING"})
            assert running["state"]["current"] == "RUNNING"
        _wait_for_task(client, durable_id, "slow")
        _wait_for_task(client, fragile_id, "slow")
        set_kv(client, "company.team", "nap", "PT0.1S")  # what the retry will sleep
    first.kill9()

    second = start(servers, "second")
    with second.http() as client:
        durable = wait_for_state(client, durable_id, {"SUCCESS", "FAILED"})
        fragile = wait_for_state(client, fragile_id, {"FAILED", "SUCCESS"})
        quick = client.get(f"/api/v1/main/executions/{quick_id}").json()
        durable_logs = [e["message"] for e in client.get(f"/api/v1/main/logs/{durable_id}").json()]
        fragile_logs = [e["message"] for e in client.get(f"/api/v1/main/logs/{fragile_id}").json()]
        listed = client.get("/api/v1/main/executions/search", params={"namespace": "company.team"}).json()
    assert durable["state"]["current"] == "SUCCESS", durable_logs
    assert Counter(r["taskId"] for r in durable["taskRunList"]) == {"first": 1, "slow": 1, "last": 1}
    assert [a["state"]["current"] for a in attempts(durable, "slow")] == ["FAILED", "SUCCESS"]
    assert len(attempts(durable, "first")) == 1  # done before the crash: not run again
    last = next(r for r in durable["taskRunList"] if r["taskId"] == "last")
    assert last["outputs"] == {"value": "one-done"}
    assert sum("interrupted" in m for m in durable_logs) == 1
    assert fragile["state"]["current"] == "FAILED"  # no retry policy: failed, with the reason
    assert any("Task run interrupted" in m for m in fragile_logs)
    assert quick["state"]["current"] == "SUCCESS" and len(quick["taskRunList"]) == 1
    assert listed["total"] == 3  # nothing lost, nothing duplicated
    assert "2 unfinished executions resumed" in second.output


def _wait_for_task(client: httpx.Client, execution_id: str, task_id: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/main/executions/{execution_id}").json()
        if any(r["taskId"] == task_id for r in body.get("taskRunList") or []):
            time.sleep(0.3)  # let the worker thread enter the task
            return
        time.sleep(0.05)
    raise AssertionError(f"{task_id} of {execution_id} never started")
