"""``lanner server ROLE...`` as separate processes on one PostgreSQL database (with short leases):
a worker killed -9 mid-task, seed flow 01's concurrency limit across executors, a kill reaching
a worker process, a backfill emitted by the scheduler process."""

from __future__ import annotations

import itertools
import os
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from lanner.runtime.distributed.worker import INTERRUPTED
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

SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seed-flows"
LEASE = 2.0

SLOW = """\
id: slow
namespace: scale.out
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: "{{ kv('nap') }}"
    retry:
      type: constant
      interval: PT0.1S
      maxAttempt: 2
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ taskrun.attemptsCount }}"
"""

MONTHLY = """\
id: monthly
namespace: scale.out
tasks:
  - id: name
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: monthly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 1 * *"
"""

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str) -> Iterator[Processes]:
    env = {"LANNER_CONFIGURATION": configuration(pg_url, lease_seconds=LEASE, heartbeat_seconds=0.5,
                                                 poll_seconds=0.2)}
    with processes(tmp_path / "home", env) as running:
        yield running


def start_web(cluster: Processes, *roles: str) -> LannerProcess:
    web = cluster.start("web", "webserver", *roles, web=True)
    web.wait_for_ping()
    return web


def start_worker(cluster: Processes, name: str, threads: int = 2) -> LannerProcess:
    worker = cluster.start(name, "worker", args=("--threads", str(threads)))
    worker.wait_for_output("ready")
    return worker


def claimed_by(pg_url: str, task_run_id: str | None = None) -> str | None:
    with psycopg.connect(pg_url) as connection:
        row = connection.execute("SELECT worker_id FROM jobs WHERE kind = 'task' AND worker_id IS NOT NULL"
                                 + (" AND task_run_id = %s" if task_run_id else ""),
                                 (task_run_id,) if task_run_id else ()).fetchone()
    return None if row is None else str(row[0])


def pid_of(worker_id: str) -> int:
    return int(worker_id.split(":")[2])  # worker:<host>:<pid>:<suffix>


def test_a_worker_killed_mid_task_is_replaced_after_its_lease(cluster: Processes, pg_url: str) -> None:
    web = start_web(cluster, "executor", "scheduler")
    started = (start_worker(cluster, "worker-1"), start_worker(cluster, "worker-2"))
    workers = {w.process.pid: w for w in started}
    with web.http() as client:
        deploy(client, SLOW)
        set_kv(client, "scale.out", "nap", "PT60S")
        execution_id = client.post("/api/v1/main/executions/scale.out/slow").json()["id"]
        deadline = time.monotonic() + 20
        while (holder := claimed_by(pg_url)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert holder is not None, "no worker claimed the Sleep"
        victim = workers.pop(pid_of(holder))
        set_kv(client, "scale.out", "nap", "PT0.1S")  # the retry is quick
        killed_at = time.monotonic()
        victim.kill9()
        final = wait_for_state(client, execution_id, {"SUCCESS", "FAILED"}, timeout=60)
        recovered_in = time.monotonic() - killed_at
        logs = client.get(f"/api/v1/main/logs/{execution_id}").json()
    assert final["state"]["current"] == "SUCCESS", final
    tried = attempts(final, "wait")
    assert [a["state"]["current"] for a in tried] == ["FAILED", "SUCCESS"]  # one result per attempt
    survivor = next(iter(workers.values()))
    assert tried[1]["workerId"].split(":")[2] == str(survivor.process.pid)
    assert [e["message"] for e in logs].count(INTERRUPTED) == 1
    assert recovered_in >= LEASE * 0.9, "re-queued only after the lease lapsed"
    with psycopg.connect(pg_url) as connection:
        assert connection.execute("SELECT count(*) FROM jobs WHERE kind = 'task'").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_an_executor_killed_mid_execution_is_replaced(cluster: Processes, pg_url: str) -> None:
    """The worker's result waits in the event queue while no executor runs; a new one applies it."""
    web = start_web(cluster)
    doomed = cluster.start("executor-1", "executor")
    doomed.wait_for_output("ready")
    start_worker(cluster, "worker")
    with web.http() as client:
        deploy(client, SLOW)
        set_kv(client, "scale.out", "nap", "PT1S")
        execution_id = client.post("/api/v1/main/executions/scale.out/slow").json()["id"]
        deadline = time.monotonic() + 20
        while claimed_by(pg_url) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        doomed.kill9()
        cluster.start("executor-2", "executor").wait_for_output("ready")
        final = wait_for_state(client, execution_id, {"SUCCESS", "FAILED"}, timeout=30)
    assert final["state"]["current"] == "SUCCESS"
    assert [len(r.get("attempts") or []) for r in final["taskRunList"]] == [1, 1]  # nothing re-run


def _seed_01(behavior: str) -> str:
    source = (SEEDS / "01_hello_world.yaml").read_text()
    source = source.replace("duration: PT15S", "duration: PT2S")
    return source.replace("behavior: FAIL", f"behavior: {behavior}")


@pytest.mark.parametrize("behavior", ["FAIL", "QUEUE"])
def test_seed_01_three_at_once_across_executor_processes(cluster: Processes, behavior: str) -> None:
    web = start_web(cluster)  # the API alone; two executor processes share the work
    for name in ("executor-1", "executor-2"):
        cluster.start(name, "executor").wait_for_output("ready")
    start_worker(cluster, "worker", threads=4)
    with web.http() as client:
        deploy(client, _seed_01(behavior))
        with ThreadPoolExecutor(3) as pool:
            responses = list(pool.map(
                lambda _: client.post("/api/v1/main/executions/zoomcamp/01_hello_world"), range(3)))
        ids = [r.json()["id"] for r in responses]
        finals = [wait_for_state(client, i, {"SUCCESS", "FAILED", "KILLED"}, timeout=60) for i in ids]
        logs = {i: [e["message"] for e in client.get(f"/api/v1/main/logs/{i}").json()] for i in ids}
    states = sorted(f["state"]["current"] for f in finals)
    if behavior == "FAIL":
        assert states == ["FAILED", "SUCCESS", "SUCCESS"]
        failed = next(f for f in finals if f["state"]["current"] == "FAILED")
        assert "Execution is FAILED due to concurrency limit exceeded" in logs[failed["id"]]
        assert not failed["taskRunList"]
        return
    assert states == ["SUCCESS"] * 3
    queued = [f for f in finals if "QUEUED" in [h["state"] for h in f["state"]["histories"]]]
    assert len(queued) == 1
    others_end = min(f["state"]["endDate"] for f in finals if f is not queued[0])
    started = next(h["date"] for h in queued[0]["state"]["histories"] if h["state"] == "RUNNING")
    assert started >= others_end


def test_kill_reaches_a_worker_process(cluster: Processes, pg_url: str) -> None:
    web = start_web(cluster, "executor")
    start_worker(cluster, "worker")
    with web.http() as client:
        deploy(client, SLOW)
        set_kv(client, "scale.out", "nap", "PT120S")
        execution_id = client.post("/api/v1/main/executions/scale.out/slow").json()["id"]
        deadline = time.monotonic() + 20
        while claimed_by(pg_url) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        began = time.monotonic()
        assert client.delete(f"/api/v1/main/executions/{execution_id}/kill").status_code == 202
        final = wait_for_state(client, execution_id, {"KILLED"}, timeout=20)
    assert time.monotonic() - began < 10
    assert final["taskRunList"][0]["state"]["current"] == "KILLED"
    deadline = time.monotonic() + 10
    while claimed_by(pg_url) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert claimed_by(pg_url) is None, "the worker gave the task up"


def test_the_scheduler_process_emits_a_backfill(cluster: Processes) -> None:
    web = start_web(cluster)
    cluster.start("executor", "executor").wait_for_output("ready")
    cluster.start("scheduler", "scheduler").wait_for_output("ready")
    with web.http() as client:
        deploy(client, MONTHLY)
        response = client.put("/api/v1/main/triggers", json={
            "namespace": "scale.out", "flowId": "monthly", "triggerId": "monthly",
            "backfill": {"start": "2024-01-01T00:00:00Z", "end": "2024-03-31T00:00:00Z"}})
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + 60
        done: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            page = client.get("/api/v1/main/executions/search",
                              params={"namespace": "scale.out", "flowId": "monthly", "size": 10}).json()
            done = [e for e in page["results"] if e["state"]["current"] == "SUCCESS"]
            if len(done) == 3:
                break
            time.sleep(0.2)
    dates = sorted(str(e["trigger"]["variables"]["date"]) for e in done)  # type: ignore[index]
    assert dates == [f"2024-{m:02d}-01T09:00:00Z" for m in (1, 2, 3)]


def test_roles_stop_cleanly_on_sigterm(cluster: Processes) -> None:
    started = [cluster.start(role, role) for role in ("executor", "scheduler", "worker")]
    for process in started:
        process.wait_for_output("ready")
    for process in started:
        os.killpg(process.process.pid, signal.SIGTERM)
    for process in started:
        assert process.process.wait(timeout=20) == 0, process.output
    assert all(re.search(r"ready in \d", p.output) for p in started)
    assert not list(itertools.chain.from_iterable(
        [line for line in p.lines if "Traceback" in line] for p in started))
