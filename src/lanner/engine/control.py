"""Kill, cancel and restart (kestra-reference §2.10)."""

from __future__ import annotations

from dataclasses import replace

from lanner.engine.batches import child_execution_ids
from lanner.engine.commands import KillTaskRuns
from lanner.engine.dispatch import close_with_attempt, error_text, start_run
from lanner.engine.durations import human_duration
from lanner.engine.outputs import render_flow_outputs
from lanner.engine.work import Work
from lanner.model.state import TERMINATED, State
from lanner.plugins.api import FlowableTask, SubflowBatchesTask, SubflowTask

_KILL_AT_ONCE = (State.CREATED, State.RESTARTED, State.RETRYING, State.PAUSED)
RESTARTABLE = (State.FAILED, State.KILLED, State.PAUSED)


def log_completion(work: Work) -> None:
    seconds = (work.now - work.header.state.start_date).total_seconds()
    work.log("INFO", f"Flow completed with state {work.state.value} in {human_duration(seconds)}")


def finish_execution(work: Work, final: State) -> None:
    """End the execution in ``final``: its flow outputs first (a failure to render them fails
    it), then the state and the completion log line."""
    if work.state is not State.RUNNING:
        work.set_state(State.RUNNING)  # PAUSED or RETRYING may not end in every state
    if work.flow.outputs and final is not State.KILLED:
        try:
            work.update(outputs=render_flow_outputs(work))
        except Exception as exc:  # user expressions
            work.log("ERROR", f"Failed to render output values: {error_text(exc)}")
            final = State.FAILED
    work.set_state(final)
    log_completion(work)


# ---- kill ------------------------------------------------------------------------------------
def begin_kill(work: Work) -> None:
    """Execution KILLING; runs not started are KILLED at once; running worker runs and child
    executions are interrupted by the shell (their results still arrive and are recorded)."""
    current = work.state
    if current.is_terminated or current is State.KILLING:
        return
    if current in (State.CREATED, State.QUEUED):
        work.set_state(State.KILLED)
        log_completion(work)
        return
    work.set_state(State.KILLING)
    worker_runs: list[str] = []
    children: list[str] = []
    for run in list(work.runs.values()):
        state = run.state.current
        if state in _KILL_AT_ONCE:
            work.put(replace(run.with_state(State.KILLED, work.now), retry_at=None))
        elif state is State.SUBMITTED:
            work.move(run, State.KILLED)
            worker_runs.append(run.id)  # it may already sit in a worker's queue
        elif state is State.RUNNING:
            task = work.index.task(run.task_id)
            if isinstance(task, FlowableTask):
                work.move(run, State.KILLING)
            elif isinstance(task, SubflowTask):
                work.move(run, State.KILLED)
                child = (run.outputs or {}).get("executionId")
                if child:
                    children.append(str(child))
            elif isinstance(task, SubflowBatchesTask):
                work.put(close_with_attempt(run, State.KILLED, work.now))
                children.extend(child_execution_ids(run))
            else:
                worker_runs.append(run.id)
    if worker_runs or children:
        work.emit(KillTaskRuns(tuple(worker_runs), tuple(children)))


def progress_kill(work: Work) -> None:
    """Flowables in KILLING become KILLED once their children ended; then the execution."""
    changed = True
    while changed:
        changed = False
        for run in list(work.runs.values()):
            if run.state.current is State.KILLING and all(
                work.runs[c].state.current in TERMINATED for c in work.children(run.id)
            ):
                work.put(close_with_attempt(run, State.KILLED, work.now))
                changed = True
    if all(run.state.current in TERMINATED for run in work.runs.values()):
        work.set_state(State.KILLED)
        log_completion(work)


def cancel_execution(work: Work) -> None:
    """A Pause with behavior CANCEL: the execution ends CANCELLED (killed if others still run)."""
    still_open = [r for r in work.runs.values() if r.state.current not in TERMINATED]
    if any(r.task_id not in work.index.flowable_ids for r in still_open):
        begin_kill(work)
        return
    for run in still_open:
        work.put(close_with_attempt(run, State.CANCELLED, work.now))
    if work.state not in (State.RUNNING, State.PAUSED):
        work.set_state(State.RUNNING)
    work.set_state(State.CANCELLED)
    log_completion(work)


# ---- restart ---------------------------------------------------------------------------------
def _handler_run_ids(work: Work) -> set[str]:
    """Task runs of every errors/finally list and of afterExecution: removed on restart."""
    index = work.index
    top = {t.id for t in (*index.errors, *index.finally_, *index.after_execution)}
    found: set[str] = set()
    for run in work.runs.values():
        parent_id = run.parent_task_run_id
        if parent_id is None:
            if run.task_id in top:
                found.add(run.id)
            continue
        parent = work.runs.get(parent_id)
        if parent is None or parent.task_id not in index.flowable_ids:
            continue
        errors, finally_ = index.scope_lists(parent.task_id)
        if run.value is None and any(t.id == run.task_id for t in (*errors, *finally_)):
            found.add(run.id)
    return found


def _with_descendants(work: Work, roots: set[str]) -> set[str]:
    out: set[str] = set()
    stack = list(roots)
    while stack:
        run_id = stack.pop()
        if run_id in out:
            continue
        out.add(run_id)
        stack.extend(work.children(run_id))
    return out


def replay_from(work: Work, task_run_id: str) -> None:
    """Kestra's replay from a task run (§2.10): task runs created before it are kept; it and its
    ancestors are reset (RESTARTED); its descendants, later task runs and errors/finally runs are
    removed; the execution goes RESTARTED -> RUNNING and the task runs again."""
    if task_run_id not in work.runs:
        work.log("ERROR", f"Replay ignored: no task run {task_run_id} in this execution")
        return
    order = list(work.runs)
    target = work.runs[task_run_id]
    ancestors: list[str] = []
    parent_id = target.parent_task_run_id
    while parent_id is not None:
        ancestors.append(parent_id)
        parent_id = work.runs[parent_id].parent_task_run_id
    later = set(order[order.index(task_run_id) + 1:]) - set(ancestors)
    removed = _with_descendants(work, later | _handler_run_ids(work)) - set(ancestors)
    removed |= _with_descendants(work, {task_run_id}) - {task_run_id}
    work.remove(removed)
    for run_id in ancestors:
        run = work.runs[run_id]
        if run.state.current is not State.RUNNING:
            work.move(work.move(run, State.RESTARTED), State.RUNNING)
    reset = replace(target.with_state(State.RESTARTED, work.now), retry_at=None, outputs=None,
                    plan=None)
    work.update(outputs=None)
    work.set_state(State.RESTARTED)
    work.log("INFO", f"Flow replayed from task run {task_run_id} ({target.task_id})")
    work.set_state(State.RUNNING)
    start_run(work, work.put(reset), work.index.task(target.task_id))


def restart(work: Work) -> None:
    """Failed/killed/paused task runs and their ancestors are restarted, errors/finally task
    runs removed, the execution RESTARTED -> RUNNING with attempt number + 1."""
    if not (work.state.is_terminated or work.state is State.PAUSED) or work.state is State.RETRIED:
        work.log("WARN", f"Restart ignored: the execution is {work.state.value}")
        return
    removed = _with_descendants(work, _handler_run_ids(work))
    failed = {r.id for r in work.runs.values() if r.id not in removed and r.state.current in RESTARTABLE}
    if not failed:
        work.log("ERROR", "No task found to restart execution from!")
        return
    ancestors: set[str] = set()
    for run_id in failed:
        parent_id = work.runs[run_id].parent_task_run_id
        while parent_id is not None and parent_id not in ancestors:
            ancestors.add(parent_id)
            parent_id = work.runs[parent_id].parent_task_run_id
    # A flowable that failed by itself (plan error) is planned again from scratch.
    replanned = {i for i in failed - ancestors if work.runs[i].task_id in work.index.flowable_ids}
    removed |= _with_descendants(work, replanned) - replanned
    work.remove(removed)
    to_start = []
    for run_id in failed | ancestors:
        if run_id in removed:
            continue
        run = work.runs[run_id]
        if run_id in ancestors:
            if run.state.current is not State.RUNNING:
                work.move(work.move(run, State.RESTARTED), State.RUNNING)
            continue
        reset = replace(run.with_state(State.RESTARTED, work.now), retry_at=None)
        if run_id in replanned:
            reset = replace(reset, plan=None, outputs=None)
        to_start.append(work.put(reset))
    work.update(attempt_number=work.header.attempt_number + 1, outputs=None)
    work.set_state(State.RESTARTED)
    work.log("INFO", "Flow restarted")
    work.set_state(State.RUNNING)
    for run in to_start:
        start_run(work, run, work.index.task(run.task_id))
