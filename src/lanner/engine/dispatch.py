"""Starting a task run that is CREATED (or RESTARTED): what each kind of task does first.

- ``runIf`` is rendered here (falsey -> SKIPPED, render error -> FAILED), as Kestra's executor
  does before dispatch.
- Runnable tasks become a ``RunTask`` command and the run moves to SUBMITTED (Kestra 1.x), so a
  run is never dispatched twice.
- Flowables are planned (their plan and outputs stored on the run) and move to RUNNING; their
  children are created by the graph step.
- Labels and Exit run right here (``exit.py``); Subflow asks the shell for a child execution;
  Pause pauses.
- ForEachItem's batches step asks for one child per batch (``batches.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from lanner.engine.commands import CreateSubflow, RunTask, SharedDirectory, WakeAt
from lanner.engine.durations import parse_duration
from lanner.engine.work import Work
from lanner.model.execution import Attempt, Label, StateInfo, TaskRun
from lanner.model.state import State, fail_state
from lanner.plugins.api import (
    ExecutionExitTask,
    ExecutionUpdatingTask,
    FlowableTask,
    PauseTask,
    Plan,
    SubflowBatchesTask,
    SubflowOutputsMergeTask,
    SubflowTask,
    Task,
)

SYSTEM_LABEL_PREFIX = "system."


def error_text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def new_run(work: Work, task: Task, parent: TaskRun | None, value: str | None) -> TaskRun:
    from lanner.model.ids import new_id

    header = work.header
    return TaskRun(
        id=new_id(),
        execution_id=header.id,
        namespace=header.namespace,
        flow_id=header.flow_id,
        task_id=task.id,
        state=StateInfo.new(State.CREATED, work.now),
        parent_task_run_id=parent.id if parent is not None else None,
        value=value,
    )


def create_and_start(work: Work, task: Task, parent: TaskRun | None, value: str | None) -> TaskRun:
    """Create a task run and start it; returns it as it is after starting."""
    run = work.add(new_run(work, task, parent, value))
    start_run(work, run, task)
    return work.runs[run.id]


def fail_run(work: Work, run: TaskRun, task: Task, message: str) -> None:
    """The engine itself failed the run (render error, bad plan...): FAILED, or WARNING/SUCCESS
    when the task allows failure. Logged as an ERROR on the task run."""
    work.log("ERROR", message, run)
    work.move(run, fail_state(task.allowFailure, task.allowWarning))


def _run_if_allows(work: Work, run: TaskRun, task: Task) -> bool | None:
    """True/False, or None when rendering failed (the run is then already FAILED)."""
    condition = task.runIf
    if condition is None or condition is True:
        return True
    if condition is False:
        return False
    try:
        return work.context(run, task).render_bool(condition)
    except Exception as exc:  # user expressions: any failure fails the task, not the engine
        fail_run(work, run, task, f"Unable to evaluate the runIf condition of task '{task.id}': "
                                  f"{error_text(exc)}")
        return None


def start_run(work: Work, run: TaskRun, task: Task) -> None:
    allowed = _run_if_allows(work, run, task)
    if allowed is None:
        return
    if not allowed:
        work.move(run, State.SKIPPED)
        return
    if isinstance(task, PauseTask):
        _start_pause(work, run, task)
    elif isinstance(task, SubflowTask):
        _start_subflow(work, run, task)
    elif isinstance(task, SubflowBatchesTask | SubflowOutputsMergeTask):
        from lanner.engine.batches import dispatch_merge, start_batches  # it builds on this module

        if isinstance(task, SubflowBatchesTask):
            start_batches(work, run, task)
        else:
            dispatch_merge(work, run, task)
    elif isinstance(task, ExecutionUpdatingTask):
        _run_labels(work, run, task)
    elif isinstance(task, ExecutionExitTask):
        from lanner.engine.exit import run_exit  # it builds on this module

        run_exit(work, run, task)
    elif isinstance(task, FlowableTask):
        _start_flowable(work, run, task)
    else:
        dispatch_runnable(work, run, task)


def dispatch_runnable(work: Work, run: TaskRun, task: Task) -> None:
    run = work.move(run, State.SUBMITTED)
    work.emit(RunTask(run, task, work.variables(run, task), len(run.attempts) + 1,
                      _shared_directory(work, run)))


def shared_directory_owner(work: Work, run: TaskRun) -> TaskRun | None:
    """The closest ancestor whose plan shares one directory among its children (WorkingDirectory)."""
    parent_id = run.parent_task_run_id
    while parent_id is not None:
        parent = work.runs[parent_id]
        if parent.plan is not None and "sharedDirectory" in parent.plan:
            return parent
        parent_id = parent.parent_task_run_id
    return None


def _shared_directory(work: Work, run: TaskRun) -> SharedDirectory | None:
    owner = shared_directory_owner(work, run)
    if owner is None:
        return None
    plan = owner.plan or {}
    branches = plan.get("branches") or []
    last = branches[-1]["tasks"][-1] if branches and branches[-1]["tasks"] else None
    # Kestra collects a WorkingDirectory's outputFiles after its last child: the worker of that
    # child does it, while the directory is still there (the engine itself does no file work).
    collect = run.parent_task_run_id == owner.id and run.task_id == last
    return SharedDirectory(owner.id, plan["sharedDirectory"], work.index.task(owner.task_id), collect)


# ---- flowables -------------------------------------------------------------------------------
def plan_to_json(work: Work, plan: Plan) -> dict[str, Any]:
    branches = []
    for branch in plan.branches:
        ids = [t.id for t in branch.tasks if not getattr(t, "disabled", False)]
        for task_id in ids:
            work.index.task(task_id)  # a plan may only name tasks of the flow
        branches.append({"tasks": ids, "value": branch.value})
    data: dict[str, Any] = {"branches": branches, "concurrency": int(plan.concurrency)}
    if plan.depends_on is not None:
        data["dependsOn"] = {key: list(value) for key, value in plan.depends_on.items()}
    if plan.shared_directory is not None:
        data["sharedDirectory"] = dict(plan.shared_directory)
    return data


def _start_flowable(work: Work, run: TaskRun, task: FlowableTask) -> None:
    try:
        plan = task.plan(work.context(run, task))
        stored = plan_to_json(work, plan)
    except Exception as exc:
        fail_run(work, run, task, error_text(exc))
        return
    outputs = dict(plan.outputs) if plan.outputs else None
    work.put(replace(run.with_state(State.RUNNING, work.now), plan=stored, outputs=outputs))


def end_flowable(work: Work, run: TaskRun, state: State) -> None:
    """Close a flowable with the state of its children; 1.x gives it one closing attempt."""
    task = work.index.task(run.task_id)
    outputs = run.outputs
    if isinstance(task, FlowableTask) and type(task).final_outputs is not FlowableTask.final_outputs:
        try:
            outputs = dict(task.final_outputs(work.context(run, task), dict(run.outputs or {}))) or None
        except Exception as exc:
            work.log("ERROR", error_text(exc), run)
            state = fail_state(task.allowFailure, task.allowWarning)
    work.put(close_with_attempt(replace(run, outputs=outputs), state, work.now))


def close_with_attempt(run: TaskRun, state: State, at: datetime) -> TaskRun:
    started = next((h.date for h in reversed(run.state.histories) if h.state is State.RUNNING), at)
    attempt = Attempt(StateInfo.new(State.RUNNING, started).with_state(state, at))
    return replace(run.with_state(state, at), attempts=(*run.attempts, attempt))


# ---- Labels ----------------------------------------------------------------------------------
def _run_labels(work: Work, run: TaskRun, task: ExecutionUpdatingTask) -> None:
    run = work.move(run, State.RUNNING)
    try:
        pairs = [(str(k), str(v)) for k, v in task.labels(work.context(run, task))]
        for key, value in pairs:
            if key.startswith(SYSTEM_LABEL_PREFIX):
                raise ValueError("System labels can only be set by Kestra itself, offending label: "
                                 f"{key}={value}")
    except Exception as exc:
        work.log("ERROR", error_text(exc), run)
        work.put(close_with_attempt(run, fail_state(task.allowFailure, task.allowWarning), work.now))
        return
    labels = list(work.header.labels)
    where = {label.key: i for i, label in enumerate(labels)}
    for key, value in pairs:
        if key in where:
            labels[where[key]] = Label(key, value)
        else:
            where[key] = len(labels)
            labels.append(Label(key, value))
    work.update(labels=tuple(labels))
    work.put(close_with_attempt(run, State.SUCCESS, work.now))


# ---- Subflow ---------------------------------------------------------------------------------
def _start_subflow(work: Work, run: TaskRun, task: SubflowTask) -> None:
    try:
        request = task.request(work.context(run, task))
    except Exception as exc:
        fail_run(work, run, task, error_text(exc))
        return
    stored = {"subflow": {"wait": request.wait, "transmitFailed": request.transmit_failed}}
    run = work.put(replace(run.with_state(State.RUNNING, work.now), plan=stored))
    work.emit(CreateSubflow(run.id, request))


# ---- Pause -----------------------------------------------------------------------------------
def _start_pause(work: Work, run: TaskRun, task: PauseTask) -> None:
    try:
        duration, timeout, behavior = task.pause_settings(work.context(run, task))
        deadline = None
        kind = None
        if duration:
            deadline, kind = work.now + parse_duration(duration), "duration"
        elif timeout:
            deadline, kind = work.now + parse_duration(timeout), "timeout"
    except Exception as exc:
        fail_run(work, run, task, error_text(exc))
        return
    stored = {"pause": {"kind": kind, "behavior": (behavior or "RESUME").upper()}}
    work.put(replace(run.with_state(State.PAUSED, work.now), plan=stored, retry_at=deadline))
    if deadline is not None:
        work.emit(WakeAt(deadline))
