"""Builders for the store unit tests."""

from __future__ import annotations

from datetime import UTC, datetime

from lanner.model.execution import Execution, StateInfo, TaskRun
from lanner.model.ids import new_id
from lanner.model.state import State

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def two_task_execution(runs: int = 2) -> Execution:
    execution_id = new_id()
    task_runs = tuple(
        TaskRun(new_id(), execution_id, "company.team", "chain", f"task_{i}",
                StateInfo.new(State.CREATED, T0))
        for i in range(runs)
    )
    return Execution(execution_id, "company.team", "chain", 1,
                     StateInfo.new(State.CREATED, T0).with_state(State.RUNNING, T0), task_runs=task_runs)
