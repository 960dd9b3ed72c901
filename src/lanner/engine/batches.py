"""One task run starting one child execution per batch file (ForEachItem's ``_items`` step), and
the step after it that merges the children's outputs (``_merge``).

Kestra's ``ForEachItemExecutable`` and ``ExecutableUtils.manageIterations``: the batch URIs come
from the ``batches`` output of the split step that ran before (on a worker: the engine reads no
file); every batch gets a ``CreateSubflow`` carrying its iteration; the run stays RUNNING and
counts its children by state in the ``iterations`` output; it ends once every child was created
(``wait: false``) or ended (``wait``), FAILED/KILLED/WARNING when ``transmitFailed`` and a child
was. What the shell needs across events lives in ``TaskRun.plan["batches"]``: the child of each
iteration, its last known state, and its flow outputs (handed to the merge step).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lanner.engine.commands import CreateSubflow, KillTaskRuns, RunTask
from lanner.engine.dispatch import close_with_attempt, error_text, fail_run
from lanner.engine.events import SubflowCreated, SubflowEnded
from lanner.engine.work import Work
from lanner.model.execution import TaskRun
from lanner.model.state import State, fail_state
from lanner.plugins.api import SubflowBatchesTask, SubflowOutputsMergeTask

_ENDED = ("SUCCESS", "FAILED", "KILLED", "WARNING", "CANCELLED")
_SUCCEEDED = ("SUCCESS", "WARNING")


def _sibling(work: Work, run: TaskRun, task_id: str) -> TaskRun | None:
    """The latest run of ``task_id`` under the same parent (and value) as ``run``."""
    found = None
    for run_id in work.children(run.parent_task_run_id):
        other = work.runs[run_id]
        if other.task_id == task_id and other.value == run.value:
            found = other
    return found


def _settings(run: TaskRun) -> dict[str, Any]:
    return dict((run.plan or {}).get("batches") or {})


def is_batches_run(work: Work, task_run_id: str) -> bool:
    run = work.runs.get(task_run_id)
    return run is not None and isinstance(work.index.task(run.task_id), SubflowBatchesTask)


# ---- start -------------------------------------------------------------------------------------
def start_batches(work: Work, run: TaskRun, task: SubflowBatchesTask) -> None:
    split = _sibling(work, run, task.split_step_id())
    uris = list(((split.outputs or {}) if split is not None else {}).get("batches") or [])
    previous = _settings(run)
    if not uris:  # an empty file: nothing to start, no outputs (as Kestra)
        work.put(close_with_attempt(work.move(run, State.RUNNING), State.SUCCESS, work.now))
        return
    # A restart (RETRY_FAILED) starts again only the batches whose child did not succeed.
    kept: dict[str, str] = {}
    if previous.get("states") and task.restarts_failed_only():
        kept = {i: s for i, s in previous["states"].items() if s in _SUCCEEDED}
    try:
        context = work.context(run, task)
        requests = [(i, task.batch_request(context, uri, i)) for i, uri in enumerate(uris)
                    if str(i) not in kept]
    except Exception as exc:  # user expressions in inputs/labels/scheduleDate
        fail_run(work, run, task, error_text(exc))
        return
    wait = requests[0][1].wait if requests else True
    transmit = requests[0][1].transmit_failed if requests else True
    count = len(uris)
    iterations = {"CREATED": count - len(kept), "RUNNING": 0} if wait else {"RUNNING": count}
    for state in kept.values():
        iterations[state] = iterations.get(state, 0) + 1
    plan = {"batches": {
        "wait": wait, "transmitFailed": transmit, "numberOfBatches": count,
        "children": {i: c for i, c in (previous.get("children") or {}).items() if i in kept},
        "states": kept,
        "outputs": {i: o for i, o in (previous.get("outputs") or {}).items() if i in kept},
    }}
    outputs = {"numberOfBatches": count, "iterations": iterations}
    run = work.put(replace(run.with_state(State.RUNNING, work.now), plan=plan, outputs=outputs))
    for iteration, request in requests:
        work.emit(CreateSubflow(run.id, request, iteration))
    if not requests:
        _close_if_done(work, run)


# ---- child events ------------------------------------------------------------------------------
def _count(iterations: dict[str, int], state: str, delta: int) -> None:
    iterations[state] = iterations.get(state, 0) + delta


def on_batch_created(work: Work, event: SubflowCreated) -> None:
    run = work.runs[event.task_run_id]
    if run.state.current is not State.RUNNING:
        # Killed before this child existed: it must not run on its own.
        if run.state.current is State.KILLED:
            work.emit(KillTaskRuns((), (event.child_execution_id,)))
        return
    settings = _settings(run)
    key = str(event.iteration)
    settings["children"] = {**settings.get("children", {}), key: event.child_execution_id}
    iterations = dict((run.outputs or {}).get("iterations") or {})
    if settings.get("wait", True):
        _count(iterations, "CREATED", -1)
        _count(iterations, "RUNNING", 1)
        settings["states"] = {**settings.get("states", {}), key: "RUNNING"}
    else:  # Kestra's no-wait iterations: RUNNING counts down, SUCCESS up
        _count(iterations, "RUNNING", -1)
        _count(iterations, "SUCCESS", 1)
        settings["states"] = {**settings.get("states", {}), key: "SUCCESS"}
    run = work.put(replace(run, plan={**(run.plan or {}), "batches": settings},
                           outputs={**(run.outputs or {}), "iterations": iterations}))
    _close_if_done(work, run)


def on_batch_ended(work: Work, event: SubflowEnded) -> None:
    run = work.runs[event.task_run_id]
    settings = _settings(run)
    key = str(event.iteration)
    never_created = not event.child_execution_id  # the shell could not create it (flow not found...)
    if run.state.current is not State.RUNNING or not (settings.get("wait", True) or never_created):
        return
    states = dict(settings.get("states") or {})
    if states.get(key) in _ENDED:
        return  # a duplicate
    if never_created:
        settings["notCreated"] = int(settings.get("notCreated") or 0) + 1
    iterations = dict((run.outputs or {}).get("iterations") or {})
    # A child that could not be created never was RUNNING.
    if settings.get("wait", True):
        _count(iterations, "RUNNING" if states.get(key) == "RUNNING" else "CREATED", -1)
    else:
        _count(iterations, "RUNNING", -1)
    child = event.child_state.value
    _count(iterations, child, 1)
    states[key] = child
    settings["states"] = states
    if event.child_outputs is not None:
        settings["outputs"] = {**settings.get("outputs", {}), key: dict(event.child_outputs)}
    run = work.put(replace(run, plan={**(run.plan or {}), "batches": settings},
                           outputs={**(run.outputs or {}), "iterations": iterations}))
    _close_if_done(work, run)


def _close_if_done(work: Work, run: TaskRun) -> None:
    settings = _settings(run)
    if len(settings.get("states") or {}) < int(settings.get("numberOfBatches") or 0):
        return
    wait = settings.get("wait", True)
    if wait and any(s not in _ENDED for s in settings["states"].values()):
        return
    task = work.index.task(run.task_id)
    state = State.SUCCESS
    if settings.get("notCreated"):
        work.log("ERROR", f"{settings['notCreated']} of {settings['numberOfBatches']} subflow "
                          "executions could not be created", run)
        state = fail_state(task.allowFailure, task.allowWarning)
    elif wait and settings.get("transmitFailed", True):
        state = _terminal_state(list(settings["states"].values()), task.allowFailure, task.allowWarning)
    work.put(close_with_attempt(run, state, work.now))


def _terminal_state(states: list[str], allow_failure: bool, allow_warning: bool) -> State:
    """Kestra's ``findTerminalState``: FAILED before KILLED before WARNING."""
    if "FAILED" in states:
        return fail_state(allow_failure, allow_warning)
    if "KILLED" in states:
        return State.KILLED
    if "WARNING" in states:
        return State.SUCCESS if allow_warning else State.WARNING
    return State.SUCCESS


def child_execution_ids(run: TaskRun) -> list[str]:
    """The children of a batches run still worth killing (kill cascade)."""
    settings = _settings(run)
    states = settings.get("states") or {}
    return [child for key, child in (settings.get("children") or {}).items()
            if child and states.get(key) not in _ENDED]


# ---- merge -------------------------------------------------------------------------------------
def dispatch_merge(work: Work, run: TaskRun, task: SubflowOutputsMergeTask) -> None:
    """A runnable step, dispatched with the children's outputs of its sibling batches run."""
    items = _sibling(work, run, task.items_step_id())
    settings = _settings(items) if items is not None else {}
    collected = settings.get("outputs") or {}
    merged = [collected.get(str(i)) for i in range(int(settings.get("numberOfBatches") or 0))]
    run = work.move(run, State.SUBMITTED)
    variables = {**work.variables(run, task), "subflowOutputs": merged}
    work.emit(RunTask(run, task, variables, len(run.attempts) + 1))
