"""Everything one executor step writes besides the execution itself, gathered while the engine
decides and written in the step's transaction: task jobs, timers, events for other executions,
new executions (subflows, retries), logs and metrics (of inline tasks), and the jobs of killed
task runs to withdraw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lanner.engine.commands import RunTask
from lanner.engine.events import Event, Start
from lanner.model.execution import Execution, LogEntry
from lanner.model.ids import new_id
from lanner.model.metric import MetricRecord
from lanner.runtime.distributed.codec import encode_event, encode_run_task, worker_group_of
from lanner.runtime.distributed.config import TASK_JOB, TIMER_GROUP, TIMER_JOB
from lanner.runtime.services import utc_now
from lanner.store.ports import Job, Stores


def task_job(command: RunTask, flow_revision: int) -> Job:
    """The job of one attempt. Its id is the task run's: a task run never has two jobs at once
    (the next attempt is dispatched only after the previous one's result was applied)."""
    run = command.task_run
    return Job(id=run.id, kind=TASK_JOB, execution_id=run.execution_id, task_run_id=run.id,
               payload=encode_run_task(command, flow_revision),
               worker_group=worker_group_of(command.task))


def timer_job(execution_id: str, at: datetime, event: Event | None = None) -> Job:
    """A timer that gives the execution ``event`` at ``at`` (a ``Tick`` when None)."""
    payload = {"at": at.isoformat()} | ({"event": encode_event(event)} if event is not None else {})
    return Job(id=f"timer-{new_id()}", kind=TIMER_JOB, execution_id=execution_id, task_run_id=None,
               payload=payload, worker_group=TIMER_GROUP)


@dataclass
class Outbox:
    jobs: list[Job] = field(default_factory=list)
    withdrawn_jobs: list[str] = field(default_factory=list)
    events: list[tuple[str, Event]] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    logs: list[LogEntry] = field(default_factory=list)
    metrics: list[MetricRecord] = field(default_factory=list)

    @property
    def has_timers(self) -> bool:
        return any(job.kind == TIMER_JOB for job in self.jobs)

    def start(self, execution: Execution, at: datetime | None = None) -> None:
        """Store ``execution`` and start it, now or at ``at``."""
        self.executions.append(execution)
        if at is not None and at > utc_now():
            self.jobs.append(timer_job(execution.id, at, Start()))
        else:
            self.events.append((execution.id, Start()))

    def write(self, stores: Stores, *, replace_jobs: bool = False) -> None:
        """Inside the caller's transaction. ``replace_jobs``: first remove a job left behind
        under the same id (an attempt withdrawn without its result) - the careful path, taken
        after a group commit failed; otherwise such a conflict fails the transaction."""
        for execution in self.executions:
            stores.executions.create(execution)
        for job_id in self.withdrawn_jobs:
            stores.jobs.complete(job_id)  # queued or held: a holder's heartbeat finds it gone
        if self.jobs:
            if replace_jobs:
                for job in self.jobs:
                    stores.jobs.complete(job.id)
            stores.jobs.enqueue(self.jobs)
        if self.logs:
            stores.logs.append(self.logs)
        if self.metrics:
            stores.metrics.append(self.metrics)
        for execution_id, event in self.events:
            stores.events.push(execution_id, encode_event(event))
