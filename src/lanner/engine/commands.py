"""What the engine asks its shell to do. Pure data: the shell persists and performs them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lanner.model.execution import LogEntry, TaskRun
from lanner.plugins.api import SubflowRequest, Task


@dataclass(frozen=True, slots=True)
class SharedDirectory:
    """A working directory shared by the runnable descendants of one task run (WorkingDirectory).
    ``key`` is that task run's id; ``setup`` its plan's rendered ``shared_directory``; ``owner``
    its task, whose hooks the worker calls to prepare the directory and collect its files;
    ``collect``: this run is the owner's last child, so its worker collects after running it."""

    key: str
    setup: Mapping[str, Any]
    owner: Task | None = None
    collect: bool = False


@dataclass(frozen=True, slots=True)
class RunTask:
    """Dispatch a runnable task run to a worker. ``variables`` is the complete rendering
    context (inputs, outputs, vars, labels, trigger, taskrun, parents...): a worker never
    reads executions."""

    task_run: TaskRun
    task: Task
    variables: Mapping[str, Any]
    attempt_number: int
    shared_directory: SharedDirectory | None = None


@dataclass(frozen=True, slots=True)
class WakeAt:
    """Feed a ``Tick`` event to the engine at (or after) this time (retry delays, pauses)."""

    at: datetime


@dataclass(frozen=True, slots=True)
class CreateSubflow:
    """Create a child execution. ``iteration``: the batch number when one task run starts many
    children (ForEachItem); the shell hands it back in ``SubflowCreated``/``SubflowEnded``."""

    parent_task_run_id: str
    request: SubflowRequest
    iteration: int | None = None


@dataclass(frozen=True, slots=True)
class KillTaskRuns:
    """Interrupt running worker task runs (kill) and child executions (kill cascade)."""

    task_run_ids: tuple[str, ...]
    child_execution_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EmitLog:
    entry: LogEntry


@dataclass(frozen=True, slots=True)
class ExecutionEnded:
    """The execution reached a terminal state (the shell frees its concurrency slot)."""

    state: str


@dataclass(frozen=True, slots=True)
class CreateExecutionRetry:
    """Retry behavior CREATE_NEW_EXECUTION: the shell creates a replay of this execution,
    due at ``at`` (the retry policy's delay; None = now)."""

    execution_id: str
    at: datetime | None = None


Command = RunTask | WakeAt | CreateSubflow | KillTaskRuns | EmitLog | ExecutionEnded | CreateExecutionRetry
