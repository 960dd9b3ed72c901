"""In-memory stores: the reference behaviour of every port, used by ``lanner.testing`` and tests.

Thread-safe through one re-entrant lock. ``transaction()`` keeps an undo log, so a block that
raises leaves the stores exactly as they were (same guarantee as the SQL backends).
Records are frozen, so they are kept and returned as they are (no copies).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from itertools import count

from lanner.errors import ConflictError
from lanner.model.execution import Execution, LogEntry, level_rank
from lanner.model.state import TERMINATED, State
from lanner.store.journal import Journal, namespace_matches
from lanner.store.memory_metrics import MemoryMetricStore
from lanner.store.memory_queues import MemoryEventQueue, MemoryJobQueue, MemoryTriggerStore
from lanner.store.ports import (
    EventQueue,
    ExecutionQuery,
    ExecutionStore,
    FlowStore,
    JobQueue,
    KVEntry,
    KVStore,
    LogQuery,
    LogStore,
    MetricStore,
    Page,
    StoredFlow,
    TriggerStore,
)
from lanner.store.wakeup import Wakeup


class MemoryFlowStore:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._flows: dict[tuple[str, str], list[StoredFlow]] = {}

    def _set(self, key: tuple[str, str], revisions: list[StoredFlow]) -> None:
        self._journal.assign(self._flows, key, revisions)

    def save(self, namespace: str, flow_id: str, source: str, now: datetime) -> StoredFlow:
        with self._journal.lock:
            revisions = self._flows.get((namespace, flow_id), [])
            latest = revisions[-1] if revisions else None
            if latest is not None and not latest.deleted and latest.source == source:
                return latest
            stored = StoredFlow(namespace, flow_id, latest.revision + 1 if latest else 1, source, now)
            self._set((namespace, flow_id), [*revisions, stored])
            return stored

    def get(self, namespace: str, flow_id: str, revision: int | None = None) -> StoredFlow | None:
        with self._journal.lock:
            revisions = self._flows.get((namespace, flow_id))
            if not revisions:
                return None
            if revision is None:
                latest = revisions[-1]
                return None if latest.deleted else latest
            return next((flow for flow in revisions if flow.revision == revision), None)

    def revisions(self, namespace: str, flow_id: str) -> list[StoredFlow]:
        with self._journal.lock:
            return list(self._flows.get((namespace, flow_id), ()))

    def delete(self, namespace: str, flow_id: str, now: datetime) -> bool:
        with self._journal.lock:
            revisions = self._flows.get((namespace, flow_id))
            if not revisions or revisions[-1].deleted:
                return False
            marked = replace(revisions[-1], deleted=True, updated=now)
            self._set((namespace, flow_id), [*revisions[:-1], marked])
            return True

    def list(self, namespace: str | None = None, text: str | None = None) -> list[StoredFlow]:
        needle = text.lower() if text else None
        with self._journal.lock:
            found = [
                revisions[-1]
                for (ns, flow_id), revisions in self._flows.items()
                if not revisions[-1].deleted
                and namespace_matches(ns, namespace)
                and (needle is None or needle in flow_id.lower() or needle in ns.lower())
            ]
        return sorted(found, key=lambda flow: (flow.namespace, flow.id))


def _execution_matches(execution: Execution, query: ExecutionQuery) -> bool:
    if not namespace_matches(execution.namespace, query.namespace):
        return False
    if query.flow_id is not None and execution.flow_id != query.flow_id:
        return False
    if query.states is not None and execution.state.current not in query.states:
        return False
    start = execution.state.start_date
    if query.start_after is not None and start < query.start_after:
        return False
    if query.start_before is not None and start > query.start_before:
        return False
    if query.labels:
        present = {(label.key, label.value) for label in execution.labels}
        if not all(tuple(pair) in present for pair in query.labels):
            return False
    if query.text:
        needle = query.text.lower()
        fields = (execution.id, execution.namespace, execution.flow_id)
        if not any(needle in field.lower() for field in fields):
            return False
    return True


class MemoryExecutionStore:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        # id -> (creation sequence, execution); the sequence breaks start-date ties.
        self._executions: dict[str, tuple[int, Execution]] = {}
        self._sequence = count()

    def _put(self, execution_id: str, entry: tuple[int, Execution] | None) -> None:
        self._journal.assign(self._executions, execution_id, entry)

    def create(self, execution: Execution) -> None:
        with self._journal.lock:
            if execution.id in self._executions:
                raise ConflictError(f"Execution '{execution.id}' already exists")
            self._put(execution.id, (next(self._sequence), execution))

    def get(self, execution_id: str) -> Execution | None:
        with self._journal.lock:
            entry = self._executions.get(execution_id)
            return entry[1] if entry else None

    def save(self, execution: Execution, previous: Execution | None = None) -> None:
        with self._journal.lock:
            entry = self._executions.get(execution.id)
            sequence = entry[0] if entry else next(self._sequence)
            self._put(execution.id, (sequence, execution))

    def delete(self, execution_id: str) -> bool:
        with self._journal.lock:
            if execution_id not in self._executions:
                return False
            self._put(execution_id, None)
            return True

    def _sorted(self, executions: Iterable[tuple[int, Execution]], desc: bool) -> list[Execution]:
        ordered = sorted(executions, key=lambda e: (e[1].state.start_date, e[0]), reverse=desc)
        return [execution for _, execution in ordered]

    def search(self, query: ExecutionQuery) -> Page:
        with self._journal.lock:
            matching = [e for e in self._executions.values() if _execution_matches(e[1], query)]
        ordered = self._sorted(matching, query.sort_desc)
        offset = max(query.page - 1, 0) * query.size
        return Page(ordered[offset : offset + query.size], len(ordered))

    def count_in_states(self, namespace: str, flow_id: str, states: Iterable[State]) -> int:
        wanted = set(states)
        with self._journal.lock:
            return sum(
                1
                for _, e in self._executions.values()
                if e.namespace == namespace and e.flow_id == flow_id and e.state.current in wanted
            )

    def oldest_in_state(self, namespace: str, flow_id: str, state: State) -> Execution | None:
        with self._journal.lock:
            matching = [
                entry
                for entry in self._executions.values()
                if entry[1].namespace == namespace
                and entry[1].flow_id == flow_id
                and entry[1].state.current is state
            ]
        ordered = self._sorted(matching, desc=False)
        return ordered[0] if ordered else None

    def unfinished(self) -> list[Execution]:
        with self._journal.lock:
            matching = [e for e in self._executions.values() if e[1].state.current not in TERMINATED]
        return self._sorted(matching, desc=False)


class MemoryLogStore:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._logs: dict[str, list[LogEntry]] = {}

    def append(self, entries: Sequence[LogEntry]) -> None:
        with self._journal.lock:
            for entry in entries:
                lines = self._logs.setdefault(entry.execution_id, [])
                lines.append(entry)
                self._journal.record(lines.pop)  # type: ignore[arg-type]  # result ignored

    def for_execution(
        self,
        execution_id: str,
        min_level: str | None = None,
        task_run_id: str | None = None,
        task_id: str | None = None,
        after: int = 0,
    ) -> list[LogEntry]:
        minimum = level_rank(min_level) if min_level else None
        with self._journal.lock:
            lines = list(self._logs.get(execution_id, ()))
        found = [
            line
            for line in lines
            if (minimum is None or level_rank(line.level) >= minimum)
            and (task_run_id is None or line.task_run_id == task_run_id)
            and (task_id is None or line.task_id == task_id)
        ]
        return found[after:]

    def search(self, query: LogQuery) -> Page:
        minimum = level_rank(query.min_level) if query.min_level else None
        text = query.text.lower() if query.text else None
        with self._journal.lock:
            every = [line for lines in self._logs.values() for line in lines]
        found = [
            line for line in every
            if (query.namespace is None or line.namespace == query.namespace
                or line.namespace.startswith(query.namespace + "."))
            and (query.flow_id is None or line.flow_id == query.flow_id)
            and (minimum is None or level_rank(line.level) >= minimum)
            and (text is None or text in line.message.lower())
        ]
        found.sort(key=lambda line: line.timestamp, reverse=True)
        start = (max(query.page, 1) - 1) * query.size
        return Page(list(found[start:start + query.size]), len(found))

    def delete_execution(self, execution_id: str) -> int:
        with self._journal.lock:
            lines = self._logs.pop(execution_id, None)
            if lines is None:
                return 0
            self._journal.record(lambda: self._logs.__setitem__(execution_id, lines))
            return len(lines)


class MemoryKVStore:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._entries: dict[tuple[str, str], KVEntry] = {}

    def _set(self, key: tuple[str, str], entry: KVEntry | None) -> None:
        self._journal.assign(self._entries, key, entry)

    def put(self, entry: KVEntry) -> None:
        with self._journal.lock:
            self._set((entry.namespace, entry.key), entry)

    def get(self, namespace: str, key: str) -> KVEntry | None:
        with self._journal.lock:
            return self._entries.get((namespace, key))

    def delete(self, namespace: str, key: str) -> bool:
        with self._journal.lock:
            if (namespace, key) not in self._entries:
                return False
            self._set((namespace, key), None)
            return True

    def list(self, namespace: str) -> list[KVEntry]:
        with self._journal.lock:
            found = [entry for (ns, _), entry in self._entries.items() if ns == namespace]
        return sorted(found, key=lambda entry: entry.key)


class MemoryStores:
    """Every store in memory; nothing survives ``close()`` or the process."""

    def __init__(self) -> None:
        self._journal = Journal()
        self._wakeup = Wakeup()
        self.flows: FlowStore = MemoryFlowStore(self._journal)
        self.executions: ExecutionStore = MemoryExecutionStore(self._journal)
        self.logs: LogStore = MemoryLogStore(self._journal)
        self.metrics: MetricStore = MemoryMetricStore(self._journal)
        self.kv: KVStore = MemoryKVStore(self._journal)
        self.triggers: TriggerStore = MemoryTriggerStore(self._journal)
        self.jobs: JobQueue = MemoryJobQueue(self._journal, self._wakeup)
        self.events: EventQueue = MemoryEventQueue(self._journal, self._wakeup)

    def transaction(self) -> AbstractContextManager[None]:
        return self._journal.transaction()

    def close(self) -> None:
        """Nothing to release but the threads waiting for work (they return at once)."""
        self._wakeup.close()
