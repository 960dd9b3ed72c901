"""A Scheduler wired to the real runtime: a 3-month backfill runs in order, one at a time."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from lanner.model.execution import Execution, ExecutionTrigger
from lanner.model.flow import Flow
from lanner.model.state import State
from lanner.scheduler.backfill import create_backfill
from lanner.scheduler.loop import Scheduler
from lanner.testing import local_runtime

MONTHLY = """\
id: monthly
namespace: company.team
concurrency:
  limit: 1
inputs:
  - id: taxi
    type: SELECT
    values: [yellow, green]
    defaults: yellow
variables:
  file: "{{ inputs.taxi }}_tripdata_{{ trigger.date | date('yyyy-MM') }}.csv"
tasks:
  - id: name
    type: io.kestra.plugin.core.debug.Return
    format: "{{ render(vars.file) }}"
triggers:
  - id: green_schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 1 * *"
    inputs:
      taxi: green
"""


class RuntimeLauncher:
    """The adapter the lead's runtime will provide: ``ExecutionLauncher`` on ``Runtime``."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def create(self, flow: Flow, inputs: Mapping[str, Any], *, labels: Sequence[tuple[str, str]],
               trigger: ExecutionTrigger, variables: Mapping[str, Any],
               execution_id: str | None = None) -> Execution:
        execution: Execution = self.runtime.create_execution(flow, inputs, labels=labels, trigger=trigger,
                                                             variables=variables)
        return execution

    def state(self, execution_id: str) -> State | None:
        found = self.runtime.get(execution_id)
        return found.state.current if found is not None else None


class RuntimeFlows:
    def __init__(self, local: Any) -> None:
        self.local = local

    def list_flows(self) -> list[Flow]:
        stored = self.local.services.stores.flows.list()
        return [self.local.runtime.flows.get(f.namespace, f.id) for f in stored if not f.deleted]


def test_a_backfill_runs_through_the_runtime_in_order() -> None:
    with local_runtime() as local:
        flow = local.runtime.deploy(MONTHLY)
        triggers = local.services.stores.triggers
        scheduler = Scheduler(RuntimeFlows(local), RuntimeLauncher(local.runtime), triggers)
        now = datetime.now(UTC)
        scheduler.tick(now)
        create_backfill(triggers, flow, "green_schedule", start=datetime(2019, 1, 1, tzinfo=UTC),
                        end=datetime(2019, 3, 31, tzinfo=UTC), labels={"backfill": "true"}, now=now)
        created: list[Execution] = []
        for _ in range(8):
            for execution in scheduler.tick(now):
                # the trigger lock: an execution is emitted only once the previous one ended
                assert all(local.runtime.get(e.id).state.current.is_terminated for e in created)
                created.append(execution)
            if created:
                local.runtime.wait(created[-1].id, timeout=30)
        finished = [local.runtime.wait(e.id, timeout=30) for e in created]
        assert [e.trigger.variables["date"] for e in finished] == [
            "2019-01-01T09:00:00Z", "2019-02-01T09:00:00Z", "2019-03-01T09:00:00Z"]
        assert [e.state.current for e in finished] == [State.SUCCESS] * 3
        assert [e.task_runs[0].outputs["value"] for e in finished] == [
            "green_tripdata_2019-01.csv", "green_tripdata_2019-02.csv", "green_tripdata_2019-03.csv"]
        assert all(e.labels_map["backfill"] == "true" for e in finished)
        for earlier, later in itertools.pairwise(finished):
            assert earlier.state.end_date is not None and earlier.state.end_date <= later.state.start_date
        state = triggers.get("company.team", "monthly", "green_schedule")
        assert state is not None and state.backfill is None
