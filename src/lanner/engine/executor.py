"""``process``: one event in, the next execution and the commands out (kestra-reference §2.5).

Steps, in order: apply the event (start, worker result, tick, kill...), then *settle*: walk the
flow's scope and every running flowable's scope, create every task run that can be created now
(so the shell can dispatch them concurrently), close the scopes that are over, and end the
execution when the flow's own scope is over. ``ExecutionEnded`` is emitted once, when the
execution becomes terminal with nothing of it still running (afterExecution included).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lanner.engine.batches import is_batches_run, on_batch_created, on_batch_ended
from lanner.engine.commands import Command, ExecutionEnded
from lanner.engine.concurrency import admit
from lanner.engine.control import begin_kill, finish_execution, progress_kill, replay_from, restart
from lanner.engine.dispatch import create_and_start, end_flowable
from lanner.engine.events import (
    Dequeue,
    Event,
    Kill,
    ReplayFrom,
    Restart,
    Resume,
    Start,
    SubflowCreated,
    SubflowEnded,
    TaskResult,
    TaskStarted,
    Tick,
)
from lanner.engine.flowindex import Layout, plan_layout
from lanner.engine.graph import Scope, evaluate
from lanner.engine.results import (
    on_resume,
    on_subflow_created,
    on_subflow_ended,
    on_task_result,
    on_task_started,
    on_tick,
)
from lanner.engine.work import Work
from lanner.expr.engine import ExprServices
from lanner.model.execution import Execution, TaskRun
from lanner.model.flow import Flow
from lanner.model.state import TERMINATED, State

_EMPTY = Layout.build([], 1)
_CAN_CREATE = (State.RUNNING, State.PAUSED, State.RETRYING)


@dataclass(frozen=True)
class Decision:
    execution: Execution
    commands: tuple[Command, ...]


def process(
    flow: Flow,
    execution: Execution,
    event: Event,
    now: datetime,
    services: ExprServices | None = None,
) -> Decision:
    work = Work(flow, execution, now, services)
    was_settled = _is_settled(execution.state.current, execution.task_runs)
    _apply(work, event)
    _settle(work)
    if not was_settled and _is_settled(work.state, work.runs.values()):
        work.emit(ExecutionEnded(work.state.value))
    return Decision(work.snapshot(), tuple(work.commands))


def _is_settled(state: State, runs: Iterable[TaskRun]) -> bool:
    if state not in TERMINATED:
        return False
    return all(run.state.current in TERMINATED for run in runs)


def _apply(work: Work, event: Event) -> None:
    if isinstance(event, TaskResult):
        on_task_result(work, event)
    elif isinstance(event, TaskStarted):
        on_task_started(work, event)
    elif isinstance(event, Start):
        if work.state is State.CREATED and admit(work, event.running):
            _begin(work)
    elif isinstance(event, Dequeue):
        if work.state is State.QUEUED:
            _begin(work)
    elif isinstance(event, Tick):
        on_tick(work)
    elif isinstance(event, Kill):
        begin_kill(work)
    elif isinstance(event, Resume):
        on_resume(work, event)
    elif isinstance(event, SubflowCreated):
        if is_batches_run(work, event.task_run_id):
            on_batch_created(work, event)
        else:
            on_subflow_created(work, event)
    elif isinstance(event, SubflowEnded):
        if is_batches_run(work, event.task_run_id):
            on_batch_ended(work, event)
        else:
            on_subflow_ended(work, event)
    elif isinstance(event, ReplayFrom):
        replay_from(work, event.task_run_id)
    elif isinstance(event, Restart):
        restart(work)


def _begin(work: Work) -> None:
    work.set_state(State.RUNNING)
    work.log("INFO", "Flow started")


# ---- settle ----------------------------------------------------------------------------------
def _top_scope(work: Work) -> Scope:
    index = work.index
    assert index.top is not None
    return Scope(None, index.top, index.errors, index.finally_)


def _flowable_scope(work: Work, run: TaskRun) -> Scope:
    task = work.index.task(run.task_id)
    layout = plan_layout(work.index, run.plan) if run.plan is not None else _EMPTY
    errors, finally_ = work.index.scope_lists(task.id)
    return Scope(run, layout, errors, finally_, task.allowFailure, task.allowWarning)


def _settle_scope(work: Work, scope: Scope, after_end: bool = False) -> State | None:
    """Create what can be created in this scope (and below); its final state once it is over.
    ``after_end``: afterExecution tasks, which run although the execution is terminal."""
    while True:
        evaluation = evaluate(work, scope)
        progressed = False
        for run_id in evaluation.running_flowables:
            run = work.runs[run_id]
            if run.state.current is not State.RUNNING:
                continue
            final = _settle_scope(work, _flowable_scope(work, run), after_end)
            if final is not None:
                end_flowable(work, work.runs[run_id], final)
                progressed = True
        if progressed:
            continue
        if evaluation.create and (after_end or work.state in _CAN_CREATE):
            settled = True
            for task, value in evaluation.create:
                run = create_and_start(work, task, scope.parent, value)
                if run.state.current in TERMINATED or run.task_id in work.index.flowable_ids:
                    settled = False
            if settled:
                # Everything creatable was created and is now waiting on a worker, a child
                # execution or a pause: evaluating again would find nothing new.
                return None
            continue
        return evaluation.final if evaluation.done else None


def _sync_waiting_state(work: Work) -> None:
    """The execution is PAUSED while a task run is paused, RETRYING while one waits for its
    next attempt, RUNNING otherwise."""
    current = work.state
    if current not in _CAN_CREATE or (current is State.RUNNING and not work.waiting_changed):
        return
    paused = retrying = False
    for run in work.runs.values():
        state = run.state.current
        if state is State.PAUSED:
            paused = True
            break
        if state is State.RETRYING:
            retrying = True
    target = State.PAUSED if paused else State.RETRYING if retrying else State.RUNNING
    if target is not current:
        if current is not State.RUNNING and target is not State.RUNNING:
            work.set_state(State.RUNNING)
        work.set_state(target)


def _settle(work: Work) -> None:
    state = work.state
    if state in (State.CREATED, State.QUEUED):
        return
    if state in _CAN_CREATE:
        final = _settle_scope(work, _top_scope(work))
        _sync_waiting_state(work)
        # An Exit task may have ended the execution, or begun killing it, meanwhile.
        if final is not None and work.state in _CAN_CREATE:
            finish_execution(work, final)
    if work.state is State.KILLING:
        progress_kill(work)
    if work.state.is_terminated and work.state is not State.RETRIED:
        _after_execution(work)


def _after_execution(work: Work) -> None:
    """afterExecution tasks run sequentially once the execution is terminal (even killed); the
    execution state is not recomputed from them."""
    layout = work.index.after
    if layout is None or not layout.total:
        return
    _settle_scope(work, Scope(None, layout, (), ()), after_end=True)
