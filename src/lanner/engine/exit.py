"""Exit (``io.kestra.plugin.core.execution.Exit``): end the execution now, in a chosen state.

As Kestra's ``Exit.update``:
- ``KILLED``: the Exit run ends KILLED and the execution is killed (every running task too).
- any other state: the Exit run and each of its parents end in that state, then the execution;
  nothing after it is created (no ``errors``/``finally``; afterExecution still runs). Task runs
  still running on a worker or in a child execution are not interrupted: their results are
  recorded when they arrive.

Lanner-specific, because a terminated execution is not settled again: every other task run that
could only progress through the engine (created, retrying, paused, or a flowable that is not a
parent of the Exit run) ends KILLED at once, so the execution's end is reported.
"""

from __future__ import annotations

from dataclasses import replace

from lanner.engine.control import begin_kill, finish_execution
from lanner.engine.dispatch import close_with_attempt, error_text, fail_run
from lanner.engine.work import Work
from lanner.model.execution import TaskRun
from lanner.model.state import State
from lanner.plugins.api import ExecutionExitTask, FlowableTask

_WAITING_ON_ENGINE = (State.CREATED, State.RESTARTED, State.RETRYING, State.PAUSED)


def run_exit(work: Work, run: TaskRun, task: ExecutionExitTask) -> None:
    try:
        target = State(task.exit_state(work.context(run, task)))
    except Exception as exc:  # a user expression or an unknown state: the task fails
        fail_run(work, run, task, error_text(exc))
        return
    run = work.move(run, State.RUNNING)
    work.put(close_with_attempt(run, target, work.now))
    if target is State.KILLED:
        begin_kill(work)
        return
    parents = _close_parents(work, run, target)
    _stop_the_rest(work, parents | {run.id})
    finish_execution(work, target)  # not KILLED here: that ended above


def _close_parents(work: Work, run: TaskRun, state: State) -> set[str]:
    closed: set[str] = set()
    parent_id = run.parent_task_run_id
    while parent_id is not None:
        parent = work.runs[parent_id]
        if not parent.state.current.is_terminated:
            work.put(close_with_attempt(parent, state, work.now))
        closed.add(parent.id)
        parent_id = parent.parent_task_run_id
    return closed


def _stop_the_rest(work: Work, spared: set[str]) -> None:
    for other in list(work.runs.values()):
        if other.id in spared:
            continue
        current = other.state.current
        if current in _WAITING_ON_ENGINE:
            work.put(replace(other.with_state(State.KILLED, work.now), retry_at=None))
        elif current is State.RUNNING and isinstance(work.index.task(other.task_id), FlowableTask):
            work.put(close_with_attempt(other, State.KILLED, work.now))
