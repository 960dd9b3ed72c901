"""Concurrency limits, kill, restart, pause/resume, labels and subflows."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.engine.engine_driver import (
    BrokenPlan,
    CreateSubflow,
    Driver,
    Group,
    KillTaskRuns,
    SetLabels,
    job,
    make_flow,
)

from lanner.engine.commands import RunTask
from lanner.engine.events import Dequeue, Kill, Restart, Resume, SubflowCreated, SubflowEnded, TaskStarted
from lanner.model.execution import Label
from lanner.model.flow import Concurrency
from lanner.model.state import State
from lanner.tasks.flow.parallel import Parallel
from lanner.tasks.flow.pause import Pause
from lanner.tasks.flow.subflow import Subflow

PAUSE = "io.kestra.plugin.core.flow.Pause"
SUBFLOW = "io.kestra.plugin.core.flow.Subflow"


# ---- concurrency ---------------------------------------------------------------------------------
def limited(behavior: str) -> Driver:
    return Driver(make_flow([job("a")], concurrency=Concurrency(limit=2, behavior=behavior)))


def test_concurrency_below_limit_starts() -> None:
    driver = limited("FAIL")
    driver.start(running=1)
    assert driver.state is State.RUNNING


def test_concurrency_queue_then_dequeue() -> None:
    driver = limited("QUEUE")
    decision = driver.start(running=2)
    assert driver.state is State.QUEUED
    assert driver.logs("INFO") == ["Execution is queued due to concurrency limit exceeded, 2 running(s)"]
    assert not [c for c in decision.commands if isinstance(c, RunTask)]
    assert driver.ended() == []
    driver.feed(Dequeue())
    assert driver.state is State.RUNNING
    driver.run_pending()
    assert driver.state is State.SUCCESS


def test_concurrency_cancel() -> None:
    driver = limited("CANCEL")
    driver.start(running=5)
    assert driver.state is State.CANCELLED
    assert driver.execution.task_runs == ()
    assert driver.ended() == ["CANCELLED"]


def test_concurrency_fail() -> None:
    driver = limited("FAIL")
    driver.start(running=2)
    assert driver.state is State.FAILED
    assert driver.logs("ERROR") == ["Execution is FAILED due to concurrency limit exceeded"]
    assert driver.ended() == ["FAILED"]


# ---- kill ----------------------------------------------------------------------------------------
def test_kill_while_running() -> None:
    flow = make_flow([Parallel(id="par", type="io.kestra.plugin.core.flow.Parallel", concurrent=2,
                               tasks=[job("p1"), job("p2"), job("p3")]), job("after")])
    driver = Driver(flow)
    driver.start()
    p1, p2 = driver.pending
    driver.feed(TaskStarted(p1.task_run.id, driver.now))
    driver.pending.clear()
    decision = driver.feed(Kill())
    assert driver.state is State.KILLING
    kills = [c for c in decision.commands if isinstance(c, KillTaskRuns)]
    assert len(kills) == 1 and set(kills[0].task_run_ids) == {p1.task_run.id, p2.task_run.id}
    assert driver.task_state("p2") is State.KILLED  # was only SUBMITTED
    assert driver.task_state("p1") is State.RUNNING
    assert driver.task_state("par") is State.KILLING
    driver.answer(p1)  # the worker reports; recorded, nothing new is created
    assert driver.runs("p3") == [] and driver.runs("after") == []
    assert driver.task_state("p1") is State.SUCCESS
    assert driver.task_state("par") is State.KILLED
    assert driver.state is State.KILLED
    assert driver.ended() == ["KILLED"]


def test_kill_queued_execution() -> None:
    driver = Driver(make_flow([job("a")], concurrency=Concurrency(limit=1)))
    driver.start(running=1)
    driver.feed(Kill())
    assert driver.state is State.KILLED
    assert driver.ended() == ["KILLED"]


def test_kill_retrying_and_paused_runs_at_once() -> None:
    from lanner.model.retry import ConstantRetry

    flow = make_flow([Parallel(id="par", type="io.kestra.plugin.core.flow.Parallel", tasks=[
        job("r", retry=ConstantRetry(type="constant", interval="PT1M", maxAttempt=3)),
        Pause(id="wait", type=PAUSE)])])
    driver = Driver(flow, outcomes={"r": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.task_state("r") is State.RETRYING
    assert driver.state is State.PAUSED
    driver.feed(Kill())
    assert driver.task_state("r") is State.KILLED
    assert driver.task_state("wait") is State.KILLED
    assert driver.state is State.KILLED


# ---- restart -------------------------------------------------------------------------------------
def test_restart_failed_execution() -> None:
    flow = make_flow([job("a"), Group(id="g", tasks=[job("b"), job("c")], errors=[job("g_err")]),
                      job("d")], errors=[job("flow_err")])
    driver = Driver(flow, outcomes={"c": [State.FAILED, State.SUCCESS]})
    driver.start()
    driver.run_pending()
    assert driver.state is State.FAILED
    assert driver.task_state("g_err") is State.SUCCESS and driver.task_state("flow_err") is State.SUCCESS
    c_id = driver.run("c").id
    b_before = driver.run("b")
    driver.feed(Restart())
    assert driver.execution.attempt_number == 2
    assert driver.runs("g_err") == [] and driver.runs("flow_err") == []
    assert driver.run("b") == b_before  # untouched
    assert driver.run("c").id == c_id
    assert driver.task_state("c") is State.SUBMITTED
    assert driver.task_state("g") is State.RUNNING
    assert [h.state for h in driver.execution.state.histories][-3:] == [
        State.FAILED, State.RESTARTED, State.RUNNING]
    assert driver.pending[-1].attempt_number == 2
    driver.run_pending()
    assert driver.task_state("c") is State.SUCCESS
    assert driver.task_state("d") is State.SUCCESS
    assert driver.state is State.SUCCESS
    assert driver.ended() == ["FAILED", "SUCCESS"]


def test_restart_replans_a_flowable_that_failed_by_itself() -> None:
    driver = Driver(make_flow([BrokenPlan(id="broken", tasks=[job("a")])]))
    driver.start()
    assert driver.state is State.FAILED
    driver.feed(Restart())
    assert driver.task_state("broken") is State.FAILED  # fails again, planned again
    assert driver.logs("ERROR").count("cannot plan this") == 2


def test_restart_with_nothing_to_restart() -> None:
    driver = Driver(make_flow([job("a")]))
    driver.start()
    driver.run_pending()
    before = driver.execution
    driver.feed(Restart())
    assert driver.execution.state == before.state
    assert "No task found to restart execution from!" in driver.logs("ERROR")


# ---- pause ---------------------------------------------------------------------------------------
def test_pause_then_resume() -> None:
    driver = Driver(make_flow([job("a"), Pause(id="wait", type=PAUSE), job("b")]))
    driver.start()
    driver.run_pending()
    assert driver.task_state("wait") is State.PAUSED
    assert driver.state is State.PAUSED
    assert driver.wakes() == []
    driver.feed(Resume({"approved": True}))
    assert driver.task_state("wait") is State.SUCCESS
    assert driver.run("wait").outputs == {"onResume": {"approved": True}}
    assert driver.state is State.RUNNING
    driver.run_pending()
    assert driver.state is State.SUCCESS


def test_pause_duration_elapses() -> None:
    driver = Driver(make_flow([Pause(id="wait", type=PAUSE, pauseDuration="PT10M"), job("b")]))
    driver.start()
    due = driver.run("wait").retry_at
    assert due is not None and driver.wakes() == [due]
    driver.tick(due - timedelta(minutes=1))
    assert driver.task_state("wait") is State.PAUSED
    driver.tick(due)
    assert driver.task_state("wait") is State.SUCCESS
    assert driver.state is State.RUNNING
    driver.run_pending()
    assert driver.state is State.SUCCESS


def test_pause_timeout_fails_the_task() -> None:
    driver = Driver(make_flow([Pause(id="wait", type=PAUSE, timeout="PT1H"), job("b")]))
    driver.start()
    due = driver.run("wait").retry_at
    assert due is not None
    driver.tick(due + timedelta(seconds=1))
    assert driver.task_state("wait") is State.FAILED
    assert driver.runs("b") == []
    assert driver.state is State.FAILED


def test_pause_behavior_warn() -> None:
    driver = Driver(make_flow([Pause(id="wait", type=PAUSE, pauseDuration="PT1S", behavior="WARN")]))
    driver.start()
    driver.tick(driver.run("wait").retry_at)  # type: ignore[arg-type]
    assert driver.task_state("wait") is State.WARNING
    assert driver.state is State.WARNING


def test_pause_behavior_cancel() -> None:
    driver = Driver(make_flow([Pause(id="wait", type=PAUSE, pauseDuration="PT1S", behavior="CANCEL"),
                               job("b")]))
    driver.start()
    driver.tick(driver.run("wait").retry_at)  # type: ignore[arg-type]
    assert driver.task_state("wait") is State.CANCELLED
    assert driver.runs("b") == []
    assert driver.state is State.CANCELLED
    assert driver.ended() == ["CANCELLED"]


# ---- labels --------------------------------------------------------------------------------------
def test_labels_merge_into_the_execution() -> None:
    driver = Driver(make_flow([SetLabels(id="lab", pairs={"taxi": "yellow", "env": "dev"}), job("b")]))
    driver.execution = driver.execution.__class__(**{
        **{f: getattr(driver.execution, f) for f in driver.execution.__dataclass_fields__},
        "labels": (Label("env", "prod"), Label("system.correlationId", "x")),
    })
    driver.start()
    assert driver.task_state("lab") is State.SUCCESS
    assert len(driver.run("lab").attempts) == 1
    assert driver.execution.labels == (
        Label("env", "dev"), Label("system.correlationId", "x"), Label("taxi", "yellow"))
    driver.run_pending()
    assert driver.state is State.SUCCESS


def test_system_labels_are_refused() -> None:
    driver = Driver(make_flow([SetLabels(id="lab", pairs={"system.app": "x"}), job("b")]))
    driver.start()
    assert driver.task_state("lab") is State.FAILED
    assert driver.logs("ERROR") == [
        "System labels can only be set by Kestra itself, offending label: system.app=x"]
    assert driver.runs("b") == []
    assert driver.state is State.FAILED


# ---- subflows ------------------------------------------------------------------------------------
def subflow(**extra: object) -> Subflow:
    return Subflow(id="child", type=SUBFLOW, namespace="test", flowId="other", **extra)


def test_subflow_waits_for_the_child() -> None:
    driver = Driver(make_flow([subflow(inputs={"n": 1}), job("after")]))
    decision = driver.start()
    created = [c for c in decision.commands if isinstance(c, CreateSubflow)]
    assert len(created) == 1 and created[0].request.flow_id == "other"
    assert created[0].request.inputs == {"n": 1}
    run_id = created[0].parent_task_run_id
    assert driver.task_state("child") is State.RUNNING
    driver.feed(SubflowCreated(run_id, "CHILD1"))
    assert driver.task_state("child") is State.RUNNING
    driver.feed(SubflowEnded(run_id, "CHILD1", State.SUCCESS, {"answer": 42}))
    assert driver.task_state("child") is State.SUCCESS
    assert driver.run("child").outputs == {
        "executionId": "CHILD1", "state": "SUCCESS", "outputs": {"answer": 42}}
    driver.run_pending()
    assert driver.state is State.SUCCESS


def test_subflow_no_wait_succeeds_at_creation() -> None:
    driver = Driver(make_flow([subflow(wait=False), job("after")]))
    driver.start()
    run_id = driver.run("child").id
    driver.feed(SubflowCreated(run_id, "CHILD1"))
    assert driver.task_state("child") is State.SUCCESS
    assert driver.run("child").outputs == {"executionId": "CHILD1"}
    assert [c.task_run.task_id for c in driver.pending] == ["after"]


def test_subflow_transmits_failure() -> None:
    driver = Driver(make_flow([subflow(), job("after")]))
    driver.start()
    run_id = driver.run("child").id
    driver.feed(SubflowCreated(run_id, "CHILD1"))
    driver.feed(SubflowEnded(run_id, "CHILD1", State.FAILED))
    assert driver.task_state("child") is State.FAILED
    assert driver.state is State.FAILED


def test_subflow_without_transmit_failed_succeeds() -> None:
    driver = Driver(make_flow([subflow(transmitFailed=False), job("after")]))
    driver.start()
    run_id = driver.run("child").id
    driver.feed(SubflowEnded(run_id, "CHILD1", State.FAILED))
    assert driver.task_state("child") is State.SUCCESS
    assert driver.run("child").outputs["state"] == "FAILED"  # type: ignore[index]
    driver.run_pending()
    assert driver.state is State.SUCCESS


def test_kill_cascades_to_the_child_execution() -> None:
    driver = Driver(make_flow([subflow()]))
    driver.start()
    run_id = driver.run("child").id
    driver.feed(SubflowCreated(run_id, "CHILD1"))
    decision = driver.feed(Kill())
    kills = [c for c in decision.commands if isinstance(c, KillTaskRuns)]
    assert kills[0].child_execution_ids == ("CHILD1",)
    assert driver.state is State.KILLED


def test_task_started_opens_the_attempt_that_the_result_closes() -> None:
    driver = Driver(make_flow([job("a")]))
    driver.start()
    command = driver.pending.pop(0)
    driver.feed(TaskStarted(command.task_run.id, driver.now, worker_id="w1"))
    assert driver.task_state("a") is State.RUNNING
    assert [a.state.current for a in driver.run("a").attempts] == [State.RUNNING]
    driver.answer(command)
    attempts = driver.run("a").attempts
    assert len(attempts) == 1
    assert attempts[0].worker_id == "w1"
    assert [h.state for h in attempts[0].state.histories] == [State.RUNNING, State.SUCCESS]


def test_resume_of_a_running_execution_is_ignored() -> None:
    driver = Driver(make_flow([job("a")]))
    driver.start()
    driver.feed(Resume({}))
    assert driver.state is State.RUNNING
    assert any("Resume ignored" in m for m in driver.logs("WARN"))


def test_restart_a_killed_execution() -> None:
    driver = Driver(make_flow([job("a"), job("b")]))
    driver.start()
    driver.pending.clear()
    driver.feed(Kill())
    assert driver.state is State.KILLED
    driver.feed(Restart())
    assert driver.state is State.RUNNING
    driver.run_pending()
    assert driver.state is State.SUCCESS
    assert driver.task_ids() == ["a", "b"]


def test_kill_then_after_execution_still_runs() -> None:
    driver = Driver(make_flow([job("a")], afterExecution=[job("notify")]))
    driver.start()
    driver.pending.clear()
    driver.feed(Kill())
    assert driver.state is State.KILLED
    assert driver.task_state("notify") is State.SUBMITTED
    assert driver.ended() == []
    driver.run_pending()
    assert driver.ended() == ["KILLED"]


def test_create_new_execution_stops_at_max_attempt() -> None:
    from dataclasses import replace

    from lanner.model.retry import ConstantRetry

    policy = ConstantRetry(type="constant", interval="PT1S", maxAttempt=2, behavior="CREATE_NEW_EXECUTION")
    driver = Driver(make_flow([job("a", retry=policy)]), outcomes={"a": [State.FAILED]})
    driver.execution = replace(driver.execution, attempt_number=2)
    driver.start()
    driver.run_pending()
    assert driver.state is State.FAILED
    assert driver.ended() == ["FAILED"]
