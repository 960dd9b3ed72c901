"""``ClusterExecutor``: the executor role - the engine's shell when executions are shared by many
processes through the database.

Loop: claim a batch from the event queue (a claim leases whole executions, so no two executors
ever hold events of the same execution, and each execution's events come in push order), then
for each execution, in ONE transaction: read it, feed its events to ``engine.process``, save the
new execution, write what the commands ask for (``Outbox``: task jobs, timers, other
executions' events, subflows, logs) and ack the events. A crash anywhere before the commit
leaves the events in the queue; their lease lapses and an executor processes them again.
Several executions share one transaction (group commit, at most ``GROUP_SECONDS`` of work):
a failure rolls the group back and its executions are processed again one by one, where a
failing execution is failed alone ("Internal error in Lanner").

Tasks that only compute (``runs_inline``: Log, Return...) run right here, as in the one-process
runtime: their result is the next event of the same step, so a flow of such tasks finishes in
one transaction after its ``Start``. Every other task becomes a job for the workers.

Concurrency limits: ``Start``/``Dequeue`` are processed holding a per-flow lock (Postgres: an
advisory transaction lock; SQLite: writers are serialised anyway), so running executions are
counted exactly even with many executors. When an execution ends, the oldest QUEUED execution
of its flow gets a ``Dequeue``; a periodic sweep repairs any missed one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

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
from lanner.engine.events import Dequeue, Event, Kill, Start, SubflowCreated, SubflowEnded, TaskResult
from lanner.errors import LannerError
from lanner.model.execution import Execution, LogEntry
from lanner.model.flow import Flow
from lanner.model.metric import MetricRecord
from lanner.model.state import OCCUPIES_CONCURRENCY_SLOT, State
from lanner.runtime.distributed.codec import decode_event
from lanner.runtime.distributed.config import ClusterConfig, process_id
from lanner.runtime.distributed.gateway import ClusterGateway
from lanner.runtime.distributed.outbox import Outbox, task_job, timer_job
from lanner.runtime.distributed.timers import TimerKeeper
from lanner.runtime.executor_loop import batch_iteration, build_execution, retry_execution, subflow_origin
from lanner.runtime.services import utc_now
from lanner.runtime.work import WorkerBridge
from lanner.store.ports import ExecutionQuery, QueuedEvent, Stores

_log = logging.getLogger("lanner.cluster")

BATCH = 200  # events per claim
GROUP_MAX = 32  # executions per group commit
GROUP_SECONDS = 0.025  # a group commit stops taking executions after this long
QUEUED_SWEEP_SECONDS = 5.0


class LostLease(Exception):
    """Another executor took these events over: this step must not commit."""


def lock_flow(stores: Stores, namespace: str, flow_id: str) -> None:
    """Serialise concurrency decisions of one flow across processes until the transaction ends."""
    db = getattr(stores, "db", None)
    if db is not None and getattr(db.dialect, "name", "") == "postgresql":
        db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"lanner.flow:{namespace}.{flow_id}",))
    # SQLite: a write transaction (BEGIN IMMEDIATE) already excludes every other writer.


class _Step:
    """One execution's events being processed: what the step has decided so far."""

    def __init__(self, execution: Execution, flow: Flow) -> None:
        self.original = execution
        self.execution = execution
        self.flow = flow
        self.pending: deque[Event] = deque()
        self.outbox = Outbox()
        self.locked = False
        self.ended = False
        self.dequeue_next = False


class ClusterExecutor:
    def __init__(self, gateway: ClusterGateway, config: ClusterConfig | None = None,
                 executor_id: str | None = None) -> None:
        self.gateway = gateway
        self.services = gateway.services
        self.stores: Stores = gateway.services.stores
        self.flows = gateway.flows
        self.config = config or ClusterConfig()
        self.id = executor_id or process_id("executor")
        self._bridge = WorkerBridge(self.services, self._collect_log, self._collect_metrics, self.flows)
        self._bridge.deps.worker_id = self.id
        self._timers = TimerKeeper(self.stores, self.id, self.config)
        self._step: _Step | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_requeue = 0.0
        self._next_sweep = time.monotonic() + QUEUED_SWEEP_SECONDS

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> ClusterExecutor:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="lanner-cluster-executor", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        try:
            self._timers.release_all()
        except Exception:  # the database is going away too: leases lapse by themselves
            _log.debug("could not release timers", exc_info=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # the database went away for a moment: retry after a pause
                _log.exception("executor iteration failed")
                self._stop.wait(self.config.poll_seconds)
                continue
            if not worked:
                wait = min(self.config.poll_seconds, self._timers.seconds_to_next())
                if wait > 0:
                    self.stores.events.wait_for_events(wait)

    def run_once(self) -> int:
        """One round: housekeeping, due timers, one batch of events. Returns events processed."""
        self._housekeeping()
        self._timers.tick()
        batch = self.stores.events.claim_batch(self.id, BATCH, self.config.lease_seconds)
        if not batch:
            return 0
        groups: dict[str, list[QueuedEvent]] = {}
        for queued in batch:
            groups.setdefault(queued.execution_id, []).append(queued)
        claimed_at = time.monotonic()
        remaining = list(groups.items())
        careful = False  # after a failed group commit: one execution per transaction
        while remaining:
            if time.monotonic() - claimed_at > self.config.heartbeat_seconds:
                self.stores.events.heartbeat(self.id, [e for e, _ in remaining], self.config.lease_seconds)
                claimed_at = time.monotonic()
            done = 0 if careful else self._process_together(remaining[:GROUP_MAX])
            if done:
                remaining = remaining[done:]
                continue
            careful = True
            self._process(*remaining.pop(0))
        return len(batch)

    # ---- executions --------------------------------------------------------------------------
    def _process_together(self, groups: list[tuple[str, list[QueuedEvent]]]) -> int:
        """Group commit: the steps of several executions in ONE transaction (for at most
        ``GROUP_SECONDS``, and never past a step holding a flow lock, so two executors never
        wait for each other's locks). Returns how many executions it processed; 0 when the
        transaction failed and was rolled back (then each goes through ``_process``)."""
        steps: list[_Step] = []
        began = time.monotonic()
        done = 0
        try:
            with self.stores.transaction():
                ids: list[int] = []
                for execution_id, queued in groups:
                    step = self._run_step(execution_id, _decode(execution_id, queued))
                    self._step = None
                    ids += [item.id for item in queued]
                    done += 1
                    if step is not None:
                        step.outbox.write(self.stores)
                        steps.append(step)
                        if step.locked:
                            break
                    if time.monotonic() - began > GROUP_SECONDS:
                        break
                if self.stores.events.ack(ids, self.id) < len(ids):
                    raise LostLease(", ".join(e for e, _ in groups[:done]))
        except Exception:  # retried one by one, where failures are handled
            _log.debug("group commit failed; processing one by one", exc_info=True)
            return 0
        finally:
            self._step = None
        for step in steps:
            self._after_commit(step)
        return done

    def _process(self, execution_id: str, queued: list[QueuedEvent]) -> None:
        events = _decode(execution_id, queued)
        ids = [item.id for item in queued]
        try:
            with self.stores.transaction():
                step = self._run_step(execution_id, events)
                if step is not None:
                    step.outbox.write(self.stores, replace_jobs=True)
                if self.stores.events.ack(ids, self.id) < len(ids):
                    raise LostLease(execution_id)
        except LostLease:
            _log.warning("events of %s were taken over by another executor", execution_id)
            return
        except Exception as exc:
            _log.exception("internal error while processing %s", execution_id)
            self._fail_internally(execution_id, ids, exc)
            return
        finally:
            self._step = None
        if step is not None:
            self._after_commit(step)

    def _run_step(self, execution_id: str, events: list[Event]) -> _Step | None:
        execution = self.stores.executions.get(execution_id)
        if execution is None:
            return None  # deleted meanwhile: its events are simply acked
        step = self._step = _Step(execution, self.flows.for_execution(execution))
        step.pending.extend(events)
        while step.pending:
            event = self._admit(step, step.pending.popleft())
            if event is None:
                continue
            decision = process(step.flow, step.execution, event, utc_now(),
                               self._bridge.expr_services(step.execution))
            step.execution = decision.execution
            for command in decision.commands:
                self._perform(step, command)
        if step.execution is not step.original:
            self.stores.executions.save(step.execution, previous=step.original)
        if step.dequeue_next:
            step.locked = True
            self._dequeue_oldest(step.flow, step.outbox, exclude=execution_id)
        return step

    def _admit(self, step: _Step, event: Event) -> Event | None:
        """Count the flow's running executions, under its lock, for ``Start`` and ``Dequeue``."""
        limit = step.flow.concurrency
        if limit is None or not isinstance(event, Start | Dequeue):
            return event
        running = self._running(step)
        if isinstance(event, Start):
            return Start(running=running)
        if step.execution.state.current is not State.QUEUED:
            step.dequeue_next = True  # a duplicate Dequeue: pass the free slot on
            return None
        return event if running < limit.limit else None

    def _running(self, step: _Step) -> int:
        execution = step.execution
        if not step.locked:
            lock_flow(self.stores, execution.namespace, execution.flow_id)
            step.locked = True
        return self.stores.executions.count_in_states(execution.namespace, execution.flow_id,
                                                      OCCUPIES_CONCURRENCY_SLOT)

    def _dequeue_oldest(self, flow: Flow, outbox: Outbox, exclude: str | None = None) -> None:
        """Give the free slot of ``flow`` (if any) to its oldest QUEUED execution."""
        if flow.concurrency is None:
            return
        lock_flow(self.stores, flow.namespace, flow.id)
        running = self.stores.executions.count_in_states(flow.namespace, flow.id, OCCUPIES_CONCURRENCY_SLOT)
        if running >= flow.concurrency.limit:
            return
        oldest = self.stores.executions.oldest_in_state(flow.namespace, flow.id, State.QUEUED)
        if oldest is not None and oldest.id != exclude:
            outbox.events.append((oldest.id, Dequeue()))

    def _perform(self, step: _Step, command: Command) -> None:
        execution, outbox = step.execution, step.outbox
        if isinstance(command, RunTask):
            if type(command.task).runs_inline and command.task.timeout is None:
                step.pending.append(self._bridge.run(command))  # no hop through a worker
            else:
                outbox.jobs.append(task_job(command, execution.flow_revision))
        elif isinstance(command, EmitLog):
            outbox.logs.append(command.entry)
        elif isinstance(command, WakeAt):
            outbox.jobs.append(timer_job(execution.id, command.at))
        elif isinstance(command, KillTaskRuns):
            # Withdrawn jobs: their workers interrupt the tasks and can no longer report, so the
            # KILLED results of the runs a worker had started are recorded here and now.
            outbox.withdrawn_jobs.extend(command.task_run_ids)
            outbox.events.extend((child, Kill()) for child in command.child_execution_ids)
            now = utc_now()
            for run in execution.task_runs:
                if run.id in command.task_run_ids and run.state.current is State.RUNNING:
                    started = run.attempts[-1].state.start_date if run.attempts else now
                    step.pending.append(TaskResult(run.id, State.KILLED, started, now))
        elif isinstance(command, CreateSubflow):
            self._create_subflow(step, command)
        elif isinstance(command, ExecutionEnded):
            step.ended = True
            step.dequeue_next = _queues(step.flow)
            if execution.parent_id and execution.parent_task_run_id:
                outbox.events.append((execution.parent_id, SubflowEnded(
                    execution.parent_task_run_id, execution.id, execution.state.current, execution.outputs,
                    batch_iteration(execution))))
        elif isinstance(command, CreateExecutionRetry):
            outbox.start(retry_execution(execution, step.flow, command.at), command.at)

    def _create_subflow(self, step: _Step, command: CreateSubflow) -> None:
        parent, request = step.execution, command.request
        try:
            flow = self.flows.get(request.namespace, request.flow_id, request.revision)
            labels, trigger = subflow_origin(parent, command)
            child = build_execution(flow, request.inputs, labels=labels, trigger=trigger,
                                    parent=(parent.id, command.parent_task_run_id),
                                    schedule_date=request.schedule_date,
                                    expr_services=self._bridge.expr_services)
        except LannerError as exc:
            step.outbox.logs.append(LogEntry(parent.namespace, parent.flow_id, parent.id, utc_now(), "ERROR",
                                             f"Unable to create the subflow execution: {exc}",
                                             task_run_id=command.parent_task_run_id))
            step.pending.append(SubflowEnded(command.parent_task_run_id, "", State.FAILED, None,
                                             command.iteration))
            return
        step.outbox.start(child, request.schedule_date)
        step.pending.append(SubflowCreated(command.parent_task_run_id, child.id, command.iteration))

    def _after_commit(self, step: _Step) -> None:
        if step.outbox.has_timers:
            self._timers.claim_soon()
        final = step.execution
        if final is not step.original:
            if self.flows.shares_directories(step.flow):
                self._bridge.release_shared_directories(step.original, final)
            self.gateway.notify_changed(final)
        self.gateway.notify_logs(step.outbox.logs)
        if step.ended:
            self.gateway.notify_ended(final)

    def _collect_log(self, entry: LogEntry) -> None:
        """Logs of inline tasks join the step's transaction (only the processing thread runs
        tasks here)."""
        step = self._step
        if step is not None:
            step.outbox.logs.append(entry)
        else:
            self.stores.logs.append([entry])

    def _collect_metrics(self, metrics: Sequence[MetricRecord]) -> None:
        """Metrics of inline tasks join the step's transaction, as their logs do."""
        step = self._step
        if step is not None:
            step.outbox.metrics.extend(metrics)
        else:
            self.stores.metrics.append(metrics)

    # ---- failures and housekeeping -----------------------------------------------------------
    def _fail_internally(self, execution_id: str, event_ids: list[int], exc: Exception) -> None:
        """A bug must not wedge an execution: fail it, withdraw its jobs, ack its events."""
        try:
            outbox = Outbox()
            with self.stores.transaction():
                execution = self.stores.executions.get(execution_id)
                if execution is not None and not execution.is_settled:
                    now = utc_now()
                    failed = _closed(execution, now)
                    self.stores.executions.save(failed, previous=execution)
                    outbox.withdrawn_jobs.extend(run.id for run in execution.task_runs)
                    outbox.logs.append(LogEntry(execution.namespace, execution.flow_id, execution.id, now,
                                                "ERROR", f"Internal error in Lanner, the execution was "
                                                f"failed: {exc!r}"))
                    if failed.parent_id and failed.parent_task_run_id:
                        outbox.events.append((failed.parent_id, SubflowEnded(
                            failed.parent_task_run_id, failed.id, State.FAILED, None,
                            batch_iteration(failed))))
                outbox.write(self.stores)
                self.stores.events.ack(event_ids, self.id)
        except Exception:  # the store itself fails: the lease lapses and the events come back
            _log.exception("could not record the failure of %s", execution_id)

    def _housekeeping(self) -> None:
        clock = time.monotonic()
        if clock >= self._next_requeue:
            self._next_requeue = clock + self.config.poll_seconds
            self.stores.jobs.requeue_expired(utc_now())
        if clock >= self._next_sweep:
            self._next_sweep = clock + QUEUED_SWEEP_SECONDS
            self._sweep_queued()

    def _sweep_queued(self) -> None:
        """Safety net for concurrency limits: a flow with a free slot and QUEUED executions."""
        page = self.stores.executions.search(ExecutionQuery(states=[State.QUEUED], size=100, sort_desc=False))
        seen: set[tuple[str, str, int]] = set()
        for execution in page.results:
            key = (execution.namespace, execution.flow_id, execution.flow_revision)
            if key in seen:
                continue
            seen.add(key)
            try:
                flow = self.flows.for_execution(execution)
                outbox = Outbox()
                with self.stores.transaction():
                    self._dequeue_oldest(flow, outbox)
                    outbox.write(self.stores)
            except LannerError:
                _log.warning("queued execution %s: its flow cannot be loaded", execution.id)


def _decode(execution_id: str, queued: list[QueuedEvent]) -> list[Event]:
    events: list[Event] = []
    for item in queued:
        try:
            events.append(decode_event(item.event))
        except Exception:
            _log.exception("undecodable event %s of %s dropped", item.id, execution_id)
    return events


def _queues(flow: Flow) -> bool:
    """Whether executions of ``flow`` may wait in QUEUED for a slot."""
    return flow.concurrency is not None and flow.concurrency.behavior == "QUEUE"


def _closed(execution: Execution, now: datetime) -> Execution:
    """The execution FAILED, with every task run still open FAILED too (nothing will end them)."""
    runs = []
    for run in execution.task_runs:
        if not run.state.current.is_terminated:
            with contextlib.suppress(LannerError):  # no legal way there: leave it as it is
                run = run.with_state(State.FAILED, now)
        runs.append(run)
    closed = replace(execution, task_runs=tuple(runs))
    return closed if closed.state.current.is_terminated else closed.with_state(State.FAILED, now)


def run_until(condition: Callable[[], bool], executor: ClusterExecutor, timeout: float = 10.0) -> bool:
    """Drive ``executor`` on the calling thread until ``condition()`` (tests, one process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if not executor.run_once():
            time.sleep(0.01)
    return condition()
