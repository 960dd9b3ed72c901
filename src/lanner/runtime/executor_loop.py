"""The imperative shell around the pure engine, for one process.

One loop thread owns every execution change: it feeds events to ``engine.process``, persists
the new execution (only changed task runs), and performs the commands: runnable tasks go to a
worker thread pool, timers to a heap, subflows become new executions. Workers report back by
putting events on the same queue, so executions are never mutated concurrently.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from lanner.engine import process
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
from lanner.engine.flowindex import index_of
from lanner.errors import LannerError, NotFoundError
from lanner.expr.engine import ExprServices, Renderer
from lanner.model.execution import Execution, ExecutionTrigger, Label, LogEntry, StateInfo, TaskRun
from lanner.model.flow import Flow
from lanner.model.ids import new_id
from lanner.model.inputs import RenderTyped
from lanner.model.state import OCCUPIES_CONCURRENCY_SLOT, State
from lanner.runtime.flows import FlowCache
from lanner.runtime.leases import RunLease
from lanner.runtime.services import Services, utc_now
from lanner.runtime.work import MetricBuffer, WorkerBridge

_log = logging.getLogger("lanner.runtime")
SLOT_POLL = 0.5  # seconds between checks for a concurrency slot freed by another process

LogListener = Callable[[LogEntry], None]
ChangeListener = Callable[[Execution], None]
EndListener = Callable[[Execution], None]


@dataclass(frozen=True, slots=True)
class _Post:
    execution_id: str
    event: Event
    at: datetime | None = None  # not before (a scheduleDate, a retry's delay): the loop keeps a timer


class Runtime:
    """Executes flows in this process. Thread-safe entry points; one loop thread inside."""

    def __init__(self, services: Services, *, max_workers: int = 32) -> None:
        self.services = services
        self.flows = FlowCache(services)
        self._queue: queue.SimpleQueue[_Post | None] = queue.SimpleQueue()
        self._timers: list[tuple[datetime, int, str, Event]] = []  # due, order, execution, event
        self._seq = itertools.count()
        self._live: dict[str, Execution] = {}
        self.lease: RunLease | None = None  # lanner run: the ids it runs, for other processes
        self._settled: dict[str, threading.Event] = {}
        self._log_listeners: list[LogListener] = []
        self._change_listeners: list[ChangeListener] = []
        self._end_listeners: list[EndListener] = []
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="lanner-worker")
        self._metrics = MetricBuffer(services.stores.metrics.append)
        self._worker = WorkerBridge(services, self._on_worker_log, self._metrics.add, flows=self.flows)
        self._thread: threading.Thread | None = None
        self._stopping = False
        # QUEUED executions this runtime owns, oldest first. Another process sharing the store
        # frees slots without telling us, so they are also re-checked every SLOT_POLL seconds.
        self._waiting_for_slot: dict[str, tuple[str, str]] = {}
        self._last_slot_poll = 0.0

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> Runtime:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="lanner-executor", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
        self._worker.kill_all()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._metrics.flush()

    def __enter__(self) -> Runtime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- listeners ---------------------------------------------------------------------
    def on_log(self, listener: LogListener) -> None:
        self._log_listeners.append(listener)

    def on_change(self, listener: ChangeListener) -> None:
        self._change_listeners.append(listener)

    def on_end(self, listener: EndListener) -> None:
        """Called (on the loop thread) once per execution that reached a terminal state."""
        self._end_listeners.append(listener)

    # ---- public operations -------------------------------------------------------------
    def deploy(self, source: str, file: str | None = None) -> Flow:
        return self.flows.deploy(source, file)

    def create_execution(
        self,
        flow: Flow,
        inputs: Mapping[str, Any] | None = None,
        *,
        labels: Iterable[tuple[str, str]] = (),
        trigger: ExecutionTrigger | None = None,
        variables: Mapping[str, Any] | None = None,
        parent: tuple[str, str] | None = None,
        schedule_date: datetime | None = None,
        execution_id: str | None = None,
    ) -> Execution:
        """Resolve inputs (raises ``InputError``), store a CREATED execution, start it (at
        ``schedule_date`` when that is in the future: it stays CREATED until then)."""
        execution = build_execution(flow, inputs, labels=labels, trigger=trigger, variables=variables,
                                    parent=parent, schedule_date=schedule_date,
                                    execution_id=execution_id, expr_services=self._worker.expr_services)
        self._launch(execution, Start(), at=schedule_date)
        return execution

    def kill(self, execution_id: str) -> None:
        self._post_existing(execution_id, Kill())

    def resume(self, execution_id: str, inputs: Mapping[str, Any] | None = None) -> None:
        self._post_existing(execution_id, Resume(dict(inputs or {})))

    def restart(self, execution_id: str) -> None:
        self._settled.setdefault(execution_id, threading.Event()).clear()
        self._post_existing(execution_id, Restart())

    def replay(self, execution_id: str, task_run_id: str | None = None) -> Execution:
        """A new execution (new id, ``parentId`` = the source) of the same flow revision, inputs,
        labels and trigger. From a task run: what ran before it is kept (Kestra's replay)."""
        source = self.get(execution_id)
        if source is None:
            raise NotFoundError(f"execution {execution_id} not found")
        if task_run_id is None:
            flow = self.flows.for_execution(source)
            labels = [(lb.key, lb.value) for lb in source.labels if not lb.key.startswith("system.")]
            return self.create_execution(flow, source.inputs, labels=labels, trigger=source.trigger,
                                         variables=source.variables)
        if not source.state.current.is_terminated:
            from lanner.errors import ConflictError

            raise ConflictError(f"Execution is {source.state.current.value}: only a terminated "
                                "execution can be replayed from a task run")
        if all(run.id != task_run_id for run in source.task_runs):
            raise NotFoundError(f"task run {task_run_id} is not in execution {execution_id}")
        copy = replay_copy(source, new_id())
        task_run_id = copy.task_runs[[r.id for r in source.task_runs].index(task_run_id)].id
        self._launch(copy, ReplayFrom(task_run_id))
        return copy

    def _launch(self, execution: Execution, first: Event, at: datetime | None = None) -> None:
        """Store a new execution and give it its first event, now or at ``at`` (the one place a
        runtime starts an execution: created, replayed or retried as new)."""
        self.services.stores.executions.create(execution)
        if self.lease is not None:
            self.lease.add(execution.id)
        self._settled[execution.id] = threading.Event()
        self._queue.put(_Post(execution.id, first, at))

    def wait(self, execution_id: str, timeout: float | None = None) -> Execution:
        """Block until the execution is settled; returns its final record."""
        event = self._settled.get(execution_id)
        if event is not None and not event.wait(timeout):
            raise TimeoutError(f"execution {execution_id} did not finish within {timeout}s")
        found = self.get(execution_id)
        if found is None:
            raise NotFoundError(f"execution {execution_id} not found")
        return found

    def get(self, execution_id: str) -> Execution | None:
        return self._live.get(execution_id) or self.services.stores.executions.get(execution_id)

    def recover(self, skip: Iterable[str] = ()) -> int:
        """Resume executions left unfinished by a stopped (or killed) process, except ``skip``
        (executions another live process is running: ``lanner run``'s leases).

        Task runs that were at a worker when the process died are reported FAILED with a clear
        log line, so the engine retries them per their retry policy or fails them; everything
        else continues from its persisted state. Returns how many executions were resumed.
        """
        skipped = set(skip)
        resumed = 0
        for execution in self.services.stores.executions.unfinished():
            if execution.id in self._live or execution.id in skipped:
                continue
            resumed += 1
            self._settled.setdefault(execution.id, threading.Event())
            state = execution.state.current
            if state is State.CREATED:  # not started yet, maybe not due yet (its scheduleDate)
                self._queue.put(_Post(execution.id, Start(), execution.schedule_date))
                continue
            if state is State.QUEUED:
                self._waiting_for_slot[execution.id] = (execution.namespace, execution.flow_id)
                continue
            try:
                flow = self.flows.for_execution(execution)
            except LannerError:
                self._fail_internally(execution.id, RuntimeError("its flow revision is gone"))
                continue
            now = utc_now()
            for run in _at_a_worker(execution, flow):
                self._emit([LogEntry(execution.namespace, execution.flow_id, execution.id, now,
                                     "ERROR", "Task run interrupted: Lanner stopped while it was "
                                     "running; it is retried if its retry policy allows",
                                     task_id=run.task_id, task_run_id=run.id)])
                started = run.state.histories[-1].date
                self._queue.put(_Post(execution.id, TaskResult(run.id, State.FAILED, started, now)))
            self._queue.put(_Post(execution.id, Tick()))
        return resumed

    def kill_orphan(self, execution_id: str, reason: str) -> bool:
        """Kill an unfinished execution whose process died without finishing it (see
        ``leases``): no worker will ever report its running task runs, so they are reported
        KILLED here. Returns False when there is nothing to kill."""
        execution = self.services.stores.executions.get(execution_id)
        if execution is None or execution.state.current.is_terminated or execution_id in self._live:
            return False
        self._settled.setdefault(execution_id, threading.Event())
        now = utc_now()
        self._emit([LogEntry(execution.namespace, execution.flow_id, execution.id, now, "ERROR", reason)])
        self._queue.put(_Post(execution_id, Kill()))
        try:
            running = _at_a_worker(execution, self.flows.for_execution(execution))
        except LannerError:
            running = []
        for run in running:
            started = run.state.histories[-1].date
            self._queue.put(_Post(execution_id, TaskResult(run.id, State.KILLED, started, now)))
        return True

    # ---- the loop ----------------------------------------------------------------------
    def _post_existing(self, execution_id: str, event: Event) -> None:
        if self.get(execution_id) is None:
            raise NotFoundError(f"execution {execution_id} not found")
        self._queue.put(_Post(execution_id, event))

    def _loop(self) -> None:
        while True:
            timeout = None
            if self._timers:
                timeout = max(0.0, (self._timers[0][0] - utc_now()).total_seconds())
            if self._waiting_for_slot:
                timeout = SLOT_POLL if timeout is None else min(timeout, SLOT_POLL)
                self._poll_slots()
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
                if self._stopping:
                    return
            if item is None and self._stopping:
                return
            self._fire_due_timers()
            if item is not None and item.at is not None and item.at > utc_now():
                heapq.heappush(self._timers, (item.at, next(self._seq), item.execution_id, item.event))
            elif item is not None:
                self._handle(item.execution_id, item.event)

    def _fire_due_timers(self) -> None:
        now = utc_now()
        ticks: set[str] = set()  # one Tick per execution is enough, however many timers fell due
        others: list[tuple[str, Event]] = []
        while self._timers and self._timers[0][0] <= now:
            _, _, execution_id, event = heapq.heappop(self._timers)
            if isinstance(event, Tick):
                ticks.add(execution_id)
            else:
                others.append((execution_id, event))
        for execution_id, event in others:
            self._handle(execution_id, event)
        for execution_id in ticks:
            self._handle(execution_id, Tick())

    def _handle(self, execution_id: str, event: Event) -> None:
        try:
            self._apply(execution_id, event)
        except Exception as exc:  # a bug in Lanner must not hang every execution
            _log.exception("internal error while processing %s", execution_id)
            self._fail_internally(execution_id, exc)

    def _apply(self, execution_id: str, event: Event) -> None:
        execution = self.get(execution_id)
        if execution is None:
            return
        flow = self.flows.for_execution(execution)
        if isinstance(event, Start) and flow.concurrency is not None:
            running = self.services.stores.executions.count_in_states(
                execution.namespace, execution.flow_id, OCCUPIES_CONCURRENCY_SLOT)
            event = Start(running=running)
        now = utc_now()
        decision = process(flow, execution, event, now, self._worker.expr_services(execution))
        updated = decision.execution
        if updated is not execution:
            self.services.stores.executions.save(updated, previous=execution)
            if self.flows.shares_directories(flow):
                self._worker.release_shared_directories(execution, updated)
        self._live[execution_id] = updated
        if updated.state.current is State.QUEUED:
            self._waiting_for_slot[execution_id] = (updated.namespace, updated.flow_id)
        else:
            self._waiting_for_slot.pop(execution_id, None)
        for command in decision.commands:
            self._perform(updated, command)
        for listener in self._change_listeners:
            _notify(listener, updated)
        if updated.is_settled:
            self._live.pop(execution_id, None)
            self._settled.setdefault(execution_id, threading.Event()).set()

    def _perform(self, execution: Execution, command: Command) -> None:
        if isinstance(command, RunTask):
            if type(command.task).runs_inline and command.task.timeout is None:
                self._run_task(execution.id, command)  # no thread hand-off for tiny tasks
            else:
                self._pool.submit(self._run_task, execution.id, command, announce=True)
        elif isinstance(command, EmitLog):
            self._emit([command.entry])
        elif isinstance(command, WakeAt):
            heapq.heappush(self._timers, (command.at, next(self._seq), execution.id, Tick()))
        elif isinstance(command, KillTaskRuns):
            self._worker.kill(command.task_run_ids)
            for child_id in command.child_execution_ids:
                self._queue.put(_Post(child_id, Kill()))
        elif isinstance(command, CreateSubflow):
            self._create_subflow(execution, command)
        elif isinstance(command, ExecutionEnded):
            self._on_ended(execution)
        elif isinstance(command, CreateExecutionRetry):
            self._retry_as_new_execution(execution, command.at)

    def _run_task(self, execution_id: str, command: RunTask, *, announce: bool = False) -> None:
        if announce:  # SUBMITTED -> RUNNING as the worker picks it up (what the UI's Gantt shows)
            self._queue.put(_Post(execution_id, TaskStarted(command.task_run.id, utc_now())))
        result: TaskResult = self._worker.run(command)
        self._queue.put(_Post(execution_id, result))

    def _create_subflow(self, parent: Execution, command: CreateSubflow) -> None:
        request = command.request
        try:
            flow = self.flows.get(request.namespace, request.flow_id, request.revision)
            labels, trigger = subflow_origin(parent, command)
            child = self.create_execution(flow, request.inputs, labels=labels, trigger=trigger,
                                          parent=(parent.id, command.parent_task_run_id),
                                          schedule_date=request.schedule_date)
        except LannerError as exc:
            self._emit([LogEntry(parent.namespace, parent.flow_id, parent.id, utc_now(), "ERROR",
                                 f"Unable to create the subflow execution: {exc}",
                                 task_run_id=command.parent_task_run_id)])
            self._queue.put(_Post(parent.id, SubflowEnded(command.parent_task_run_id, "",
                                                          State.FAILED, None, command.iteration)))
            return
        self._queue.put(_Post(parent.id, SubflowCreated(command.parent_task_run_id, child.id,
                                                        command.iteration)))

    def _on_ended(self, execution: Execution) -> None:
        self._metrics.flush()  # visible to whoever the end wakes up (wait(), the API, the UI)
        for listener in self._end_listeners:
            try:
                listener(execution)
            except Exception:  # a listener must not break the executions that follow
                _log.exception("end listener failed for %s", execution.id)
        if execution.parent_id and execution.parent_task_run_id:
            self._queue.put(_Post(execution.parent_id, SubflowEnded(
                execution.parent_task_run_id, execution.id, execution.state.current,
                execution.outputs, batch_iteration(execution))))
        # A slot of the flow's concurrency limit is free: start our oldest queued execution.
        self._dequeue_one(execution.namespace, execution.flow_id)

    def _dequeue_one(self, namespace: str, flow_id: str) -> None:
        """Start the oldest QUEUED execution of the flow that this runtime owns, if a slot is free.
        (Executions queued by another process are started by that process: it polls.)"""
        candidate = next((eid for eid, key in self._waiting_for_slot.items()
                          if key == (namespace, flow_id)), None)
        if candidate is None:
            return
        execution = self.get(candidate)
        if execution is None or execution.state.current is not State.QUEUED:
            self._waiting_for_slot.pop(candidate, None)
            return
        flow = self.flows.for_execution(execution)
        limit = flow.concurrency.limit if flow.concurrency is not None else None
        running = self.services.stores.executions.count_in_states(
            namespace, flow_id, OCCUPIES_CONCURRENCY_SLOT)
        if limit is None or running < limit:
            self._queue.put(_Post(candidate, Dequeue()))

    def _poll_slots(self) -> None:
        now = time.monotonic()
        if now - self._last_slot_poll < SLOT_POLL:
            return
        self._last_slot_poll = now
        for key in dict.fromkeys(self._waiting_for_slot.values()):
            self._dequeue_one(*key)

    def _retry_as_new_execution(self, execution: Execution, at: datetime | None) -> None:
        """The replay is stored now (CREATED, its scheduleDate the retry policy's delay, which
        survives a restart) and started then."""
        self._launch(retry_execution(execution, self.flows.for_execution(execution), at), Start(), at)

    def _fail_internally(self, execution_id: str, exc: Exception) -> None:
        execution = self.get(execution_id)
        if execution is None or execution.state.current.is_terminated:
            return
        now = utc_now()
        failed = execution.with_state(State.FAILED, now) if execution.state.current is not State.FAILED \
            else execution
        self.services.stores.executions.save(failed, previous=execution)
        self._emit([LogEntry(execution.namespace, execution.flow_id, execution.id, now, "ERROR",
                             f"Internal error in Lanner, the execution was failed: {exc!r}")])
        self._live.pop(execution_id, None)
        self._worker.kill([run.id for run in execution.task_runs])
        self._settled.setdefault(execution_id, threading.Event()).set()
        self._on_ended(failed)

    # ---- logs --------------------------------------------------------------------------
    def _on_worker_log(self, entry: LogEntry) -> None:
        self._emit([entry])

    def _emit(self, entries: list[LogEntry]) -> None:
        self.services.stores.logs.append(entries)
        for listener in self._log_listeners:
            for entry in entries:
                _notify(listener, entry)


def _notify(listener: Callable[[Any], None], value: Any) -> None:
    """A listener (a terminal display, a test) must never break the executions: its error is
    logged and the engine goes on (`lanner run | head` closes the display's pipe mid-run)."""
    try:
        listener(value)
    except Exception:
        _log.exception("a runtime listener failed")


def _at_a_worker(execution: Execution, flow: Flow) -> list[TaskRun]:
    """Task runs a worker had (or was given) when their process stopped."""
    from lanner.plugins.api import RunnableTask

    tasks = index_of(flow).tasks
    return [run for run in execution.task_runs
            if run.state.current in (State.SUBMITTED, State.RUNNING)
            and isinstance(tasks.get(run.task_id), RunnableTask)]


def build_execution(
    flow: Flow,
    inputs: Mapping[str, Any] | None = None,
    *,
    labels: Iterable[tuple[str, str]] = (),
    trigger: ExecutionTrigger | None = None,
    variables: Mapping[str, Any] | None = None,
    parent: tuple[str, str] | None = None,
    schedule_date: datetime | None = None,
    execution_id: str | None = None,
    expr_services: Callable[[Execution], ExprServices] | None = None,
) -> Execution:
    """A CREATED execution of ``flow`` with resolved inputs (raises ``InputError``): the
    record every runtime shell stores before it starts the execution. ``expr_services`` (the
    functions ``kv()``, ``secret()``... for this execution) lets inputs use expressions in
    ``defaults``, ``dependsOn.condition`` and SELECT ``expression``, as in Kestra 1.x."""
    from lanner.model.inputs import resolve_inputs

    execution_id = execution_id or new_id()
    merged: dict[str, str] = dict(flow.labels)
    for key, value in labels:
        merged[key] = value
    merged.setdefault("system.correlationId", execution_id)
    created = Execution(
        id=execution_id,
        namespace=flow.namespace,
        flow_id=flow.id,
        flow_revision=flow.revision,
        state=StateInfo.new(State.CREATED, utc_now()),
        inputs={},
        labels=tuple(Label(k, str(v)) for k, v in merged.items()),
        variables=dict(variables or {}),
        trigger=trigger,
        parent_id=parent[0] if parent else None,
        parent_task_run_id=parent[1] if parent else None,
        schedule_date=schedule_date,
    )
    render_typed = _input_renderer(flow, created, expr_services) if expr_services is not None else None
    return replace(created, inputs=resolve_inputs(flow.inputs, dict(inputs or {}), render_typed=render_typed))


def _input_renderer(flow: Flow, created: Execution,
                    expr_services: Callable[[Execution], ExprServices]) -> RenderTyped:
    """Renders an input's expression with the run variables of the execution being created
    (``flow``, ``execution``, ``trigger``, ``labels``, ``envs``...) and the inputs resolved so
    far. Built on first use: most flows have no expression in their inputs."""
    built: list[tuple[Renderer, dict[str, Any]]] = []

    def render_typed(value: Any, context: Mapping[str, Any]) -> Any:
        if not built:
            from lanner.expr.context import build_variables

            services = expr_services(created)
            base = build_variables(flow, created, envs=getattr(services, "envs", None),
                                   globals_=getattr(services, "globals", None))
            built.append((Renderer(services), base))
        renderer, base = built[0]
        return renderer.render_typed(value, {**base, **context})

    return render_typed


def retry_execution(execution: Execution, flow: Flow, at: datetime | None = None) -> Execution:
    """The CREATED replay of ``execution`` that retry behavior CREATE_NEW_EXECUTION starts
    (``at``, as Kestra's scheduleDate of the new execution)."""
    return replace(
        execution,
        id=new_id(),
        state=StateInfo.new(State.CREATED, utc_now()),
        task_runs=(),
        outputs=None,
        parent_id=execution.id,
        original_id=execution.original_id or execution.id,
        attempt_number=execution.attempt_number + 1,
        flow_revision=flow.revision,
        schedule_date=at,
    )


def subflow_origin(parent: Execution,
                   command: CreateSubflow) -> tuple[list[tuple[str, str]], ExecutionTrigger]:
    """The labels and trigger of the child execution a Subflow task asks for."""
    request = command.request
    labels = list(request.labels)
    if request.inherit_labels:
        labels = [(lb.key, lb.value) for lb in parent.labels if not lb.key.startswith("system.")] + labels
    variables: dict[str, Any] = {"executionId": parent.id, "namespace": parent.namespace,
                                 "flowId": parent.flow_id}
    if command.iteration is not None:  # a ForEachItem batch: its number comes back with the end
        variables["taskRunIteration"] = command.iteration
    trigger = ExecutionTrigger(parent.id, "io.kestra.plugin.core.flow.Subflow", variables)
    return labels, trigger


def batch_iteration(child: Execution) -> int | None:
    """The ForEachItem batch number a child execution was started for (None for a Subflow)."""
    value = child.trigger.variables.get("taskRunIteration") if child.trigger is not None else None
    return value if isinstance(value, int) else None


def replay_copy(source: Execution, execution_id: str) -> Execution:
    """The source execution under a new id, its task runs with new ids (parents remapped)."""
    ids = {run.id: new_id() for run in source.task_runs}
    runs = tuple(
        replace(run, id=ids[run.id], execution_id=execution_id,
                parent_task_run_id=ids.get(run.parent_task_run_id) if run.parent_task_run_id else None)
        for run in source.task_runs)
    # Labels are kept, system.correlationId included: a replay belongs to the same story.
    return replace(source, id=execution_id, task_runs=runs, parent_id=source.id,
                   original_id=source.original_id or source.id, parent_task_run_id=None)
