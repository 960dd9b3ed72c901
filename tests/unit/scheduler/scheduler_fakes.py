"""Test doubles for the scheduler: a TriggerStore on dicts, a launcher whose executions the test
ends by hand, a static flow source, and flow builders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lanner.model.execution import Execution, ExecutionTrigger, Label, StateInfo
from lanner.model.flow import Flow
from lanner.model.ids import new_id
from lanner.model.state import State
from lanner.plugins.flowparse import load_flow
from lanner.store.memory import MemoryStores
from lanner.store.ports import TriggerStore

SEED_FLOWS = Path(__file__).resolve().parents[3] / "../shared/seed-flows"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def seed(name: str) -> Flow:
    path = next(SEED_FLOWS.glob(f"{name}*.yaml"))
    return load_flow(path.read_text(), str(path))


def flow_yaml(text: str) -> Flow:
    return load_flow(text)


def schedule_flow(trigger_yaml: str, *, flow_id: str = "scheduled", extra: str = "") -> Flow:
    """A one-task flow with the given trigger block (indented under ``triggers:``)."""
    return load_flow(f"""\
id: {flow_id}
namespace: company.team
{extra}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi

triggers:
{trigger_yaml}
""")


def MemoryTriggers() -> TriggerStore:
    """The memory backend's ``TriggerStore``."""
    return MemoryStores().triggers


class FakeLauncher:
    """Creates CREATED executions; the test moves them to an end state with ``end``."""

    def __init__(self, now: datetime | None = None) -> None:
        self.executions: dict[str, Execution] = {}
        self.created: list[Execution] = []
        self.now = now or utc(2020, 1, 1)
        self.on_create: Any = None  # hook to interleave another scheduler inside a creation

    def create(self, flow: Flow, inputs: Mapping[str, Any], *, labels: Sequence[tuple[str, str]],
               trigger: ExecutionTrigger, variables: Mapping[str, Any],
               execution_id: str | None = None) -> Execution:
        if self.on_create is not None:
            self.on_create()
        merged = {**flow.labels, **dict(labels)}
        execution = Execution(
            id=execution_id or new_id(), namespace=flow.namespace, flow_id=flow.id,
            flow_revision=flow.revision, state=StateInfo.new(State.CREATED, self.now),
            inputs={**_defaults(flow), **dict(inputs)}, labels=tuple(Label(k, v) for k, v in merged.items()),
            variables=dict(variables), trigger=trigger)
        self.executions[execution.id] = execution
        self.created.append(execution)
        return execution

    def state(self, execution_id: str) -> State | None:
        found = self.executions.get(execution_id)
        return found.state.current if found else None

    def end(self, execution: Execution | str, state: State = State.SUCCESS,
            outputs: Mapping[str, Any] | None = None) -> Execution:
        execution_id = execution if isinstance(execution, str) else execution.id
        current = self.executions[execution_id]
        running = current.with_state(State.RUNNING, self.now)
        ended = replace(running.with_state(state, self.now), outputs=outputs)
        self.executions[execution_id] = ended
        return ended

    def unfinished(self) -> list[Execution]:
        return [e for e in self.executions.values() if not e.state.current.is_terminated]


def _defaults(flow: Flow) -> dict[str, Any]:
    return {i.id: i.defaults for i in flow.inputs if getattr(i, "defaults", None) is not None}


class StaticFlows:
    def __init__(self, *flows: Flow) -> None:
        self.flows = list(flows)

    def list_flows(self) -> list[Flow]:
        return list(self.flows)


def trigger_dates(executions: Sequence[Execution]) -> list[str]:
    return [str(e.trigger.variables["date"]) for e in executions if e.trigger is not None]
