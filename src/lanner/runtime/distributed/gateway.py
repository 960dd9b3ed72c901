"""``ClusterGateway``: the runtime as the API and the scheduler see it when executors run elsewhere.

It has the surface of ``Runtime`` (so ``RuntimeApiServices``, ``SchedulerThread`` and the
launchers work unchanged) but executes nothing: a new execution is stored and its ``Start``
event pushed in ONE transaction; kill, resume and restart push events; reads come from the
store. Changes made by other processes reach ``on_change``/``on_log`` listeners through a
watcher that polls the executions someone is looking at (read while unfinished, within the
last ``INTEREST_SECONDS``) - the API's waits and event streams wake from it, and keep their
own safety poll besides.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable
from datetime import datetime

from lanner.engine.events import Event, Restart
from lanner.errors import NotFoundError
from lanner.model.execution import Execution, LogEntry
from lanner.runtime.distributed.codec import encode_event
from lanner.runtime.distributed.outbox import timer_job
from lanner.runtime.executor_loop import Runtime
from lanner.runtime.services import Services, utc_now
from lanner.store.ports import Stores

_log = logging.getLogger("lanner.cluster")

WATCH_INTERVAL = 0.2  # seconds between two looks at the watched executions
INTEREST_SECONDS = 60.0  # an execution is watched this long after it was last read
MAX_WATCHED = 500
WAIT_POLL = 0.05


def push_event(stores: Stores, execution_id: str, event: Event) -> None:
    stores.events.push(execution_id, encode_event(event))


class ClusterGateway(Runtime):
    def __init__(self, services: Services) -> None:
        super().__init__(services, max_workers=1)
        self._interest: dict[str, float] = {}  # execution id -> last read (monotonic)
        self._seen: dict[str, tuple[Execution | None, int]] = {}  # last record, log count
        self._lock = threading.Lock()
        self._watch_stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._ended: queue.SimpleQueue[Execution | None] = queue.SimpleQueue()
        self._ender: threading.Thread | None = None

    # ---- lifecycle (no loop thread: executors run elsewhere) ----------------------------------
    def start(self) -> ClusterGateway:
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="lanner-watch", daemon=True)
            self._watcher.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._watch_stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout)
        if self._ender is not None:
            self._ended.put(None)  # after the ends already queued
            self._ender.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def recover(self, skip: Iterable[str] = ()) -> int:
        """Nothing to do: unfinished work waits in the event and job queues."""
        return 0

    # ---- operations --------------------------------------------------------------------------
    def restart(self, execution_id: str) -> None:
        self._post_existing(execution_id, Restart())

    def _launch(self, execution: Execution, first: Event, at: datetime | None = None) -> None:
        """In a cluster, a new execution is stored and queued for the executors (or for a timer
        at ``at``) in one transaction: both land, or neither. It is watched once read (``get``)."""
        with self.services.stores.transaction():
            self.services.stores.executions.create(execution)
            if at is not None and at > utc_now():
                self.services.stores.jobs.enqueue([timer_job(execution.id, at, first)])
            else:
                push_event(self.services.stores, execution.id, first)

    def _post_existing(self, execution_id: str, event: Event) -> None:
        if self.services.stores.executions.get(execution_id) is None:
            raise NotFoundError(f"execution {execution_id} not found")
        push_event(self.services.stores, execution_id, event)
        self._watch_for(execution_id)

    def get(self, execution_id: str) -> Execution | None:
        found = self.services.stores.executions.get(execution_id)
        if found is not None and not found.is_settled:
            self._watch_for(execution_id)
        return found

    def wait(self, execution_id: str, timeout: float | None = None) -> Execution:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            found = self.services.stores.executions.get(execution_id)
            if found is None:
                raise NotFoundError(f"execution {execution_id} not found")
            if found.is_settled:
                return found
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"execution {execution_id} did not finish within {timeout}s")
            time.sleep(WAIT_POLL)

    def notify_ended(self, execution: Execution) -> None:
        """Run the end listeners (the scheduler's Flow triggers, stopAfter): executors call this
        once per execution that reached a terminal state, after it was committed. They run on
        a thread of their own, in order, so they never hold up the executor's loop."""
        if not self._end_listeners:
            return
        with self._lock:
            if self._ender is None:
                self._ender = threading.Thread(target=self._run_end_listeners, name="lanner-end-hooks",
                                               daemon=True)
                self._ender.start()
        self._ended.put(execution)

    def _run_end_listeners(self) -> None:
        while (execution := self._ended.get()) is not None:
            for listener in self._end_listeners:
                try:
                    listener(execution)
                except Exception:
                    _log.exception("end listener failed for %s", execution.id)

    def notify_changed(self, execution: Execution) -> None:
        """An executor of this process committed a change: tell the listeners at once."""
        for listener in self._change_listeners:
            listener(execution)

    def notify_logs(self, entries: Iterable[LogEntry]) -> None:
        if self._log_listeners:
            for entry in entries:
                for listener in self._log_listeners:
                    listener(entry)

    # ---- watching what others change ---------------------------------------------------------
    def _watch_for(self, execution_id: str) -> None:
        if not (self._change_listeners or self._log_listeners):
            return
        with self._lock:
            if execution_id not in self._interest and len(self._interest) >= MAX_WATCHED:
                oldest = min(self._interest, key=self._interest.__getitem__)
                self._forget(oldest)
            self._interest[execution_id] = time.monotonic()

    def _forget(self, execution_id: str) -> None:
        self._interest.pop(execution_id, None)
        self._seen.pop(execution_id, None)

    def _watch(self) -> None:
        while not self._watch_stop.wait(WATCH_INTERVAL):
            now = time.monotonic()
            with self._lock:
                for stale in [e for e, at in self._interest.items() if now - at > INTEREST_SECONDS]:
                    self._forget(stale)
                watched = list(self._interest)
            for execution_id in watched:
                try:
                    self._look_at(execution_id)
                except Exception:  # a store hiccup: the next round looks again
                    _log.debug("watching %s failed", execution_id, exc_info=True)

    def _look_at(self, execution_id: str) -> None:
        stores = self.services.stores
        current = stores.executions.get(execution_id)
        with self._lock:
            previous, logs_seen = self._seen.get(execution_id, (None, -1))
        entries = stores.logs.for_execution(execution_id, after=max(0, logs_seen))
        first_look = logs_seen < 0
        with self._lock:
            if execution_id not in self._interest:
                return
            self._seen[execution_id] = (current, max(0, logs_seen) + len(entries))
            if current is None or current.is_settled:
                self._forget(execution_id)
        if not first_look:
            for entry in entries:
                for log_listener in self._log_listeners:
                    log_listener(entry)
        if current is not None and (first_look or current != previous):
            for listener in self._change_listeners:
                listener(current)
