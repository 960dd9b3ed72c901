"""What happens to an execution: the inputs of ``engine.process``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanner.model.state import State


@dataclass(frozen=True, slots=True)
class Start:
    """First processing of a CREATED execution. ``running`` = executions of the same flow that
    currently hold a concurrency slot (the shell counts them in the same transaction)."""

    running: int = 0


@dataclass(frozen=True, slots=True)
class Dequeue:
    """A concurrency slot was freed: a QUEUED execution may start."""


@dataclass(frozen=True, slots=True)
class TaskStarted:
    task_run_id: str
    at: datetime
    worker_id: str | None = None


@dataclass(frozen=True, slots=True)
class TaskResult:
    """A worker finished one attempt of a task run."""

    task_run_id: str
    state: State  # SUCCESS | WARNING | FAILED | KILLED
    started_at: datetime
    ended_at: datetime
    outputs: Mapping[str, Any] | None = None
    worker_id: str | None = None
    # Outputs of the WorkingDirectory whose directory this run shared, collected by the worker
    # after its last child ran (``outputFiles``): merged into that task run's outputs.
    directory_outputs: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: due retries and pause deadlines are handled."""


@dataclass(frozen=True, slots=True)
class Kill:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SubflowCreated:
    task_run_id: str
    child_execution_id: str
    iteration: int | None = None  # from ``CreateSubflow.iteration``


@dataclass(frozen=True, slots=True)
class SubflowEnded:
    task_run_id: str
    child_execution_id: str
    child_state: State
    child_outputs: Mapping[str, Any] | None = None
    iteration: int | None = None  # from ``CreateSubflow.iteration`` (kept in the child's trigger)


@dataclass(frozen=True, slots=True)
class Restart:
    """Restart a terminated execution in place (failed task runs and their parents)."""


@dataclass(frozen=True, slots=True)
class ReplayFrom:
    """First event of a replay (a copy of a terminated execution under a new id): run again from
    this task run; what ran before it is kept, what came after it is dropped."""

    task_run_id: str


Event = (
    Start | Dequeue | TaskStarted | TaskResult | Tick | Kill | Resume | SubflowCreated | SubflowEnded
    | Restart | ReplayFrom
)
