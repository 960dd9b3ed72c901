"""``ClusterWorker``: the worker role - claims task jobs, runs them, reports their results.

- Claim: ``JobQueue.claim`` (Postgres ``FOR UPDATE SKIP LOCKED``) of as many jobs as free
  threads, of no group or of this worker's groups (timers belong to executors). LISTEN/NOTIFY
  wakes the loop; ``poll-seconds`` polling is the safety net.
- Lease: a heartbeat thread extends the leases of running jobs every ``heartbeat-seconds``. A
  job missing from the heartbeat's answer was taken away - its task run was killed (the
  executor withdrew the job) or the lease lapsed - so the task is interrupted and its result
  dropped.
- Report: the job is completed and its ``TaskResult`` pushed in ONE transaction, and only while
  this worker still holds the job: exactly one result per attempt reaches the executor. The
  buffered logs and the task's metrics are written in that transaction too (the metrics never
  travel through the event queue: the executor has no use for them).
- Death: a killed worker stops heartbeating; its jobs are re-queued once their lease lapsed
  (``requeue_expired``, run by every executor and worker). A job claimed again (``attempts`` >
  1) is not run a second time: it is reported FAILED with a clear log line, and the engine
  applies the task's retry policy - a new attempt when the policy allows, a failed task run
  otherwise (the same rule as a restart of the one-process server).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from lanner.engine.events import TaskResult, TaskStarted
from lanner.model.execution import LogEntry, TaskRun
from lanner.model.metric import MetricRecord
from lanner.model.state import State
from lanner.runtime.distributed.codec import decode_run_task, encode_event, payload_flow
from lanner.runtime.distributed.config import TASK_JOB, ClusterConfig, process_id
from lanner.runtime.flows import FlowCache
from lanner.runtime.services import Services, utc_now
from lanner.runtime.work import WorkerBridge
from lanner.store.ports import Job

_log = logging.getLogger("lanner.cluster")

INTERRUPTED = ("Task run interrupted: the worker running it stopped (its lease expired); it is "
               "retried if its retry policy allows")
STOPPED = "Task run interrupted: its worker was stopped; it is retried if its retry policy allows"
BEAT_SECONDS = 1.0  # heartbeats double as the kill check: a withdrawn job is noticed this fast
# A task still running after this long is announced (SUBMITTED -> RUNNING, what the UI shows);
# quicker ones go straight to their result, saving the executor an event.
ANNOUNCE_AFTER = 0.05


@dataclass
class _Held:
    job: Job
    lost: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: datetime | None = None
    began: float = 0.0  # monotonic instant the task started
    announced: bool = False
    reported: bool = False


class ClusterWorker:
    def __init__(self, services: Services, config: ClusterConfig | None = None,
                 worker_id: str | None = None) -> None:
        self.services = services
        self.stores = services.stores
        self.config = config or ClusterConfig()
        self.id = worker_id or process_id("worker")
        self.flows = FlowCache(services)
        self._bridge = WorkerBridge(services, self._buffer_log, self._buffer_metrics, self.flows)
        self._bridge.deps.worker_id = self.id
        self._pool = ThreadPoolExecutor(max_workers=self.config.worker_threads,
                                        thread_name_prefix="lanner-task")
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()
        self._slot_freed = threading.Event()
        self._logs: list[LogEntry] = []
        self._metrics: list[MetricRecord] = []
        self._logs_lock = threading.Lock()  # guards the buffers of logs and metrics
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.groups: list[str | None] = [None, *self.config.worker_groups]

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> ClusterWorker:
        if not self._threads:
            for target, name in ((self._claim_loop, "lanner-worker-claim"),
                                 (self._heartbeat_loop, "lanner-worker-heartbeat")):
                thread = threading.Thread(target=target, name=name, daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming and interrupt running tasks: each is reported FAILED ("its worker was
        stopped"), so the engine retries it per its policy at once. A task that ignores the
        interruption for ``timeout`` seconds keeps its job, which lapses like a dead worker's."""
        self._stop.set()
        self._slot_freed.set()
        self._bridge.kill_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        while self.running and time.monotonic() < deadline:
            time.sleep(0.02)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._flush_logs()
        self._flush_metrics()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._held)

    # ---- claiming ----------------------------------------------------------------------------
    def _claim_loop(self) -> None:
        next_requeue = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_requeue:
                    next_requeue = time.monotonic() + self.config.poll_seconds
                    self.stores.jobs.requeue_expired(utc_now())
                claimed = self.claim_once()
            except Exception:
                _log.exception("worker claim failed")
                self._stop.wait(self.config.poll_seconds)
                continue
            if claimed:
                continue
            if self.running >= self.config.worker_threads:
                self._slot_freed.wait(self.config.poll_seconds)
                self._slot_freed.clear()
            else:
                self.stores.jobs.wait_for_jobs(self.config.poll_seconds)

    def claim_once(self) -> int:
        free = self.config.worker_threads - self.running
        if free <= 0:
            return 0
        jobs = self.stores.jobs.claim(self.id, free, self.config.lease_seconds, self.groups)
        for job in jobs:
            with self._lock:
                self._held[job.id] = _Held(job)
            self._pool.submit(self._run, job)
        return len(jobs)

    # ---- running -----------------------------------------------------------------------------
    def _run(self, job: Job) -> None:
        try:
            result = self._result_of(job)
        except Exception as exc:  # a bug here must not leave the job to lapse
            _log.exception("job %s failed in the worker", job.id)
            result = self._failed(job, f"Internal error in the Lanner worker: {exc!r}")
        try:
            self._report(job, result)
        except Exception:  # the database is unreachable: the lease lapses, another worker reports
            _log.exception("could not report job %s", job.id)
        finally:
            with self._lock:
                self._held.pop(job.id, None)
            self._slot_freed.set()

    def _result_of(self, job: Job) -> TaskResult | None:
        if job.kind != TASK_JOB or job.task_run_id is None:
            _log.error("job %s of unknown kind %r dropped", job.id, job.kind)
            return None
        if job.attempts > 1:
            return self._failed(job, INTERRUPTED)
        try:
            namespace, flow_id, revision = payload_flow(job.payload)
            command = decode_run_task(job.payload, self.flows.get(namespace, flow_id, revision))
        except Exception as exc:  # a flow revision gone, a plugin not installed on this worker
            return self._failed(job, f"This worker cannot run the task: {exc}")
        held = self._held.get(job.id)
        if held is not None:
            if held.lost.is_set():
                return None  # withdrawn (killed) before it started
            held.began, held.started = time.monotonic(), utc_now()
        return self._bridge.run(command)

    def _failed(self, job: Job, message: str) -> TaskResult:
        run = TaskRun.from_record(job.payload["taskRun"])
        at = utc_now()
        self._buffer_log(LogEntry(run.namespace, run.flow_id, run.execution_id, at, "ERROR", message,
                                  task_id=run.task_id, task_run_id=run.id))
        return TaskResult(run.id, State.FAILED, at, at, worker_id=self.id)

    def _report(self, job: Job, result: TaskResult | None) -> None:
        if result is not None and result.state is State.KILLED and self._stop.is_set():
            # Interrupted by this worker's shutdown, not by a kill of the execution.
            result = self._failed(job, STOPPED)
        held = self._held.get(job.id)
        with held.lock if held is not None else contextlib.nullcontext():
            if held is not None:
                held.reported = True  # no announcement after this: it would follow the result
            stores = self.stores
            with stores.transaction():
                self._flush_logs()
                self._flush_metrics()
                if stores.jobs.complete(job.id, self.id) and result is not None:
                    stores.events.push(job.execution_id, encode_event(result))

    # ---- leases and logs ---------------------------------------------------------------------
    def _heartbeat_loop(self) -> None:
        beat = min(self.config.heartbeat_seconds, BEAT_SECONDS)
        next_beat = time.monotonic() + beat
        while not self._stop.wait(ANNOUNCE_AFTER):
            try:
                self._announce_started()
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + beat
                    self._flush_logs()
                    self.heartbeat()
            except Exception:
                _log.exception("worker heartbeat failed")

    def _announce_started(self) -> None:
        """``TaskStarted`` for the tasks running for ``ANNOUNCE_AFTER`` and not yet announced."""
        with self._lock:
            held = list(self._held.values())
        now = time.monotonic()
        for entry in held:
            if entry.started is None or entry.announced or now - entry.began < ANNOUNCE_AFTER:
                continue
            with entry.lock:
                if entry.reported or entry.lost.is_set():
                    continue
                entry.announced = True
                assert entry.job.task_run_id is not None
                self.stores.events.push(entry.job.execution_id, encode_event(
                    TaskStarted(entry.job.task_run_id, entry.started, self.id)))

    def heartbeat(self) -> None:
        """Extend the leases of running jobs; interrupt the tasks of jobs taken away."""
        with self._lock:
            held = dict(self._held)
        if not held:
            return
        kept = set(self.stores.jobs.heartbeat(self.id, sorted(held), self.config.lease_seconds))
        lost = [h for job_id, h in held.items() if job_id not in kept]
        for entry in lost:
            entry.lost.set()
        if lost:
            _log.info("jobs taken away (killed or lease lapsed): %s", [h.job.id for h in lost])
            self._bridge.kill([h.job.task_run_id for h in lost if h.job.task_run_id])

    def _buffer_log(self, entry: LogEntry) -> None:
        with self._logs_lock:
            self._logs.append(entry)

    def _flush_logs(self) -> None:
        with self._logs_lock:
            entries, self._logs = self._logs, []
        if entries:
            self.stores.logs.append(entries)

    def _buffer_metrics(self, metrics: Sequence[MetricRecord]) -> None:
        with self._logs_lock:
            self._metrics.extend(metrics)

    def _flush_metrics(self) -> None:
        with self._logs_lock:
            metrics, self._metrics = self._metrics, []
        if metrics:
            self.stores.metrics.append(metrics)
