"""Small builders of executions and logs for the conformance tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lanner.model.execution import (
    Attempt,
    Execution,
    ExecutionTrigger,
    Label,
    LogEntry,
    StateInfo,
    TaskRun,
)
from lanner.model.ids import new_id
from lanner.model.state import State

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def task_run(execution: Execution, task_id: str, state: State = State.CREATED, **extra: object) -> TaskRun:
    info = StateInfo.new(State.CREATED, at(1))
    if state is not State.CREATED:
        info = info.with_state(State.RUNNING, at(2))
        if state is not State.RUNNING:
            info = info.with_state(state, at(3))
    return TaskRun(
        id=new_id(),
        execution_id=execution.id,
        namespace=execution.namespace,
        flow_id=execution.flow_id,
        task_id=task_id,
        state=info,
        **extra,  # type: ignore[arg-type]
    )


def execution(
    namespace: str = "company.team",
    flow_id: str = "hello",
    state: State = State.CREATED,
    start: float = 0,
    labels: tuple[tuple[str, str], ...] = (),
    runs: int = 0,
) -> Execution:
    info = StateInfo.new(State.CREATED, at(start))
    if state is not State.CREATED:
        if state not in (State.QUEUED, State.CANCELLED):
            info = info.with_state(State.RUNNING, at(start + 1))
        if state is not State.RUNNING:
            info = info.with_state(state, at(start + 2))
    built = Execution(
        id=new_id(),
        namespace=namespace,
        flow_id=flow_id,
        flow_revision=1,
        state=info,
        labels=tuple(Label(k, v) for k, v in labels),
    )
    for index in range(runs):
        built = built.with_task_run(task_run(built, f"task_{index}"))
    return built


def rich_execution() -> Execution:
    """Every field set, to check that a round trip loses nothing."""
    base = execution(state=State.RUNNING, labels=(("team", "data"), ("env", "prod")))
    done = task_run(
        base,
        "extract",
        State.SUCCESS,
        attempts=(Attempt(StateInfo.new(State.RUNNING, at(2)).with_state(State.SUCCESS, at(3)), "w1"),),
        outputs={"uri": "kestra:///company/team/hello/file.csv", "rows": 3, "nested": {"a": [1, 2.5, None]}},
    )
    child = task_run(base, "each", State.RUNNING, parent_task_run_id=done.id, value="v1", iteration=2,
                     plan={"branches": [["a", "b"]]}, retry_at=at(30))
    return Execution(
        id=base.id,
        namespace=base.namespace,
        flow_id=base.flow_id,
        flow_revision=3,
        state=base.state,
        task_runs=(done, child),
        inputs={"name": "Will", "n": 2, "flag": True, "list": ["x", "y"], "unicode": "héllo ✓"},
        outputs={"out": "value"},
        labels=base.labels,
        variables={"v": {"deep": 1}},
        trigger=ExecutionTrigger(
            "schedule", "io.kestra.plugin.core.trigger.Schedule", {"date": "2026-03-01"}
        ),
        parent_id="parent123",
        original_id="orig456",
        attempt_number=2,
        original_created_date=at(-100),
        schedule_date=at(-5),
        parent_task_run_id="ptr789",
    )


def log(execution_id: str, message: str, level: str = "INFO", task_id: str | None = None,
        task_run_id: str | None = None, seconds: float = 0) -> LogEntry:
    return LogEntry(
        namespace="company.team",
        flow_id="hello",
        execution_id=execution_id,
        timestamp=at(seconds),
        level=level,
        message=message,
        task_id=task_id,
        task_run_id=task_run_id,
        attempt_number=1 if task_id else None,
        thread="worker-1",
    )
