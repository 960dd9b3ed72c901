"""Run flows from Python tests — yours and ours — on in-memory state and a temporary disk.

    from lanner.testing import run_flow
    result = run_flow(open("flow.yaml").read(), {"name": "Ada"})
    assert result.state == "SUCCESS"
    assert result.outputs("generate_output")["value"] == "..."

``result.json`` is the final execution exactly as ``lanner run --json`` prints it (Kestra's API
shape). ``local_runtime()`` gives the underlying runtime for several executions at once.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lanner.model.execution import Execution, LogEntry, TaskRun
from lanner.runtime.local import LocalRun
from lanner.runtime.services import build_services
from lanner.settings import Settings


@dataclass
class FlowRun:
    execution: Execution
    logs: list[LogEntry] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.execution.state.current.value

    @property
    def json(self) -> dict[str, Any]:
        return self.execution.to_api()

    @property
    def task_runs(self) -> tuple[TaskRun, ...]:
        return self.execution.task_runs

    def task_run(self, task_id: str, value: str | None = None) -> TaskRun:
        for run in self.execution.task_runs:
            if run.task_id == task_id and (value is None or run.value == value):
                return run
        raise KeyError(f"no task run for {task_id!r}" + (f" value {value!r}" if value else ""))

    def outputs(self, task_id: str, value: str | None = None) -> Mapping[str, Any]:
        return self.task_run(task_id, value).outputs or {}

    def messages(self, level: str | None = None) -> list[str]:
        return [e.message for e in self.logs if level is None or e.level == level]


@contextmanager
def local_runtime(
    home: Path | None = None,
    *,
    config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    repository_url: str = "memory://",
) -> Iterator[LocalRun]:
    """A started runtime on memory stores (or ``repository_url``) and a temporary data dir."""
    with tempfile.TemporaryDirectory(prefix="lanner-test-") as tmp:
        base = home or Path(tmp)
        settings = Settings(home=base, raw=dict(config or {}),
                            environ=dict(os.environ if environ is None else environ))
        services = build_services(settings, repository_url=repository_url, storage_dir=base / "storage")
        with LocalRun(services) as local:
            yield local


def run_flow(
    source: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    labels: Iterable[tuple[str, str]] = (),
    trigger_date: str | None = None,
    trigger_id: str | None = None,
    timeout: float = 120.0,
    config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> FlowRun:
    """Validate and run one flow to its end; raises ``FlowValidationError``/``InputError``."""
    with local_runtime(config=config, environ=environ) as local:
        logs: list[LogEntry] = []
        local.runtime.on_log(logs.append)
        flow = local.runtime.deploy(source)
        execution = local.start(flow, inputs, labels=labels, trigger_date=trigger_date,
                                trigger_id=trigger_id)
        final = local.wait(execution.id, timeout=timeout)
        return FlowRun(final, logs)
