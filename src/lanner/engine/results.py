"""What happens when an attempt ends: worker results, subflow ends, retry delays and pauses
(kestra-reference §2.4, §2.6, §2.9)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from lanner.engine.commands import CreateExecutionRetry, WakeAt
from lanner.engine.control import cancel_execution
from lanner.engine.dispatch import close_with_attempt, shared_directory_owner, start_run
from lanner.engine.events import Resume, SubflowCreated, SubflowEnded, TaskResult, TaskStarted
from lanner.engine.retry import RetryPolicy, as_policy, next_execution_retry, next_task_retry
from lanner.engine.work import Work
from lanner.model.execution import Attempt, StateInfo, TaskRun, iso
from lanner.model.state import State, fail_state
from lanner.plugins.api import FlowableTask, PauseTask, Task

_WAITING_FOR_WORKER = (State.CREATED, State.SUBMITTED, State.RESTARTED, State.RUNNING)


def retry_policy(work: Work, task: Task) -> RetryPolicy | None:
    """task.retry, else the nearest enclosing flowable's, else the flow's."""
    if task.retry is not None:
        return as_policy(task.retry)
    for ancestor in work.index.ancestors(task.id):
        if ancestor.retry is not None:
            return as_policy(ancestor.retry)
    return as_policy(work.flow.retry)


def complete(
    work: Work, run: TaskRun, task: Task, state: State, outputs: Any, at: datetime,
    *, retryable: bool = True,
) -> None:
    """Move a RUNNING task run to the outcome of its attempt: retry, allowFailure, allowWarning."""
    if outputs is not None:
        run = replace(run, outputs=dict(outputs))
    policy = retry_policy(work, task) if retryable else None
    if state is State.FAILED and policy is not None and work.state is not State.KILLING:
        if policy.behavior == "RETRY_FAILED_TASK":
            due = next_task_retry(policy, run.attempts, run.id)
            if due is not None:
                failed = run.with_state(State.FAILED, at)
                work.put(replace(failed.with_state(State.RETRYING, at), retry_at=due))
                work.emit(WakeAt(due))
                work.log("WARN", f"Task '{task.id}' failed on attempt {len(run.attempts)}, "
                                 f"retrying at {iso(due)}", run)
                return
        else:
            due = next_execution_retry(policy, work.snapshot(), at)
            if due is not None:
                _retry_as_new_execution(work, run, at, due)
                return
    if state is State.SUCCESS and policy is not None and policy.warningOnRetry and len(run.attempts) > 1:
        state = State.WARNING
    if state is State.FAILED:
        state = fail_state(task.allowFailure, task.allowWarning)
    elif state is State.WARNING and task.allowWarning:
        state = State.SUCCESS
    work.put(run.with_state(state, at))


def _retry_as_new_execution(work: Work, run: TaskRun, at: datetime, due: datetime) -> None:
    """CREATE_NEW_EXECUTION: the run and its parents RETRIED, this execution RETRIED."""
    work.put(run.with_state(State.FAILED, at).with_state(State.RETRIED, at))
    parent_id = run.parent_task_run_id
    while parent_id is not None:
        parent = work.runs[parent_id]
        if not parent.state.current.is_terminated:
            work.move(parent, State.RETRIED)
        parent_id = parent.parent_task_run_id
    if work.state is not State.RUNNING:
        work.set_state(State.RUNNING)
    work.set_state(State.RETRIED)
    work.log("WARN", f"Task '{run.task_id}' failed: a new execution will be created at {iso(due)}", run)
    work.emit(CreateExecutionRetry(work.header.id, due))


# ---- worker events ---------------------------------------------------------------------------
def on_task_started(work: Work, event: TaskStarted) -> None:
    run = work.runs.get(event.task_run_id)
    if run is None or run.state.current not in (State.CREATED, State.SUBMITTED, State.RESTARTED):
        return
    attempt = Attempt(StateInfo.new(State.RUNNING, event.at), event.worker_id)
    work.put(replace(run.with_state(State.RUNNING, event.at), attempts=(*run.attempts, attempt)))


def on_task_result(work: Work, event: TaskResult) -> None:
    run = work.runs.get(event.task_run_id)
    if run is None or run.state.current not in _WAITING_FOR_WORKER:
        return  # unknown, duplicate or already killed: nothing to record
    outcome = event.state if event.state.is_terminated else State.FAILED
    if run.state.current is not State.RUNNING:
        run = run.with_state(State.RUNNING, event.started_at)
    attempts = list(run.attempts)
    if attempts and attempts[-1].state.current is State.RUNNING:
        last = attempts[-1]
        attempts[-1] = Attempt(last.state.with_state(outcome, event.ended_at),
                               last.worker_id or event.worker_id)
    else:
        attempts.append(Attempt(
            StateInfo.new(State.RUNNING, event.started_at).with_state(outcome, event.ended_at),
            event.worker_id,
        ))
    run = replace(run, attempts=tuple(attempts))
    if event.directory_outputs is not None:
        _merge_directory_outputs(work, run, event.directory_outputs)
    task = work.index.task(run.task_id)
    # No retry once the execution is being killed, or already ended (an Exit task ended it
    # while this run was on a worker): the retry would wait forever for a settle that never comes.
    complete(work, run, task, outcome, event.outputs, event.ended_at,
             retryable=work.state is not State.KILLING and not work.state.is_terminated)


def _merge_directory_outputs(work: Work, run: TaskRun, outputs: Mapping[str, Any]) -> None:
    """Give the WorkingDirectory the outputs its last child's worker collected (outputFiles),
    before the graph step ends it, so its next siblings can read them."""
    owner = shared_directory_owner(work, run)
    if owner is not None and not owner.state.current.is_terminated:
        work.put(replace(owner, outputs={**(owner.outputs or {}), **outputs}))


# ---- subflows --------------------------------------------------------------------------------
def _subflow_settings(run: TaskRun) -> dict[str, Any]:
    return dict((run.plan or {}).get("subflow") or {})


def on_subflow_created(work: Work, event: SubflowCreated) -> None:
    run = work.runs.get(event.task_run_id)
    if run is None or run.state.current is not State.RUNNING:
        return
    run = work.put(replace(run, outputs={"executionId": event.child_execution_id}))
    if not _subflow_settings(run).get("wait", True):
        work.put(close_with_attempt(run, State.SUCCESS, work.now))


def on_subflow_ended(work: Work, event: SubflowEnded) -> None:
    """Kestra's ``ExecutableUtils.guessState``."""
    run = work.runs.get(event.task_run_id)
    if run is None or run.state.current is not State.RUNNING:
        return
    task = work.index.task(run.task_id)
    child = event.child_state
    state = State.SUCCESS
    if _subflow_settings(run).get("transmitFailed", True) and child in (
        State.FAILED, State.KILLED, State.WARNING
    ):
        state = child
    outputs: dict[str, Any] = {"executionId": event.child_execution_id or None, "state": child.value}
    if event.child_outputs is not None:
        outputs["outputs"] = dict(event.child_outputs)
    started = next((h.date for h in reversed(run.state.histories) if h.state is State.RUNNING), work.now)
    attempt = Attempt(StateInfo.new(State.RUNNING, started).with_state(state, work.now))
    run = replace(run, attempts=(*run.attempts, attempt))
    complete(work, run, task, state, outputs, work.now, retryable=work.state is not State.KILLING)


# ---- time and resume -------------------------------------------------------------------------
def on_tick(work: Work) -> None:
    """Due retries go back to CREATED (same task run, next attempt); due pauses apply their
    behavior. The earliest deadline still ahead is asked for again."""
    if work.state.is_terminated or work.state is State.KILLING:
        return
    pending: list[datetime] = []
    for run in list(work.runs.values()):
        due = run.retry_at
        if due is None:
            continue
        if due > work.now:
            pending.append(due)
            continue
        task = work.index.task(run.task_id)
        if run.state.current is State.RETRYING:
            again = work.put(replace(run.with_state(State.CREATED, work.now), retry_at=None))
            start_run(work, again, task)
        elif run.state.current is State.PAUSED:
            _pause_deadline(work, run, task)
    if pending:
        work.emit(WakeAt(min(pending)))


def _pause_deadline(work: Work, run: TaskRun, task: Task) -> None:
    spec = dict((run.plan or {}).get("pause") or {})
    run = replace(run, retry_at=None)
    if spec.get("kind") == "timeout":
        work.log("WARN", f"Pause '{task.id}' timed out", run)
        work.put(run.with_state(fail_state(task.allowFailure, task.allowWarning), work.now))
        return
    behavior = spec.get("behavior") or "RESUME"
    if behavior == "CANCEL":
        work.put(run.with_state(State.CANCELLED, work.now))
        cancel_execution(work)
        return
    target = {"WARN": State.WARNING, "FAIL": State.FAILED}.get(behavior, State.SUCCESS)
    if target is State.FAILED:
        target = fail_state(task.allowFailure, task.allowWarning)
    elif target is State.WARNING and task.allowWarning:
        target = State.SUCCESS
    work.put(run.with_state(State.RUNNING, work.now).with_state(target, work.now))


def on_resume(work: Work, event: Resume) -> None:
    if work.state is not State.PAUSED:
        work.log("WARN", f"Resume ignored: the execution is {work.state.value}, not PAUSED")
        return
    for run in list(work.runs.values()):
        if run.state.current is not State.PAUSED:
            continue
        task = work.index.task(run.task_id)
        if isinstance(task, FlowableTask) and not isinstance(task, PauseTask):
            work.move(run, State.RUNNING)
            continue
        resumed = replace(run, retry_at=None, outputs={"onResume": dict(event.inputs)})
        work.put(resumed.with_state(State.RUNNING, work.now).with_state(State.SUCCESS, work.now))
    work.set_state(State.RUNNING)
