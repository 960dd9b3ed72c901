"""Test harness for tasks and the worker: run one task through ``run_task`` on local files and
an in-memory KV store, collecting the log lines.

Loaded by the conftest of ``tests/unit/worker`` and ``tests/unit/tasks`` (which expose its
pieces as fixtures), so test modules never import it by path.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from lanner.expr.engine import Renderer
from lanner.files.local import LocalFileStorage
from lanner.model.execution import LogEntry, StateInfo, TaskRun
from lanner.model.state import State
from lanner.plugins.api import Task
from lanner.store.kv_service import KVService
from lanner.store.memory import MemoryStores
from lanner.worker.jobs import WorkerJob, WorkerResult
from lanner.worker.runner import WorkerDeps, run_task

NAMESPACE = "company.team"
FLOW_ID = "my_flow"
EXECUTION_ID = "exec0000000000000000001"


class FixedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Harness:
    """Everything one test needs: build a task from YAML-ish data, run it, inspect the result."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)
    logs: list[LogEntry] = field(default_factory=list)
    clock: FixedClock = field(default_factory=FixedClock)

    def __post_init__(self) -> None:
        self._runs = 0
        self.files = LocalFileStorage(self.root / "storage")
        self.kv_store = MemoryStores().kv
        self.kv = KVService(self.kv_store, self.clock)
        self.deps = WorkerDeps(
            files=self.files,
            kv=self.kv,
            log_sink=self.logs.append,
            env=self.env,
            clock=self.clock,
            renderer_factory=Renderer,
            log_reader=lambda execution_id: [e for e in self.logs if e.execution_id == execution_id],
            tmp_dir=self.root / "work",
            timeout_grace_seconds=2.0,
        )

    def task(self, cls: type[Task], data: Mapping[str, Any] | str) -> Task:
        raw = yaml.safe_load(data) if isinstance(data, str) else dict(data)
        raw.setdefault("id", "my_task")
        raw.setdefault("type", cls.kestra_type or cls.__name__)
        return cls.model_validate(raw)

    def job(self, task: Task, variables: Mapping[str, Any] | None = None, attempt: int = 1) -> WorkerJob:
        self._runs += 1
        run = TaskRun(
            id=f"taskrun{self._runs:015d}",
            execution_id=EXECUTION_ID,
            namespace=NAMESPACE,
            flow_id=FLOW_ID,
            task_id=task.id,
            state=StateInfo.new(State.RUNNING, self.clock()),
        )
        base = {"flow": {"id": FLOW_ID, "namespace": NAMESPACE}, "execution": {"id": EXECUTION_ID}}
        return WorkerJob(
            task_run=run, task=task, variables={**base, **(variables or {})}, attempt_number=attempt
        )

    def run(
        self,
        task: Task,
        variables: Mapping[str, Any] | None = None,
        kill_event: threading.Event | None = None,
    ) -> WorkerResult:
        return run_task(self.job(task, variables), self.deps, kill_event)

    def messages(self, level: str | None = None) -> list[str]:
        return [e.message for e in self.logs if level is None or e.level == level]
