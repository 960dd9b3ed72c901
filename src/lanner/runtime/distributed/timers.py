"""Persisted timers (``WakeAt``): any executor can fire them, exactly one does.

A timer is a job of the reserved group ``lanner.timers`` with its due time in the payload.
Executors claim timers like workers claim tasks - under a lease, extended by heartbeats - keep
them in a heap, and fire each one when due: its ``Tick`` event is pushed and the job completed
in one transaction, and only while this executor still holds it. A dead executor's timers come
back when their lease lapses, and another executor fires them (late, never twice).
"""

from __future__ import annotations

import heapq
import logging
import time
from datetime import datetime

from lanner.engine.events import Tick
from lanner.runtime.distributed.codec import encode_event
from lanner.runtime.distributed.config import TIMER_GROUP, ClusterConfig
from lanner.runtime.services import utc_now
from lanner.store.ports import Job, Stores

_log = logging.getLogger("lanner.cluster")
CLAIM_LIMIT = 500


class TimerKeeper:
    def __init__(self, stores: Stores, holder_id: str, config: ClusterConfig) -> None:
        self._stores = stores
        self._holder = holder_id
        self._config = config
        self._heap: list[tuple[datetime, str, str, str]] = []  # due, job id, execution, event
        self._held: set[str] = set()
        self._next_claim = 0.0
        self._next_heartbeat = time.monotonic() + config.heartbeat_seconds

    def claim_soon(self) -> None:
        """Look for new timers at the next ``tick`` (this process just created one)."""
        self._next_claim = 0.0

    def seconds_to_next(self) -> float:
        """Until the next due timer or the next claim, whichever comes first."""
        until_claim = max(0.0, self._next_claim - time.monotonic())
        if not self._heap:
            return until_claim
        return min(until_claim, max(0.0, (self._heap[0][0] - utc_now()).total_seconds()))

    def tick(self) -> int:
        """Claim, heartbeat and fire what is due; returns how many fired."""
        clock = time.monotonic()
        if clock >= self._next_claim:
            self._next_claim = clock + self._config.poll_seconds
            self._claim()
        if clock >= self._next_heartbeat and self._held:
            self._next_heartbeat = clock + self._config.heartbeat_seconds
            kept = set(self._stores.jobs.heartbeat(self._holder, sorted(self._held),
                                                   self._config.lease_seconds))
            self._held &= kept
        return self._fire_due()

    def _claim(self) -> None:
        jobs = self._stores.jobs.claim(self._holder, CLAIM_LIMIT, self._config.lease_seconds,
                                       [TIMER_GROUP])
        for job in jobs:
            try:
                due = datetime.fromisoformat(str(job.payload["at"]))
            except (KeyError, ValueError):
                _log.error("timer job %s has no due time; dropped", job.id)
                self._stores.jobs.complete(job.id, self._holder)
                continue
            self._held.add(job.id)
            heapq.heappush(self._heap, (due, job.id, job.execution_id,
                                        str(job.payload.get("event") or encode_event(Tick()))))

    def _fire_due(self) -> int:
        now = utc_now()
        fired = 0
        while self._heap and self._heap[0][0] <= now:
            _, job_id, execution_id, event = heapq.heappop(self._heap)
            if job_id not in self._held:
                continue  # lost its lease: another executor fires it
            self._held.discard(job_id)
            stores = self._stores
            with stores.transaction():
                if stores.jobs.complete(job_id, self._holder):
                    stores.events.push(execution_id, event)
                    fired += 1
        return fired

    def release_all(self) -> None:
        """Stopping: give held timers back at once instead of waiting for their leases."""
        for job_id in sorted(self._held):
            job = self._stores.jobs.get(job_id)
            if job is not None and job.worker_id == self._holder:
                # Re-enqueue a copy (a job cannot be un-claimed through the port).
                with self._stores.transaction():
                    if self._stores.jobs.complete(job_id, self._holder):
                        self._stores.jobs.enqueue([Job(
                            id=job.id, kind=job.kind, execution_id=job.execution_id, task_run_id=None,
                            payload=job.payload, worker_group=job.worker_group)])
        self._held.clear()
        self._heap.clear()
