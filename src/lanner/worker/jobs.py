"""What a worker receives and returns: mirrors of the engine's ``RunTask`` and ``TaskResult``.

The worker may not import the engine (import-linter), so the runtime converts between these
and the engine's commands/events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanner.model.execution import TaskRun
from lanner.model.state import State
from lanner.plugins.api import Task


@dataclass(frozen=True, slots=True)
class SharedDirectoryJob:
    """The directory a WorkingDirectory's children share. ``key``: the WorkingDirectory's task run
    id; ``setup``: its rendered plan data; ``owner``: its task (``SharedDirectoryOwner`` hooks);
    ``collect``: this job is its last child, so the owner's files are collected after it ran."""

    key: str
    setup: Mapping[str, Any]
    owner: Task | None = None
    collect: bool = False


@dataclass(frozen=True, slots=True)
class WorkerJob:
    """One attempt of a runnable task run. ``variables`` is the complete rendering context."""

    task_run: TaskRun
    task: Task
    variables: Mapping[str, Any]
    attempt_number: int = 1
    shared_directory: SharedDirectoryJob | None = None  # set for children of a WorkingDirectory
    masked: tuple[str, ...] = ()  # values never to show in logs: the execution's SECRET inputs


@dataclass(frozen=True, slots=True)
class MetricEntry:
    """A metric recorded by a task (``counter``, ``timer`` in seconds, or ``gauge``)."""

    name: str
    value: float
    type: str = "counter"
    tags: Mapping[str, str] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "value": self.value, "tags": dict(self.tags)}


@dataclass(frozen=True, slots=True)
class WorkerResult:
    """The end of one attempt. ``state`` is SUCCESS, WARNING, FAILED or KILLED; ``error`` is the
    failure message already logged at ERROR (None on success)."""

    task_run_id: str
    state: State
    started_at: datetime
    ended_at: datetime
    outputs: Mapping[str, Any] | None = None
    worker_id: str | None = None
    metrics: tuple[MetricEntry, ...] = ()
    error: str | None = None
    # What the owner of the shared directory collected after its last child (see WorkerJob).
    directory_outputs: Mapping[str, Any] | None = None
