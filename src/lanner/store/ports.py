"""Ports: the small protocols every storage backend (memory, SQLite, Postgres) implements.

One conformance suite (tests/conformance) runs against each adapter. Methods are synchronous;
the server runs them in a thread pool. Records passed in and out are frozen model objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from lanner.model.execution import Execution, LogEntry, TaskRun
from lanner.model.metric import MetricAggregate, MetricRecord
from lanner.model.state import State


@dataclass(frozen=True, slots=True)
class StoredFlow:
    namespace: str
    id: str
    revision: int
    source: str
    updated: datetime
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    results: list[Any]
    total: int


@dataclass(frozen=True, slots=True)
class ExecutionQuery:
    namespace: str | None = None  # prefix match, as Kestra's namespace filter
    flow_id: str | None = None
    states: Sequence[State] | None = None
    labels: Sequence[tuple[str, str]] | None = None
    start_after: datetime | None = None
    start_before: datetime | None = None
    text: str | None = None
    page: int = 1  # 1-based, like Kestra
    size: int = 25
    sort_desc: bool = True


class FlowStore(Protocol):
    def save(self, namespace: str, flow_id: str, source: str, now: datetime) -> StoredFlow:
        """Create, or add a revision when the source differs (identical source: unchanged)."""
        ...

    def get(self, namespace: str, flow_id: str, revision: int | None = None) -> StoredFlow | None: ...

    def revisions(self, namespace: str, flow_id: str) -> list[StoredFlow]: ...

    def delete(self, namespace: str, flow_id: str, now: datetime) -> bool: ...

    def list(self, namespace: str | None = None, text: str | None = None) -> list[StoredFlow]: ...


class ExecutionStore(Protocol):
    def create(self, execution: Execution) -> None: ...

    def get(self, execution_id: str) -> Execution | None: ...

    def save(self, execution: Execution, previous: Execution | None = None) -> None:
        """Persist; with ``previous`` only the task runs that changed are written."""
        ...

    def delete(self, execution_id: str) -> bool: ...

    def search(self, query: ExecutionQuery) -> Page: ...

    def count_in_states(self, namespace: str, flow_id: str, states: Iterable[State]) -> int: ...

    def oldest_in_state(self, namespace: str, flow_id: str, state: State) -> Execution | None: ...

    def unfinished(self) -> list[Execution]:
        """Executions not yet terminated (recovered after a restart)."""
        ...


class LogStore(Protocol):
    def append(self, entries: Sequence[LogEntry]) -> None: ...

    def for_execution(
        self,
        execution_id: str,
        min_level: str | None = None,
        task_run_id: str | None = None,
        task_id: str | None = None,
        after: int = 0,
    ) -> list[LogEntry]:
        """Logs of one execution in order; ``after`` skips the first N (for following)."""
        ...

    def delete_execution(self, execution_id: str) -> int: ...

    def search(self, query: LogQuery) -> Page:
        """Logs of every execution matching ``query``, newest first (``Page.results``: LogEntry)."""
        ...


@dataclass(frozen=True, slots=True)
class LogQuery:
    namespace: str | None = None  # the namespace and its children, as for executions
    flow_id: str | None = None
    min_level: str | None = None
    text: str | None = None  # case-insensitive substring of the message
    page: int = 1
    size: int = 25


# What ``MetricQuery.sort_by`` accepts: Kestra's sort fields of a MetricEntry.
METRIC_SORT_FIELDS = ("timestamp", "name", "value", "type", "taskId")


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One page of the metrics of one execution, optionally of one task run or one task."""

    execution_id: str
    task_run_id: str | None = None
    task_id: str | None = None
    page: int = 1  # 1-based, like Kestra
    size: int = 10
    sort_by: str = "timestamp"  # one of METRIC_SORT_FIELDS; ties keep the order of arrival
    sort_desc: bool = False


class MetricStore(Protocol):
    """Metrics reported by task runs. Append-only; removed only with their execution."""

    def append(self, entries: Sequence[MetricRecord]) -> None: ...

    def for_execution(self, query: MetricQuery) -> Page:
        """A page of an execution's metrics (``Page.results``: MetricRecord)."""
        ...

    def names(self, namespace: str, flow_id: str, task_id: str | None = None) -> list[str]:
        """Distinct metric names reported by a flow (or one of its tasks), sorted."""
        ...

    def task_ids(self, namespace: str, flow_id: str) -> list[str]:
        """Distinct ids of the flow's tasks that reported a metric, sorted."""
        ...

    def aggregate(self, namespace: str, flow_id: str, name: str, aggregation: str,
                  start: datetime, end: datetime, task_id: str | None = None) -> list[MetricAggregate]:
        """``aggregation`` (one of ``METRIC_AGGREGATIONS``) of the values of metric ``name``
        with ``start <= timestamp <= end``, per UTC day, oldest day first; days without a
        value are absent."""
        ...

    def delete_execution(self, execution_id: str) -> int: ...


@dataclass(frozen=True, slots=True)
class KVEntry:
    namespace: str
    key: str
    value: Any  # JSON-compatible typed value (dates as ISO strings)
    type: str  # STRING|NUMBER|BOOLEAN|DATETIME|DATE|DURATION|JSON
    description: str | None
    creation_date: datetime
    update_date: datetime
    expiration_date: datetime | None

    def expired(self, now: datetime) -> bool:
        return self.expiration_date is not None and self.expiration_date <= now


class KVStore(Protocol):
    def put(self, entry: KVEntry) -> None: ...

    def get(self, namespace: str, key: str) -> KVEntry | None:
        """The entry, expired ones included (callers decide; Kestra answers 410)."""
        ...

    def delete(self, namespace: str, key: str) -> bool: ...

    def list(self, namespace: str) -> list[KVEntry]: ...


@dataclass(frozen=True, slots=True)
class Backfill:
    """A backfill of a Schedule trigger (kestra-reference §4.1): one execution per fire time
    ``start <= t <= end`` in date order, each after the previous one ended."""

    start: datetime
    end: datetime
    current_date: datetime  # next fire time to consider
    inputs: Mapping[str, Any] = field(default_factory=dict)
    labels: tuple[tuple[str, str], ...] = ()
    paused: bool = False
    total: int = 0  # fire times in [start, end]
    done: int = 0  # executions emitted so far
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class TriggerState:
    """The persisted context of one trigger of one flow (Kestra's "trigger context")."""

    namespace: str
    flow_id: str
    trigger_id: str
    next_execution_date: datetime | None = None
    last_date: datetime | None = None  # fire time of the last emitted execution
    execution_id: str | None = None  # last emitted execution while it is not terminated (lock)
    disabled: bool = False
    backfill: Backfill | None = None
    updated: datetime | None = None


class TriggerStore(Protocol):
    def get(self, namespace: str, flow_id: str, trigger_id: str) -> TriggerState | None: ...

    def put(self, state: TriggerState) -> None: ...

    def list(self, namespace: str | None = None, flow_id: str | None = None) -> list[TriggerState]: ...

    def delete(self, namespace: str, flow_id: str, trigger_id: str) -> bool: ...

    def claim_tick(self, namespace: str, flow_id: str, trigger_id: str, date: datetime,
                   execution_id: str) -> bool:
        """Record that ``date`` of this trigger produced ``execution_id``. False when that
        (flow, trigger, date) was already claimed: N schedulers never emit a tick twice."""
        ...

    def prune_ticks(self, before: datetime) -> int:
        """Forget claimed ticks whose date is before ``before`` (they can no longer recur)."""
        ...


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work for a worker (a task run to execute, a trigger to evaluate...).

    ``attempts`` counts the claims (a job whose worker died is claimed again); ``lease_until``
    and ``worker_id`` are set while a worker holds it. Instants are compared as instants
    (the SQL backends return them in UTC).
    """

    id: str
    kind: str
    execution_id: str
    task_run_id: str | None
    payload: Mapping[str, Any]
    worker_group: str | None = None
    attempts: int = 0
    enqueued: datetime | None = None  # None at enqueue: the store stamps the current time
    lease_until: datetime | None = None
    worker_id: str | None = None


class JobQueue(Protocol):
    """Work for workers: claimed under a lease, heartbeated, completed, re-queued when a lease
    runs out (a killed worker's jobs come back). Claims never hand one job to two workers
    (Postgres: ``FOR UPDATE SKIP LOCKED``; SQLite: ``BEGIN IMMEDIATE``). ``now`` arguments
    default to the wall clock (UTC); tests pass them to move time without sleeping."""

    def enqueue(self, jobs: Sequence[Job]) -> None:
        """Add jobs (their ``id`` must be new); inside a transaction they appear at commit."""
        ...

    def claim(self, worker_id: str, limit: int, lease_seconds: float,
              groups: Sequence[str | None] | None = None, *, now: datetime | None = None) -> list[Job]:
        """Up to ``limit`` unclaimed jobs, oldest first, now held by ``worker_id``.

        ``groups=None`` takes jobs of every worker group; otherwise only jobs whose
        ``worker_group`` is listed (``None`` in the list = jobs without a group)."""
        ...

    def heartbeat(self, worker_id: str, job_ids: Sequence[str], lease_seconds: float, *,
                  now: datetime | None = None) -> list[str]:
        """Extend the leases this worker still holds; returns those ids (a missing id was
        re-queued or completed: the worker lost it)."""
        ...

    def complete(self, job_id: str, worker_id: str | None = None) -> bool:
        """Remove a finished job; with ``worker_id`` only while that worker still holds it."""
        ...

    def requeue_expired(self, now: datetime) -> int:
        """Put back jobs whose lease ended before ``now``; returns how many."""
        ...

    def get(self, job_id: str) -> Job | None: ...

    def discard_queued(self, execution_id: str) -> int:
        """Drop the unclaimed jobs of an execution (it was killed); returns how many."""
        ...

    def wait_for_jobs(self, timeout: float) -> bool:
        """Sleep until jobs may have been enqueued (True) or ``timeout`` seconds passed (False).

        A hint, never a promise: callers claim after it either way (Postgres: LISTEN/NOTIFY;
        SQLite and memory: a signal inside this process; other processes are seen by polling)."""
        ...


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    """An execution's event (JSON text, as pushed) waiting for an executor."""

    id: int
    execution_id: str
    event: str
    enqueued: datetime


class EventQueue(Protocol):
    """Events for executors (task results from workers, kill/resume from the API...).

    Per-execution ordering: a claim leases whole executions, so two executors never hold
    events of the same execution at once, and an execution's events come in push order."""

    def push(self, execution_id: str, event_json: str, *, now: datetime | None = None) -> int:
        """Queue one event; returns its id (ids grow with push order)."""
        ...

    def claim_batch(self, executor_id: str, limit: int, lease_seconds: float, *,
                    now: datetime | None = None) -> list[QueuedEvent]:
        """Up to ``limit`` events, in push order, of executions no other executor holds.

        Every execution returned is leased to ``executor_id`` until its events are acked, it
        is released, or the lease ends. For each execution the events are its oldest ones."""
        ...

    def ack(self, ids: Sequence[int], executor_id: str | None = None) -> int:
        """Remove processed events and release their executions' leases (with
        ``executor_id``: only leases this executor still holds). Returns events removed."""
        ...

    def release(self, executor_id: str, execution_ids: Sequence[str]) -> None:
        """Give executions back without acking (their events are claimed again)."""
        ...

    def heartbeat(self, executor_id: str, execution_ids: Sequence[str], lease_seconds: float, *,
                  now: datetime | None = None) -> list[str]:
        """Extend the leases this executor still holds; returns those execution ids."""
        ...

    def pending(self, execution_id: str | None = None) -> int:
        """Events not yet acked (of one execution, or all)."""
        ...

    def wait_for_events(self, timeout: float) -> bool:
        """As ``JobQueue.wait_for_jobs``, for pushed events."""
        ...


class Stores(Protocol):
    """One backend's set of stores plus its transaction boundary."""

    flows: FlowStore
    executions: ExecutionStore
    logs: LogStore
    metrics: MetricStore
    kv: KVStore
    triggers: TriggerStore
    jobs: JobQueue
    events: EventQueue

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes of several stores: all of them land, or (on an exception) none.

        Nested blocks are savepoints: an inner block that raises is undone alone. Store methods
        called outside a block are atomic on their own.
        """
        ...

    def close(self) -> None: ...


__all__ = [
    "Backfill",
    "EventQueue",
    "ExecutionQuery",
    "ExecutionStore",
    "FlowStore",
    "Job",
    "JobQueue",
    "KVEntry",
    "KVStore",
    "LogStore",
    "MetricQuery",
    "MetricStore",
    "Page",
    "QueuedEvent",
    "StoredFlow",
    "Stores",
    "TaskRun",
    "TriggerState",
    "TriggerStore",
]
