"""Execution records: frozen, changed only by copying (``with_state``, ``dataclasses.replace``).

The JSON shape (``to_api``) is Kestra's: ``id, namespace, flowId, state.current, state.histories,
taskRunList[...]``. ``to_record``/``from_record`` is the lossless internal form used by stores
(it also keeps engine bookkeeping that Kestra's API does not show).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from lanner.model.state import State, check_transition

JsonMap = Mapping[str, Any]


def iso(dt: datetime | None) -> str | None:
    """Kestra prints instants as ISO-8601 with a ``Z`` (micro-second precision here)."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class StateHistory:
    state: State
    date: datetime


@dataclass(frozen=True, slots=True)
class StateInfo:
    """``{current, histories}``; start/end/duration are derived, never stored."""

    current: State
    histories: tuple[StateHistory, ...]

    @staticmethod
    def new(state: State, now: datetime) -> StateInfo:
        return StateInfo(state, (StateHistory(state, now),))

    def with_state(self, state: State, now: datetime, what: str = "state") -> StateInfo:
        """Move to ``state`` (checked against TRANSITIONS). Same state: no-op, as in Kestra."""
        if state is self.current:
            return self
        check_transition(self.current, state, what)
        return StateInfo(state, (*self.histories, StateHistory(state, now)))

    @property
    def start_date(self) -> datetime:
        return self.histories[0].date

    @property
    def end_date(self) -> datetime | None:
        if self.current.is_terminated or self.current.is_paused:
            return self.histories[-1].date
        return None

    def duration(self, now: datetime | None = None) -> float | None:
        end = self.end_date or now
        if end is None:
            return None
        return (end - self.start_date).total_seconds()

    def to_api(self) -> dict[str, Any]:
        end = self.end_date
        data: dict[str, Any] = {
            "current": self.current.value,
            "histories": [{"state": h.state.value, "date": iso(h.date)} for h in self.histories],
            "startDate": iso(self.start_date),
        }
        if end is not None:
            data["endDate"] = iso(end)
            data["duration"] = _iso_duration((end - self.start_date).total_seconds())
        return data

    @staticmethod
    def from_api(data: JsonMap) -> StateInfo:
        histories = tuple(
            StateHistory(State(h["state"]), parse_iso(h["date"]) or datetime.now(UTC))
            for h in data["histories"]
        )
        return StateInfo(State(data["current"]), histories)


def _iso_duration(seconds: float) -> str:
    """Java ``Duration.toString`` style: PT1.234S, PT2M3.5S, PT1H."""
    seconds = max(0.0, seconds)
    hours, rem = divmod(seconds, 3600)
    minutes, secs = divmod(rem, 60)
    out = "PT"
    if hours:
        out += f"{int(hours)}H"
    if minutes:
        out += f"{int(minutes)}M"
    if secs or out == "PT":
        text = f"{secs:.3f}".rstrip("0").rstrip(".")
        out += f"{text}S"
    return out


@dataclass(frozen=True, slots=True)
class Attempt:
    state: StateInfo
    worker_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"state": self.state.to_api()}
        if self.worker_id:
            data["workerId"] = self.worker_id
        return data


@dataclass(frozen=True, slots=True)
class Label:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class TaskRun:
    """One run of one task (for ForEach: one per value).

    ``plan`` is engine bookkeeping for flowable task runs: the child branches decided when the
    flowable started, so re-processing is deterministic (not part of Kestra's API shape).
    """

    id: str
    execution_id: str
    namespace: str
    flow_id: str
    task_id: str
    state: StateInfo
    parent_task_run_id: str | None = None
    value: str | None = None
    attempts: tuple[Attempt, ...] = ()
    outputs: JsonMap | None = None
    iteration: int | None = None
    plan: JsonMap | None = None
    retry_at: datetime | None = None  # set while RETRYING / PAUSED with a deadline

    def with_state(self, state: State, now: datetime) -> TaskRun:
        return replace(self, state=self.state.with_state(state, now, f"task run {self.task_id}"))

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "executionId": self.execution_id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "taskId": self.task_id,
            "parentTaskRunId": self.parent_task_run_id,
            "value": self.value,
            "attempts": [a.to_api() for a in self.attempts] or None,
            "outputs": dict(self.outputs) if self.outputs is not None else None,
            "state": self.state.to_api(),
            "iteration": self.iteration,
        }

    def to_record(self) -> dict[str, Any]:
        data = self.to_api()
        data["attempts"] = [a.to_api() for a in self.attempts]
        data["plan"] = dict(self.plan) if self.plan is not None else None
        data["retryAt"] = iso(self.retry_at)
        return data

    @staticmethod
    def from_record(data: JsonMap) -> TaskRun:
        return TaskRun(
            id=data["id"],
            execution_id=data["executionId"],
            namespace=data["namespace"],
            flow_id=data["flowId"],
            task_id=data["taskId"],
            state=StateInfo.from_api(data["state"]),
            parent_task_run_id=data.get("parentTaskRunId"),
            value=data.get("value"),
            attempts=tuple(
                Attempt(StateInfo.from_api(a["state"]), a.get("workerId"))
                for a in data.get("attempts") or ()
            ),
            outputs=data.get("outputs"),
            iteration=data.get("iteration"),
            plan=data.get("plan"),
            retry_at=parse_iso(data.get("retryAt")),
        )


@dataclass(frozen=True, slots=True)
class ExecutionTrigger:
    id: str
    type: str
    variables: JsonMap = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "variables": dict(self.variables)}


@dataclass(frozen=True, slots=True)
class Execution:
    id: str
    namespace: str
    flow_id: str
    flow_revision: int
    state: StateInfo
    task_runs: tuple[TaskRun, ...] = ()
    inputs: JsonMap = field(default_factory=dict)
    outputs: JsonMap | None = None
    labels: tuple[Label, ...] = ()
    variables: JsonMap = field(default_factory=dict)
    trigger: ExecutionTrigger | None = None
    parent_id: str | None = None
    original_id: str | None = None
    attempt_number: int = 1
    original_created_date: datetime | None = None
    schedule_date: datetime | None = None
    tenant_id: str = "main"
    # Subflow bookkeeping: the task run of the parent execution that waits for this one.
    parent_task_run_id: str | None = None

    def with_state(self, state: State, now: datetime) -> Execution:
        return replace(self, state=self.state.with_state(state, now, "execution"))

    @property
    def is_settled(self) -> bool:
        """Terminated, and nothing of it still running (afterExecution task runs included)."""
        return self.state.current.is_terminated and all(
            run.state.current.is_terminated for run in self.task_runs)

    def task_run(self, task_run_id: str) -> TaskRun:
        for run in self.task_runs:
            if run.id == task_run_id:
                return run
        raise KeyError(task_run_id)

    def with_task_run(self, run: TaskRun) -> Execution:
        """Replace the task run with the same id, or append it."""
        runs = list(self.task_runs)
        for index, existing in enumerate(runs):
            if existing.id == run.id:
                runs[index] = run
                return replace(self, task_runs=tuple(runs))
        runs.append(run)
        return replace(self, task_runs=tuple(runs))

    @property
    def labels_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for label in self.labels:
            out.setdefault(label.key, label.value)
        return out

    def to_api(self) -> dict[str, Any]:
        data = self._header()
        data["taskRunList"] = [t.to_api() for t in self.task_runs] or None
        data["originalId"] = self.original_id or self.id
        data["metadata"]["originalCreatedDate"] = iso(self.original_created_date or self.state.start_date)
        return data

    def _header(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "flowRevision": self.flow_revision,
            "tenantId": self.tenant_id,
            "inputs": dict(self.inputs),
            "outputs": dict(self.outputs) if self.outputs is not None else None,
            "labels": [{"key": lb.key, "value": lb.value} for lb in self.labels],
            "variables": dict(self.variables) or None,
            "state": self.state.to_api(),
            "parentId": self.parent_id,
            "originalId": self.original_id,
            "trigger": self.trigger.to_api() if self.trigger else None,
            "deleted": False,
            "metadata": {
                "attemptNumber": self.attempt_number,
                "originalCreatedDate": iso(self.original_created_date),
            },
            "scheduleDate": iso(self.schedule_date),
        }

    def header_record(self) -> dict[str, Any]:
        """Everything but the task runs (stores keep task runs in their own rows)."""
        data = self._header()
        data["parentTaskRunId"] = self.parent_task_run_id
        return data

    def to_record(self) -> dict[str, Any]:
        data = self.header_record()
        data["taskRunList"] = [t.to_record() for t in self.task_runs]
        return data

    @staticmethod
    def from_record(data: JsonMap, task_runs: tuple[TaskRun, ...] | None = None) -> Execution:
        trig = data.get("trigger")
        meta = data.get("metadata") or {}
        runs = task_runs
        if runs is None:
            runs = tuple(TaskRun.from_record(t) for t in data.get("taskRunList") or ())
        return Execution(
            id=data["id"],
            namespace=data["namespace"],
            flow_id=data["flowId"],
            flow_revision=data.get("flowRevision") or 1,
            state=StateInfo.from_api(data["state"]),
            task_runs=runs,
            inputs=data.get("inputs") or {},
            outputs=data.get("outputs"),
            labels=tuple(Label(lb["key"], lb["value"]) for lb in data.get("labels") or ()),
            variables=data.get("variables") or {},
            trigger=ExecutionTrigger(trig["id"], trig["type"], trig.get("variables") or {})
            if trig
            else None,
            parent_id=data.get("parentId"),
            original_id=data.get("originalId"),
            attempt_number=meta.get("attemptNumber", 1),
            original_created_date=parse_iso(meta.get("originalCreatedDate")),
            schedule_date=parse_iso(data.get("scheduleDate")),
            tenant_id=data.get("tenantId") or "main",
            parent_task_run_id=data.get("parentTaskRunId"),
        )


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One log line, Kestra's ``LogEntry`` shape."""

    namespace: str
    flow_id: str
    execution_id: str
    timestamp: datetime
    level: str  # TRACE|DEBUG|INFO|WARN|ERROR
    message: str
    task_id: str | None = None
    task_run_id: str | None = None
    attempt_number: int | None = None
    trigger_id: str | None = None
    thread: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "taskId": self.task_id,
            "executionId": self.execution_id,
            "taskRunId": self.task_run_id,
            "attemptNumber": self.attempt_number,
            "triggerId": self.trigger_id,
            "timestamp": iso(self.timestamp),
            "level": self.level,
            "thread": self.thread,
            "message": self.message,
        }

    @staticmethod
    def from_api(data: JsonMap) -> LogEntry:
        return LogEntry(
            namespace=data["namespace"],
            flow_id=data["flowId"],
            execution_id=data["executionId"],
            timestamp=parse_iso(data["timestamp"]) or datetime.now(UTC),
            level=data["level"],
            message=data["message"],
            task_id=data.get("taskId"),
            task_run_id=data.get("taskRunId"),
            attempt_number=data.get("attemptNumber"),
            trigger_id=data.get("triggerId"),
            thread=data.get("thread"),
        )


LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


def level_rank(level: str) -> int:
    return LOG_LEVELS.index(level) if level in LOG_LEVELS else LOG_LEVELS.index("INFO")
