"""The multi-process runtime's behaviour, its parts in one process (SQLite and PostgreSQL):
jobs through workers, persisted timers, kills reaching workers, subflows, concurrency limits
across executors, a dead worker's job re-queued and reported once."""

from __future__ import annotations

import time

import pytest

from lanner.model.state import State
from lanner.runtime.distributed.config import TIMER_GROUP
from lanner.runtime.distributed.worker import INTERRUPTED
from tests.integration.scaleout.conftest import Cluster, wait_until

TWO_STEPS = """\
id: two
namespace: scale.out
inputs:
  - id: name
    type: STRING
    defaults: World
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "Hi {{ inputs.name }}"
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.05S
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.first.value }} in {{ execution.startDate | date('yyyy') }}"
"""

RETRIED = """\
id: retried
namespace: scale.out
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: always
    retry:
      type: constant
      interval: PT0.2S
      maxAttempt: 3
"""

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
    format: done
"""

CHILD = """\
id: child
namespace: scale.out
inputs:
  - id: n
    type: INT
tasks:
  - id: twice
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * 2 }}"
outputs:
  - id: result
    type: STRING
    value: "{{ outputs.twice.value }}"
"""

PARENT = """\
id: parent
namespace: scale.out
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: scale.out
    flowId: child
    inputs:
      n: 21
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.result }}"
"""

PAUSING = """\
id: pausing
namespace: scale.out
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: resumed
"""


def limited(behavior: str) -> str:
    return f"""\
id: limited
namespace: scale.out
concurrency:
  behavior: {behavior}
  limit: 2
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.6S
"""


def test_a_flow_runs_through_the_queues(cluster: Cluster) -> None:
    cluster.add_executor()
    cluster.add_worker()
    final = cluster.run(TWO_STEPS, {"name": "Ada"})
    assert final.state.current is State.SUCCESS
    assert [run.task_id for run in final.task_runs] == ["first", "nap", "last"]
    assert final.task_run(final.task_runs[1].id).attempts[0].worker_id == cluster.workers[0].id
    messages = [entry.message for entry in cluster.services.stores.logs.for_execution(final.id)]
    assert f"Hi Ada in {final.state.start_date.year}" in messages  # a datetime crossed as a datetime
    assert cluster.services.stores.events.pending() == 0
    assert cluster.services.stores.jobs.get(final.task_runs[1].id) is None


METRICS = """\
id: measured
namespace: scale.out
tasks:
  - id: count
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo '::{"metrics":[{"name":"rows","type":"counter","value":3,"tags":{"table":"trips"}}]}::'
  - id: inline
    type: io.kestra.plugin.core.debug.Return
    format: abcd
"""


def test_a_workers_metrics_are_stored_with_the_task_run(cluster: Cluster) -> None:
    from lanner.store.ports import MetricQuery

    cluster.add_executor()
    cluster.add_worker()
    final = cluster.run(METRICS)
    assert final.state.current is State.SUCCESS
    stores = cluster.services.stores
    found = stores.metrics.for_execution(MetricQuery(final.id, task_id="count")).results
    run = final.task_runs[0]
    assert [(m.task_id, m.task_run_id, m.name, m.type, m.value, dict(m.tags)) for m in found] == [
        ("count", run.id, "rows", "counter", 3.0, {"table": "trips"})]
    assert found[0].namespace == "scale.out" and found[0].flow_id == "measured"
    # An inline task runs in the executor: its metrics are written with the step's outbox.
    inline = stores.metrics.for_execution(MetricQuery(final.id, task_id="inline")).results
    assert [(m.name, m.value) for m in inline if m.name == "length"] == [("length", 4.0)]


def test_retries_wait_on_persisted_timers(cluster: Cluster) -> None:
    cluster.add_executor()
    cluster.add_worker()
    began = time.monotonic()
    final = cluster.run(RETRIED)
    assert final.state.current is State.FAILED
    boom = final.task_runs[0]
    assert [a.state.current for a in boom.attempts] == [State.FAILED] * 3
    assert time.monotonic() - began >= 0.4  # two retry delays of 0.2 s
    assert cluster.services.stores.jobs.claim("probe", 10, 1.0, [TIMER_GROUP]) == []  # all fired


def test_a_new_execution_retry_starts_from_a_persisted_timer(cluster: Cluster) -> None:
    from lanner.store.ports import ExecutionQuery

    cluster.add_executor()
    cluster.add_worker()
    first = cluster.run(RETRIED.replace("id: retried", "id: renewed").replace(
        "maxAttempt: 3", "maxAttempt: 2\n      behavior: CREATE_NEW_EXECUTION").replace("PT0.2S", "PT1S"))
    store = cluster.services.stores.executions

    def retry() -> list:
        return [e for e in store.search(ExecutionQuery(flow_id="renewed", size=10)).results
                if e.parent_id == first.id]

    wait_until(lambda: bool(retry()), what="the new execution")
    second = cluster.gateway.wait(retry()[0].id, timeout=20)
    assert first.state.current is State.RETRIED and second.state.current is State.FAILED
    started = next(h.date for h in second.state.histories if h.state is State.RUNNING)
    assert (started - first.state.histories[-1].date).total_seconds() >= 0.9


def test_a_timer_held_by_a_dead_executor_is_fired_by_another(cluster: Cluster) -> None:
    doomed = cluster.add_executor(start=False)
    cluster.add_worker()
    flow = cluster.gateway.deploy(RETRIED)
    execution = cluster.gateway.create_execution(flow)
    stores = cluster.services.stores
    # The doomed executor processes until it holds the first retry's timer, then "dies".
    wait_until(lambda: doomed.run_once() >= 0 and doomed._timers._held, what="a held timer")
    survivor = cluster.add_executor()
    final = cluster.gateway.wait(execution.id, timeout=20)
    assert final.state.current is State.FAILED
    assert len(final.task_runs[0].attempts) == 3
    assert survivor.id != doomed.id and stores.events.pending() == 0


def test_kill_reaches_the_worker_running_the_task(cluster: Cluster) -> None:
    cluster.add_executor()
    worker = cluster.add_worker()
    cluster.services.kv.set("scale.out", "nap", "PT60S")
    flow = cluster.gateway.deploy(SLOW)
    execution = cluster.gateway.create_execution(flow)
    wait_until(lambda: worker.running == 1, what="the Sleep running on the worker")

    def announced() -> bool:  # the worker said it started: SUBMITTED -> RUNNING
        current = cluster.gateway.get(execution.id)
        return current is not None and current.task_runs[0].state.current is State.RUNNING

    wait_until(announced, what="the task run RUNNING")
    began = time.monotonic()
    cluster.gateway.kill(execution.id)
    final = cluster.gateway.wait(execution.id, timeout=10)
    assert final.state.current is State.KILLED
    assert final.task_runs[0].attempts[-1].state.current is State.KILLED
    assert final.task_runs[0].attempts[-1].worker_id == worker.id
    wait_until(lambda: worker.running == 0, timeout=5, what="the worker interrupting the task")
    assert time.monotonic() - began < 5
    assert cluster.services.stores.jobs.get(final.task_runs[0].id) is None


def test_subflows_are_created_by_the_executor(cluster: Cluster) -> None:
    cluster.add_executor()
    cluster.add_worker()
    cluster.gateway.deploy(CHILD)
    final = cluster.run(PARENT)
    assert final.state.current is State.SUCCESS, final.state.current
    assert final.task_runs[-1].outputs == {"value": "42"}


def test_pause_and_resume_through_the_gateway(cluster: Cluster) -> None:
    cluster.add_executor()
    flow = cluster.gateway.deploy(PAUSING)
    execution = cluster.gateway.create_execution(flow)
    wait_until(lambda: cluster.gateway.get(execution.id).state.current is State.PAUSED,  # type: ignore[union-attr]
               what="PAUSED")
    cluster.gateway.resume(execution.id)
    assert cluster.gateway.wait(execution.id, timeout=10).state.current is State.SUCCESS


@pytest.mark.parametrize("behavior", ["FAIL", "QUEUE"])
def test_concurrency_limit_holds_across_executors(cluster: Cluster, behavior: str) -> None:
    for _ in range(3):
        cluster.add_executor()
    cluster.add_worker()
    flow = cluster.gateway.deploy(limited(behavior))
    ids = [cluster.gateway.create_execution(flow).id for _ in range(3)]
    finals = [cluster.gateway.wait(i, timeout=20) for i in ids]
    states = sorted(f.state.current.value for f in finals)
    if behavior == "FAIL":
        assert states == ["FAILED", "SUCCESS", "SUCCESS"]
        return
    assert states == ["SUCCESS"] * 3
    waited = [f for f in finals if State.QUEUED in [h.state for h in f.state.histories]]
    assert len(waited) == 1  # the third one waited for a slot, then ran
    first_end = min(f.state.histories[-1].date for f in finals if f is not waited[0])
    started = next(h.date for h in waited[0].state.histories if h.state is State.RUNNING)
    assert started >= first_end


def test_a_dead_workers_task_is_reported_once_then_retried(cluster: Cluster) -> None:
    """The worker holding the job stops heartbeating (as if killed): once its lease lapsed,
    another worker reports the attempt FAILED (interrupted) and the retry runs; the dead
    worker's own late result is refused."""
    cluster.add_executor()
    stores = cluster.services.stores
    cluster.services.kv.set("scale.out", "nap", "PT1S")
    flow = cluster.gateway.deploy(SLOW)
    execution = cluster.gateway.create_execution(flow)
    job = wait_until(lambda: stores.jobs.claim("dead-worker", 1, 1.0), what="the job")[0]
    assert job.attempts == 1
    cluster.services.kv.set("scale.out", "nap", "PT0.05S")
    cluster.add_worker()  # requeues the lapsed job, claims it again, reports it interrupted
    final = cluster.gateway.wait(execution.id, timeout=20)
    assert final.state.current is State.SUCCESS
    wait_run = final.task_runs[0]
    assert [a.state.current for a in wait_run.attempts] == [State.FAILED, State.SUCCESS]
    messages = [e.message for e in stores.logs.for_execution(execution.id)]
    assert messages.count(INTERRUPTED) == 1
    assert stores.jobs.complete(job.id, "dead-worker") is False  # its late result has no job


DOWNSTREAM = """\
id: down
namespace: scale.out
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "after {{ trigger.flowId }}"
triggers:
  - id: after_two
    type: io.kestra.plugin.core.trigger.Flow
    states: [SUCCESS]
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: scale.out
        flowId: two
"""


def test_flow_triggers_fire_where_executions_end(cluster: Cluster) -> None:
    """An executor without a scheduler loop in its process still starts Flow triggers."""
    from lanner.runtime.distributed.roles import _flow_trigger_hook
    from lanner.store.ports import ExecutionQuery

    _flow_trigger_hook(cluster.gateway)
    cluster.add_executor()
    cluster.add_worker()
    cluster.gateway.deploy(DOWNSTREAM)
    assert cluster.run(TWO_STEPS).state.current is State.SUCCESS
    executions = cluster.services.stores.executions

    def downstream_done() -> bool:
        found = executions.search(ExecutionQuery(namespace="scale.out", flow_id="down")).results
        return bool(found) and found[0].state.current is State.SUCCESS

    wait_until(downstream_done, what="the downstream execution")


def test_replay_from_a_task_run_through_the_queues(cluster: Cluster) -> None:
    cluster.add_executor()
    cluster.add_worker()
    original = cluster.run(TWO_STEPS, {"name": "Ada"})
    nap = original.task_runs[1]
    replay = cluster.gateway.replay(original.id, nap.id)
    final = cluster.gateway.wait(replay.id, timeout=30)
    assert final.state.current is State.SUCCESS and final.parent_id == original.id
    assert [run.task_id for run in final.task_runs] == ["first", "nap", "last"]
    assert final.task_runs[0].outputs == original.task_runs[0].outputs  # kept, not run again
    assert len(final.task_runs[0].attempts) == len(original.task_runs[0].attempts)
