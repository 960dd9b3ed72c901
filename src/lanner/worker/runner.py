"""Run one attempt of a runnable task run: ``run_task(job, deps) -> WorkerResult``.

The worker never reads or writes executions: it gets the complete rendering context in the job,
streams log lines to a sink as they happen, and returns a result the runtime feeds to the engine.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lanner.errors import TaskTimeoutError
from lanner.expr.engine import ExprServices, Renderer
from lanner.files.ports import FileStorage
from lanner.files.uris import execution_prefix
from lanner.model.state import State
from lanner.plugins.api import RunnableTask, TaskFailure, TaskOutput
from lanner.store.kv_service import KVService, NamespaceKV

from . import shared_directory
from .boundary import user_code_boundary
from .durations import format_duration, parse_duration
from .expr_services import LogReader, WorkerExprServices
from .jobs import WorkerJob, WorkerResult
from .logger import LogSink, TaskRunLogger
from .masking import Masker
from .run_context import Rendering, WorkerRunContext
from .storage import ExecutionStorage


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class WorkerDeps:
    """What a worker needs from its host (built once by the runtime, shared by all jobs)."""

    files: FileStorage
    kv: KVService
    log_sink: LogSink
    env: Mapping[str, str] = field(default_factory=dict)  # SECRET_* variables live here
    config: Mapping[str, Any] = field(default_factory=dict)
    clock: Callable[[], datetime] = utc_now
    renderer_factory: Callable[[ExprServices], Rendering] = Renderer
    log_reader: LogReader | None = None  # execution id -> its ERROR logs, for errorLogs()
    worker_id: str | None = None
    tmp_dir: Path | None = None  # parent of working directories (default: the system's)
    timeout_grace_seconds: float = 5.0  # how long a timed-out task may take to notice the kill


def expr_services_for(
    deps: WorkerDeps,
    namespace: str,
    flow_id: str,
    execution_id: str,
    masker: Masker | None = None,
    *,
    task_id: str | None = None,
    task_run_id: str | None = None,
    readable_prefixes: tuple[str, ...] = (),
) -> WorkerExprServices:
    """Expression lookups bound to one execution (the executor uses this for runIf, plans...)."""
    storage = ExecutionStorage(
        deps.files,
        namespace=namespace,
        flow_id=flow_id,
        execution_id=execution_id,
        task_id=task_id,
        task_run_id=task_run_id,
        readable_prefixes=readable_prefixes,
    )
    return WorkerExprServices(
        storage=storage,
        kv=NamespaceKV(deps.kv, namespace),
        env=deps.env,
        execution_id=execution_id,
        namespace=namespace,
        masker=masker,
        log_reader=deps.log_reader,
    )


def triggering_execution_files(variables: Mapping[str, Any]) -> tuple[str, ...]:
    """As Kestra, the tasks of an execution started by another one (a Subflow, a ForEachItem batch,
    a Flow trigger) may read that execution's files: ``{{ read(inputs.file) }}`` of a batch."""
    trigger = variables.get("trigger")
    if not isinstance(trigger, Mapping):
        return ()
    namespace, flow_id, execution_id = (trigger.get(key) for key in ("namespace", "flowId", "executionId"))
    if not (isinstance(namespace, str) and isinstance(flow_id, str) and isinstance(execution_id, str)):
        return ()
    if not (namespace and flow_id and execution_id):
        return ()
    return (execution_prefix(namespace, flow_id, execution_id),)


def run_task(job: WorkerJob, deps: WorkerDeps, kill_event: threading.Event | None = None) -> WorkerResult:
    """Run ``job`` once. Never raises for a failure of the task: it becomes a FAILED result
    with the message logged at ERROR (TaskFailure outputs kept)."""
    kill_event = kill_event or threading.Event()
    run, task = job.task_run, job.task
    started = deps.clock()
    masker = Masker()
    for value in job.masked:
        masker.add(value)

    def owner_context(owner_job: WorkerJob, workdir: Path) -> WorkerRunContext:
        return _context(owner_job, deps, masker, kill_event, workdir=workdir)

    ctx = _context(job, deps, masker, kill_event,
                   prepare_shared=shared_directory.preparer(job, owner_context))
    logger = ctx.logger

    outputs: Mapping[str, Any] | None = None
    state = State.SUCCESS
    with user_code_boundary() as caught:
        if not isinstance(task, RunnableTask):
            raise TaskFailure(f"Task '{task.id}' of type {task.type} cannot run on a worker")
        timeout = _timeout(ctx, task.timeout)
        if timeout is None:
            try:
                raw = task.run(ctx)
            finally:
                ctx.close()
        else:
            raw = _run_with_timeout(task, ctx, timeout, kill_event, deps.timeout_grace_seconds)
        outputs, state = _normalise(raw)

    error: str | None = None
    timed_out = isinstance(caught.error, TaskTimeoutError)
    killed = kill_event.is_set() and not timed_out
    if caught.error is not None:
        error = caught.message
        state = State.FAILED
        if isinstance(caught.error, TaskFailure) and caught.error.outputs is not None:
            outputs = dict(caught.error.outputs)
        # A killed task often fails because it was interrupted: that is not worth an ERROR line.
        logger.log("WARN" if killed else "ERROR", error)
        if not caught.expected:
            logger.debug("".join(traceback.format_exception(caught.error)).rstrip())
    if killed:
        state = State.KILLED
    directory_outputs = None
    if not killed:
        with user_code_boundary() as collecting:
            directory_outputs = shared_directory.collect(job, owner_context, deps.tmp_dir)
        if collecting.error is not None:
            # Kestra fails the WorkingDirectory when its files cannot be captured: here the last
            # child fails, and with it the WorkingDirectory.
            error = ("Unable to capture the output files of the WorkingDirectory: "
                     f"{collecting.message}")
            state = State.FAILED
            logger.log("ERROR", error)
    return WorkerResult(
        task_run_id=run.id,
        state=state,
        started_at=started,
        ended_at=deps.clock(),
        outputs=outputs,
        worker_id=deps.worker_id,
        metrics=tuple(ctx.metrics),
        error=error,
        directory_outputs=directory_outputs,
    )


def _context(
    job: WorkerJob,
    deps: WorkerDeps,
    masker: Masker,
    kill_event: threading.Event,
    *,
    prepare_shared: Callable[[Path], None] | None = None,
    workdir: Path | None = None,
) -> WorkerRunContext:
    """The run context of ``job``'s task run: storage, logs and rendering bound to it."""
    run = job.task_run
    services = expr_services_for(
        deps, run.namespace, run.flow_id, run.execution_id, masker, task_id=run.task_id, task_run_id=run.id,
        readable_prefixes=triggering_execution_files(job.variables),
    )
    logger = TaskRunLogger(
        deps.log_sink,
        masker,
        deps.clock,
        namespace=run.namespace,
        flow_id=run.flow_id,
        execution_id=run.execution_id,
        task_id=run.task_id,
        task_run_id=run.id,
        attempt_number=job.attempt_number,
        min_level=job.task.logLevel,
    )
    return WorkerRunContext(
        job,
        renderer=deps.renderer_factory(services),
        logger=logger,
        storage=services.storage,
        kv=services.kv_access,
        env=deps.env,
        masker=masker,
        config=deps.config,
        kill_event=kill_event,
        tmp_dir=deps.tmp_dir,
        prepare_shared=prepare_shared,
        workdir=workdir,
    )


def _timeout(ctx: WorkerRunContext, value: Any) -> timedelta | None:
    if value is None:
        return None
    rendered = ctx.render(value)
    if rendered in (None, ""):
        return None
    try:
        return parse_duration(str(rendered))
    except ValueError as exc:
        raise TaskFailure(f"Invalid timeout: {exc}") from None


def _run_with_timeout(
    task: RunnableTask,
    ctx: WorkerRunContext,
    timeout: timedelta,
    kill_event: threading.Event,
    grace_seconds: float,
) -> Any:
    """Run the task in a thread; past ``timeout`` set the kill event and raise.

    A Python thread cannot be stopped from outside: a task that ignores ``is_killed()`` keeps
    running in the background (it is a daemon thread and cleans its working dir when done).
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = task.run(ctx)
        except BaseException as exc:  # handed over to the caller's boundary
            box["error"] = exc
        finally:
            ctx.close()

    thread = threading.Thread(target=target, name=f"lanner-task-{ctx.task_run_id}", daemon=True)
    thread.start()
    thread.join(max(timeout.total_seconds(), 0.0))
    if thread.is_alive():
        kill_event.set()
        thread.join(grace_seconds)
        raise TaskTimeoutError(f"Task timeout after {format_duration(timeout)}")
    if "error" in box:
        raise box["error"]
    return box.get("result")


def _normalise(raw: Any) -> tuple[Mapping[str, Any] | None, State]:
    if raw is None:
        return None, State.SUCCESS
    if isinstance(raw, TaskOutput):
        outputs = dict(raw.outputs) if raw.outputs is not None else None
        return outputs, State.WARNING if raw.state == "WARNING" else State.SUCCESS
    if isinstance(raw, Mapping):
        return dict(raw), State.SUCCESS
    raise TaskFailure(f"Task returned {type(raw).__name__}: expected a mapping of outputs or None")
