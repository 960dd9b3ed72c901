"""The mutable working copy of one ``process`` call.

``process`` receives a frozen ``Execution``; rebuilding it after every task-run change would
make a chain of n tasks cost O(n²). Instead the task runs live in a dict (creation order kept)
with a parent -> children index, and the frozen execution is assembled only when someone needs
it (variables for a dispatched task, the final decision).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from lanner.engine.commands import Command, EmitLog
from lanner.engine.flowindex import FlowIndex, index_of
from lanner.engine.memo import Lru
from lanner.engine.render import EngineRenderContext, LazyVariables
from lanner.expr.engine import ExprServices, Renderer
from lanner.model.execution import Execution, LogEntry, TaskRun
from lanner.model.flow import Flow
from lanner.model.state import State
from lanner.plugins.api import Task

_WAITING = (State.PAUSED, State.RETRYING)


class Work:
    def __init__(
        self, flow: Flow, execution: Execution, now: datetime, services: ExprServices | None
    ) -> None:
        self.flow = flow
        self.index: FlowIndex = index_of(flow)
        self.now = now
        self.services = services
        self.header = execution  # everything but task runs is current; task runs are in .runs
        self.runs: dict[str, TaskRun] = {run.id: run for run in execution.task_runs}
        self.commands: list[Command] = []
        self._children: dict[str | None, list[str]] | None = None
        self._snapshot: Execution | None = execution
        self._outputs_version = 0
        self._outputs: tuple[int, Any] | None = None
        self._renderer: Renderer | None = None
        # A task run entered or left PAUSED/RETRYING: the execution state may follow.
        self.waiting_changed = False

    # ---- task runs -----------------------------------------------------------------------
    def children(self, parent_id: str | None) -> list[str]:
        if self._children is None:
            index: dict[str | None, list[str]] = {}
            for run in self.runs.values():
                bucket = index.get(run.parent_task_run_id)
                if bucket is None:
                    index[run.parent_task_run_id] = [run.id]
                else:
                    bucket.append(run.id)
            self._children = index
        return self._children.get(parent_id, [])

    def put(self, run: TaskRun) -> TaskRun:
        """Store a changed task run (same id)."""
        old = self.runs.get(run.id)
        self.runs[run.id] = run
        self._snapshot = None
        if old is None or old.outputs is not run.outputs:
            self._outputs_version += 1
        if run.state.current in _WAITING or (old is not None and old.state.current in _WAITING):
            self.waiting_changed = True
        return run

    def add(self, run: TaskRun) -> TaskRun:
        """Store a new task run."""
        self.runs[run.id] = run
        self._snapshot = None
        if run.outputs is not None:
            self._outputs_version += 1
        if self._children is not None:
            self._children.setdefault(run.parent_task_run_id, []).append(run.id)
        return run

    def remove(self, run_ids: set[str]) -> None:
        for run_id in run_ids:
            self.runs.pop(run_id, None)
        self._children = None
        self._snapshot = None
        self._outputs_version += 1
        self.waiting_changed = True

    def move(self, run: TaskRun, state: State, at: datetime | None = None) -> TaskRun:
        """Change a task run's state (checked against TRANSITIONS) and store it."""
        return self.put(run.with_state(state, at or self.now))

    # ---- the execution -------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self.header.state.current

    def set_state(self, state: State) -> None:
        if state is not self.header.state.current:
            self.header = self.header.with_state(state, self.now)
            self._snapshot = None

    def update(self, **changes: Any) -> None:
        self.header = replace(self.header, **changes)
        self._snapshot = None
        self._outputs_version += 1

    def snapshot(self) -> Execution:
        if self._snapshot is None:
            self._snapshot = replace(self.header, task_runs=tuple(self.runs.values()))
        return self._snapshot

    # ---- commands and logs ---------------------------------------------------------------
    def emit(self, command: Command) -> None:
        self.commands.append(command)

    def log(self, level: str, message: str, run: TaskRun | None = None) -> None:
        self.commands.append(EmitLog(LogEntry(
            namespace=self.header.namespace,
            flow_id=self.header.flow_id,
            execution_id=self.header.id,
            timestamp=self.now,
            level=level,
            message=message,
            task_id=run.task_id if run else None,
            task_run_id=run.id if run else None,
            attempt_number=(len(run.attempts) or 1) if run else None,
        )))

    # ---- rendering -----------------------------------------------------------------------
    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.services)
        return self._renderer

    def outputs(self) -> Any:
        """``outputs_of(execution)``, computed once per change of the task runs' outputs."""
        cached = self._outputs
        if cached is not None and cached[0] == self._outputs_version:
            return cached[1]
        value = outputs_memo(self.snapshot(), self.runs)
        self._outputs = (self._outputs_version, value)
        return value

    def variables(self, run: TaskRun | None = None, task: Task | None = None) -> dict[str, Any]:
        from lanner.expr.context import build_variables

        variables: dict[str, Any] = build_variables(
            self.flow, self.snapshot(), run, task, outputs=self.outputs(),
            envs=getattr(self.services, "envs", None), globals_=getattr(self.services, "globals", None),
        )
        return variables

    def context(self, run: TaskRun | None = None, task: Task | None = None) -> EngineRenderContext:
        return EngineRenderContext(self.renderer, LazyVariables(lambda: self.variables(run, task)))


# ---- outputs across calls ----------------------------------------------------------------------
# ``outputs_of`` is linear in the task runs; an execution that adds one output per event (a
# ForEach over 1,000 values) would pay it on every event. Since the merged outputs are a deep
# merge of one contribution per task run (no two runs share a path), the previous result plus the
# contributions of the new runs equals a full recomputation. Any other change (outputs replaced,
# runs removed by a restart) recomputes everything.
_OUTPUTS_MEMO: Lru[str, tuple[dict[str, Any], Any]] = Lru(256)


def _deep_merge(left: Any, right: Any) -> Any:
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, value in right.items():
            merged[key] = _deep_merge(merged[key], value) if key in merged else value
        return merged
    return right


def outputs_memo(execution: Execution, runs: dict[str, TaskRun]) -> Any:
    from lanner.expr.context import outputs_of

    current = {run_id: run.outputs for run_id, run in runs.items() if run.outputs is not None}
    memo = _OUTPUTS_MEMO.get(execution.id)
    result: Any = None
    if memo is not None:
        previous, previous_result = memo
        if previous.items() <= current.items():  # C-speed; identical objects compare at once
            fresh = [run_id for run_id in current if run_id not in previous]
            if not fresh:
                result = previous_result
            else:
                result = _deep_merge(previous_result, outputs_of(
                    replace(execution, task_runs=_with_ancestors(fresh, runs))))
    if result is None:
        result = outputs_of(execution)
    _OUTPUTS_MEMO.put(execution.id, (current, result))
    return result


def _with_ancestors(fresh: list[str], runs: dict[str, TaskRun]) -> tuple[TaskRun, ...]:
    """The new runs with outputs, plus their ancestors stripped of outputs (for value paths)."""
    keep: dict[str, TaskRun] = {run_id: runs[run_id] for run_id in fresh}
    for run_id in fresh:
        parent_id = runs[run_id].parent_task_run_id
        while parent_id is not None and parent_id not in keep and parent_id in runs:
            parent = runs[parent_id]
            keep[parent_id] = replace(parent, outputs=None)
            parent_id = parent.parent_task_run_id
    return tuple(keep.values())
