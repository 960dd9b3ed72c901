"""In-memory trigger store, job queue and event queue: the reference behaviour of those ports.

They share the memory stores' ``Journal`` (one lock, undo on a failed transaction). Waiting
for work uses an in-process ``Wakeup``: memory stores live in one process by definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import count

from lanner.errors import ConflictError
from lanner.store.clock import lease_end, utc_now
from lanner.store.codec import to_micros
from lanner.store.journal import Journal, namespace_matches
from lanner.store.ports import Job, QueuedEvent, TriggerState
from lanner.store.wakeup import EVENTS_CHANNEL, JOBS_CHANNEL, Wakeup

TriggerKey = tuple[str, str, str]


class MemoryTriggerStore:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._states: dict[TriggerKey, TriggerState] = {}
        # (namespace, flow, trigger, fire time in epoch microseconds) -> execution id
        self._ticks: dict[tuple[str, str, str, int], str] = {}

    def get(self, namespace: str, flow_id: str, trigger_id: str) -> TriggerState | None:
        with self._journal.lock:
            return self._states.get((namespace, flow_id, trigger_id))

    def put(self, state: TriggerState) -> None:
        with self._journal.lock:
            self._journal.assign(self._states, (state.namespace, state.flow_id, state.trigger_id), state)

    def list(self, namespace: str | None = None, flow_id: str | None = None) -> list[TriggerState]:
        with self._journal.lock:
            found = [
                state
                for (ns, flow, _), state in self._states.items()
                if namespace_matches(ns, namespace) and (flow_id is None or flow == flow_id)
            ]
        return sorted(found, key=lambda s: (s.namespace, s.flow_id, s.trigger_id))

    def delete(self, namespace: str, flow_id: str, trigger_id: str) -> bool:
        key = (namespace, flow_id, trigger_id)
        with self._journal.lock:
            for tick in [t for t in self._ticks if t[:3] == key]:
                self._journal.assign(self._ticks, tick, None)
            if key not in self._states:
                return False
            self._journal.assign(self._states, key, None)
            return True

    def claim_tick(self, namespace: str, flow_id: str, trigger_id: str, date: datetime,
                   execution_id: str) -> bool:
        tick = (namespace, flow_id, trigger_id, to_micros(date))
        with self._journal.lock:
            if tick in self._ticks:
                return False
            self._journal.assign(self._ticks, tick, execution_id)
            return True

    def prune_ticks(self, before: datetime) -> int:
        limit = to_micros(before)
        with self._journal.lock:
            old = [tick for tick in self._ticks if tick[3] < limit]
            for tick in old:
                self._journal.assign(self._ticks, tick, None)
            return len(old)


def _in_groups(job: Job, groups: Sequence[str | None] | None) -> bool:
    return groups is None or job.worker_group in groups


class MemoryJobQueue:
    def __init__(self, journal: Journal, wakeup: Wakeup) -> None:
        self._journal = journal
        self._wakeup = wakeup
        self._jobs: dict[str, Job] = {}  # insertion order is enqueue order

    def _signal(self, channel: str) -> None:
        self._journal.after_commit(lambda: self._wakeup.notify(channel))

    def enqueue(self, jobs: Sequence[Job]) -> None:
        if not jobs:
            return
        now = utc_now()
        with self._journal.lock:
            ids = [job.id for job in jobs]
            taken = [job_id for job_id in ids if job_id in self._jobs]
            if taken or len(set(ids)) < len(ids):  # all or nothing, as one SQL statement is
                raise ConflictError(f"Job '{(taken or ids)[0]}' already exists")
            for job in jobs:
                queued = replace(job, lease_until=None, worker_id=None, enqueued=job.enqueued or now)
                self._journal.assign(self._jobs, job.id, queued)
        self._signal(JOBS_CHANNEL)

    def claim(self, worker_id: str, limit: int, lease_seconds: float,
              groups: Sequence[str | None] | None = None, *, now: datetime | None = None) -> list[Job]:
        until = lease_end(now or utc_now(), lease_seconds)
        with self._journal.lock:
            taken: list[Job] = []
            for job in self._jobs.values():
                if len(taken) >= limit:
                    break
                if job.worker_id is None and _in_groups(job, groups):
                    taken.append(replace(job, worker_id=worker_id, lease_until=until,
                                         attempts=job.attempts + 1))
            for job in taken:
                self._journal.assign(self._jobs, job.id, job)
            return taken

    def heartbeat(self, worker_id: str, job_ids: Sequence[str], lease_seconds: float, *,
                  now: datetime | None = None) -> list[str]:
        until = lease_end(now or utc_now(), lease_seconds)
        kept: list[str] = []
        with self._journal.lock:
            for job_id in job_ids:
                job = self._jobs.get(job_id)
                if job is not None and job.worker_id == worker_id:
                    self._journal.assign(self._jobs, job_id, replace(job, lease_until=until))
                    kept.append(job_id)
        return kept

    def complete(self, job_id: str, worker_id: str | None = None) -> bool:
        with self._journal.lock:
            job = self._jobs.get(job_id)
            if job is None or (worker_id is not None and job.worker_id != worker_id):
                return False
            self._journal.assign(self._jobs, job_id, None)
            return True

    def requeue_expired(self, now: datetime) -> int:
        with self._journal.lock:
            expired = [
                job for job in self._jobs.values()
                if job.worker_id is not None and job.lease_until is not None and job.lease_until < now
            ]
            for job in expired:
                self._journal.assign(self._jobs, job.id, replace(job, worker_id=None, lease_until=None))
        if expired:
            self._signal(JOBS_CHANNEL)
        return len(expired)

    def get(self, job_id: str) -> Job | None:
        with self._journal.lock:
            return self._jobs.get(job_id)

    def discard_queued(self, execution_id: str) -> int:
        with self._journal.lock:
            queued = [
                job for job in self._jobs.values()
                if job.execution_id == execution_id and job.worker_id is None
            ]
            for job in queued:
                self._journal.assign(self._jobs, job.id, None)
            return len(queued)

    def wait_for_jobs(self, timeout: float) -> bool:
        return self._wakeup.wait(JOBS_CHANNEL, timeout)


class MemoryEventQueue:
    def __init__(self, journal: Journal, wakeup: Wakeup) -> None:
        self._journal = journal
        self._wakeup = wakeup
        self._events: dict[int, QueuedEvent] = {}  # id order is push order
        self._leases: dict[str, tuple[str, datetime]] = {}  # execution -> (executor, until)
        self._ids = count(1)

    def _signal(self, channel: str) -> None:
        self._journal.after_commit(lambda: self._wakeup.notify(channel))

    def push(self, execution_id: str, event_json: str, *, now: datetime | None = None) -> int:
        with self._journal.lock:
            event = QueuedEvent(next(self._ids), execution_id, event_json, now or utc_now())
            self._journal.assign(self._events, event.id, event)
        self._signal(EVENTS_CHANNEL)
        return event.id

    def claim_batch(self, executor_id: str, limit: int, lease_seconds: float, *,
                    now: datetime | None = None) -> list[QueuedEvent]:
        moment = now or utc_now()
        with self._journal.lock:
            chosen: list[QueuedEvent] = []
            held: set[str] = set()
            refused: set[str] = set()
            for event in self._events.values():
                if len(chosen) >= limit:
                    break
                execution_id = event.execution_id
                if execution_id in refused:
                    continue
                if execution_id not in held:
                    lease = self._leases.get(execution_id)
                    if lease is not None and lease[1] >= moment:
                        refused.add(execution_id)
                        continue
                    held.add(execution_id)
                chosen.append(event)
            until = lease_end(moment, lease_seconds)
            for execution_id in sorted(held):
                self._journal.assign(self._leases, execution_id, (executor_id, until))
            return chosen

    def ack(self, ids: Sequence[int], executor_id: str | None = None) -> int:
        with self._journal.lock:
            acked = [self._events[i] for i in dict.fromkeys(ids) if i in self._events]
            for event in acked:
                self._journal.assign(self._events, event.id, None)
            executions = {event.execution_id for event in acked}
            self._release(executions, executor_id)
            more = any(event.execution_id in executions for event in self._events.values())
        if more:  # the released executions have newer events: another executor may take them
            self._signal(EVENTS_CHANNEL)
        return len(acked)

    def _release(self, execution_ids: set[str] | Sequence[str], executor_id: str | None) -> None:
        for execution_id in sorted(execution_ids):
            lease = self._leases.get(execution_id)
            if lease is not None and (executor_id is None or lease[0] == executor_id):
                self._journal.assign(self._leases, execution_id, None)

    def release(self, executor_id: str, execution_ids: Sequence[str]) -> None:
        with self._journal.lock:
            self._release(execution_ids, executor_id)
        self._signal(EVENTS_CHANNEL)

    def heartbeat(self, executor_id: str, execution_ids: Sequence[str], lease_seconds: float, *,
                  now: datetime | None = None) -> list[str]:
        until = lease_end(now or utc_now(), lease_seconds)
        kept: list[str] = []
        with self._journal.lock:
            for execution_id in execution_ids:
                lease = self._leases.get(execution_id)
                if lease is not None and lease[0] == executor_id:
                    self._journal.assign(self._leases, execution_id, (executor_id, until))
                    kept.append(execution_id)
        return kept

    def pending(self, execution_id: str | None = None) -> int:
        with self._journal.lock:
            if execution_id is None:
                return len(self._events)
            return sum(1 for event in self._events.values() if event.execution_id == execution_id)

    def wait_for_events(self, timeout: float) -> bool:
        return self._wakeup.wait(EVENTS_CHANNEL, timeout)
