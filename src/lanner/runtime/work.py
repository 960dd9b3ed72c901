"""Bridge between the engine's commands/events and the worker room (which may not import the
engine): converts ``RunTask`` -> ``WorkerJob`` and ``WorkerResult`` -> ``TaskResult``, hands the
metrics of each result (stamped with the task run's identifiers) to a metric sink, and owns the
kill switches of running task runs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lanner.engine.commands import RunTask
from lanner.engine.events import TaskResult
from lanner.errors import LannerError
from lanner.expr.engine import ExprServices
from lanner.model.execution import Execution, LogEntry, TaskRun
from lanner.model.inputs import secret_input_ids
from lanner.model.metric import MetricRecord
from lanner.runtime.services import Services
from lanner.worker.jobs import SharedDirectoryJob, WorkerJob, WorkerResult
from lanner.worker.runner import WorkerDeps, expr_services_for, run_task, triggering_execution_files

if TYPE_CHECKING:
    from lanner.runtime.flows import FlowCache

_log = logging.getLogger("lanner.runtime")

MetricSink = Callable[[Sequence[MetricRecord]], None]


class WorkerBridge:
    def __init__(self, services: Services, log_sink: Callable[[LogEntry], None],
                 metric_sink: MetricSink | None = None, flows: FlowCache | None = None) -> None:
        """``metric_sink`` receives the metrics of each result; by default they are stored at
        once (a shell that writes in transactions passes its own buffer). ``flows`` tells which
        inputs are SECRET, so that their values are masked in the task's logs."""
        self._services = services
        self._flows = flows
        self._metric_sink: MetricSink = metric_sink or services.stores.metrics.append
        self._kills: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.deps = WorkerDeps(
            files=services.files,
            kv=services.kv,
            log_sink=log_sink,
            env=services.environ,
            config=_worker_config(services),
            log_reader=lambda execution_id: services.stores.logs.for_execution(execution_id, "ERROR"),
            tmp_dir=services.settings.work_dir,
        )
        services.settings.work_dir.mkdir(parents=True, exist_ok=True)
        self._envs = services.settings.envs
        self._globals = services.settings.globals

    def run(self, command: RunTask) -> TaskResult:
        kill = threading.Event()
        with self._lock:
            self._kills[command.task_run.id] = kill
        try:
            shared = command.shared_directory
            job = WorkerJob(command.task_run, command.task, command.variables, command.attempt_number,
                            None if shared is None else SharedDirectoryJob(
                                shared.key, shared.setup, shared.owner, shared.collect),
                            masked=self._secret_inputs(command))
            result = run_task(job, self.deps, kill)
        finally:
            with self._lock:
                self._kills.pop(command.task_run.id, None)
        if result.metrics:
            try:
                self._metric_sink(metric_records(command.task_run, result))
            except Exception:  # metrics are a report: never lose the task's result over them
                _log.exception("could not store the metrics of task run %s", command.task_run.id)
        return TaskResult(
            task_run_id=result.task_run_id,
            state=result.state,
            started_at=result.started_at,
            ended_at=result.ended_at,
            outputs=result.outputs,
            worker_id=result.worker_id,
            directory_outputs=result.directory_outputs,
        )

    def kill(self, task_run_ids: Iterable[str]) -> None:
        with self._lock:
            for task_run_id in task_run_ids:
                event = self._kills.get(task_run_id)
                if event is not None:
                    event.set()

    def kill_all(self) -> None:
        with self._lock:
            for event in self._kills.values():
                event.set()

    def release_shared_directories(self, previous: Execution, execution: Execution) -> None:
        """Remove the directory of every WorkingDirectory task run that just ended."""
        import shutil

        from lanner.worker.run_context import shared_directory_path

        before = {run.id: run.state.current for run in previous.task_runs}
        for run in execution.task_runs:
            if run.plan is not None and "sharedDirectory" in run.plan and \
                    run.state.current.is_terminated and before.get(run.id) != run.state.current:
                shutil.rmtree(shared_directory_path(self.deps.tmp_dir, execution.id, run.id),
                              ignore_errors=True)

    def expr_services(self, execution: Execution) -> ExprServices:
        trigger = {"trigger": dict(execution.trigger.variables)} if execution.trigger is not None else {}
        services = expr_services_for(self.deps, execution.namespace, execution.flow_id, execution.id,
                                     readable_prefixes=triggering_execution_files(trigger))
        # What the engine puts in run variables as {{ envs.* }} and {{ globals.* }}.
        services.envs = self._envs  # type: ignore[attr-defined]
        services.globals = self._globals  # type: ignore[attr-defined]
        return services


    def _secret_inputs(self, command: RunTask) -> tuple[str, ...]:
        """The values of the execution's SECRET inputs (as ``secret()`` values are, they are
        masked in every log line the task writes)."""
        if self._flows is None:
            return ()
        run, flow_variables = command.task_run, command.variables.get("flow") or {}
        try:
            flow = self._flows.get(run.namespace, run.flow_id, flow_variables.get("revision"))
        except LannerError:
            return ()
        found: list[str] = []
        for dotted in secret_input_ids(flow.inputs):
            value: Any = command.variables.get("inputs")
            for part in dotted.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            if value is not None:
                found.append(str(value))
        return tuple(found)


class MetricBuffer:
    """Metrics of one process's task runs, written in batches: one insert per task (a Return
    reports two metrics) would cost a fifth of a short task's overhead. Written at the latest a
    second after they arrive (with the next ones), when their execution ends (``flush``, before
    anyone waiting for the end wakes up) and when the runtime stops."""

    def __init__(self, store_append: MetricSink, *, max_age: float = 1.0, max_size: int = 500) -> None:
        self._append = store_append
        self._max_age = max_age
        self._max_size = max_size
        self._pending: list[MetricRecord] = []
        self._since = 0.0
        self._lock = threading.Lock()

    def add(self, records: Sequence[MetricRecord]) -> None:
        now = time.monotonic()
        with self._lock:
            if not self._pending:
                self._since = now
            self._pending.extend(records)
            due = len(self._pending) >= self._max_size or now - self._since >= self._max_age
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            self._append(batch)
        except Exception:  # metrics are a report: never break an execution over them
            _log.exception("could not store %d metrics", len(batch))


def metric_records(task_run: TaskRun, result: WorkerResult) -> list[MetricRecord]:
    """The metrics of one attempt as stored: who reported them, and when (the attempt's end)."""
    return [MetricRecord(task_run.namespace, task_run.flow_id, task_run.task_id, task_run.execution_id,
                         task_run.id, metric.type, metric.name, metric.value, result.ended_at,
                         metric.tags)
            for metric in result.metrics]


def _worker_config(services: Services) -> dict[str, object]:
    """Lanner's configuration as tasks see it, with the host table resolved (the course's
    ``pgdatabase`` reaches the Postgres that Lanner manages, or whatever ``hosts:`` says) and
    ``lanner-home``: the data directory under which tasks keep their caches and local stand-ins."""
    from lanner.devservices.hosts import effective_hosts

    return {**services.config, "hosts": effective_hosts(services.settings),
            "lanner-home": str(services.settings.home)}
