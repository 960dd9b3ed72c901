"""Stepping the pure engine in tests: fake tasks, flows built from task objects, and a driver
that feeds each ``RunTask`` a scripted result. No threads, no sleeps, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lanner.engine import Decision, process
from lanner.engine.commands import (
    Command,
    CreateExecutionRetry,
    CreateSubflow,
    EmitLog,
    ExecutionEnded,
    KillTaskRuns,
    RunTask,
    WakeAt,
)
from lanner.engine.events import Event, Start, TaskResult, Tick
from lanner.model.execution import Execution, StateInfo, TaskRun
from lanner.model.flow import Flow
from lanner.model.ids import new_id
from lanner.model.state import State
from lanner.plugins.api import (
    Branch,
    ExecutionUpdatingTask,
    FlowableTask,
    Plan,
    RenderContext,
    RunContext,
    RunnableTask,
    Task,
)

T0 = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


class Job(RunnableTask):
    """A runnable task; the driver decides its outcome."""

    type: str = "test.Job"

    def run(self, ctx: RunContext) -> None:  # never called: the driver plays the worker
        raise NotImplementedError


class Group(FlowableTask):
    """A sequential flowable (like Sequential) over ``tasks``."""

    type: str = "test.Group"
    tasks: list[Any]

    def plan(self, ctx: RenderContext) -> Plan:
        return Plan([Branch(self.tasks)])

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return [("tasks", list(self.tasks)), *super().child_groups()]


class BrokenPlan(FlowableTask):
    type: str = "test.BrokenPlan"
    tasks: list[Any]

    def plan(self, ctx: RenderContext) -> Plan:
        raise ValueError("cannot plan this")

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return [("tasks", list(self.tasks)), *super().child_groups()]


class SetLabels(ExecutionUpdatingTask):
    type: str = "test.SetLabels"
    pairs: dict[str, str]

    def labels(self, ctx: RenderContext) -> list[tuple[str, str]]:
        return [(k, ctx.render(v)) for k, v in self.pairs.items()]


def job(task_id: str, **extra: Any) -> Job:
    return Job(id=task_id, **extra)


def make_flow(tasks: list[Any], **extra: Any) -> Flow:
    return Flow(id="flow", namespace="test", tasks=tasks, **extra)


Outcome = State | tuple[State, Mapping[str, Any] | None]


@dataclass
class Driver:
    """Plays the shell: keeps the execution, collects commands, answers RunTask commands."""

    flow: Flow
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    now: datetime = T0
    execution: Execution = field(init=False)
    pending: list[RunTask] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    dispatched: list[list[str]] = field(default_factory=list)  # task ids per decision

    def __post_init__(self) -> None:
        self.execution = Execution(
            id=new_id(), namespace=self.flow.namespace, flow_id=self.flow.id, flow_revision=1,
            state=StateInfo.new(State.CREATED, self.now),
        )

    # ---- feeding events ----------------------------------------------------------------------
    def feed(self, event: Event, *, advance: float = 1.0) -> Decision:
        self.now += timedelta(seconds=advance)
        decision = process(self.flow, self.execution, event, self.now)
        self.execution = decision.execution
        self.commands.extend(decision.commands)
        runs = [c for c in decision.commands if isinstance(c, RunTask)]
        self.pending.extend(runs)
        if runs:
            self.dispatched.append([c.task_run.task_id for c in runs])
        return decision

    def start(self, running: int = 0) -> Decision:
        return self.feed(Start(running=running))

    def outcome_for(self, task_id: str) -> tuple[State, Mapping[str, Any] | None]:
        script = self.outcomes.get(task_id)
        if not script:
            return State.SUCCESS, None
        chosen = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(chosen, tuple):
            return chosen
        return chosen, None

    def answer(self, command: RunTask) -> Decision:
        state, outputs = self.outcome_for(command.task_run.task_id)
        return self.feed(TaskResult(
            task_run_id=command.task_run.id, state=state,
            started_at=self.now, ended_at=self.now + timedelta(seconds=1), outputs=outputs,
        ), advance=2.0)

    def run_pending(self, limit: int = 10_000) -> None:
        """Answer dispatched runs in order (first in, first out) until none is left."""
        steps = 0
        while self.pending:
            steps += 1
            assert steps < limit, "engine loops"
            self.answer(self.pending.pop(0))

    def tick(self, at: datetime) -> Decision:
        self.now = at - timedelta(seconds=1)
        return self.feed(Tick())

    # ---- reading the execution ---------------------------------------------------------------
    @property
    def state(self) -> State:
        return self.execution.state.current

    def runs(self, task_id: str) -> list[TaskRun]:
        return [r for r in self.execution.task_runs if r.task_id == task_id]

    def run(self, task_id: str, value: str | None = None) -> TaskRun:
        found = [r for r in self.runs(task_id) if r.value == value]
        assert len(found) == 1, f"{len(found)} runs of {task_id}[{value}]"
        return found[0]

    def task_state(self, task_id: str, value: str | None = None) -> State:
        return self.run(task_id, value).state.current

    def task_ids(self) -> list[str]:
        return [r.task_id for r in self.execution.task_runs]

    def logs(self, level: str | None = None) -> list[str]:
        return [c.entry.message for c in self.commands
                if isinstance(c, EmitLog) and (level is None or c.entry.level == level)]

    def of_type(self, kind: type) -> list[Any]:
        return [c for c in self.commands if isinstance(c, kind)]

    def ended(self) -> list[str]:
        return [c.state for c in self.of_type(ExecutionEnded)]

    def wakes(self) -> list[datetime]:
        return [c.at for c in self.of_type(WakeAt)]


def states(runs: Iterable[TaskRun]) -> list[State]:
    return [r.state.current for r in runs]


__all__ = [
    "T0", "BrokenPlan", "CreateExecutionRetry", "CreateSubflow", "Driver", "Group", "Job",
    "KillTaskRuns", "SetLabels", "job", "make_flow", "states",
]
