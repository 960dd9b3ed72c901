"""What the scheduler needs from the outside, as small protocols the runtime implements.

The scheduler room may not import the runtime or the engine: it creates executions through an
``ExecutionLauncher`` and reads the current flows from a ``FlowSource``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from lanner.model.execution import Execution, ExecutionTrigger
from lanner.model.flow import Flow
from lanner.model.state import State

Clock = Callable[[], datetime]


class ExecutionLauncher(Protocol):
    def create(
        self,
        flow: Flow,
        inputs: Mapping[str, Any],
        *,
        labels: Sequence[tuple[str, str]],
        trigger: ExecutionTrigger,
        variables: Mapping[str, Any],
        execution_id: str | None = None,
    ) -> Execution:
        """Resolve inputs over the flow's defaults (may raise ``InputError``), store a CREATED
        execution and start it (the flow's concurrency applies). ``execution_id`` is the id the
        scheduler already claimed the tick with; use it when possible."""
        ...

    def state(self, execution_id: str) -> State | None:
        """The current state of an execution, None when it does not exist (any more)."""
        ...


class FlowSource(Protocol):
    def list_flows(self) -> list[Flow]:
        """The current revision of every flow (disabled ones included; deleted ones not)."""
        ...


@dataclass(frozen=True, slots=True)
class LaunchRequest:
    """An execution a trigger wants: everything ``ExecutionLauncher.create`` needs."""

    flow: Flow
    inputs: dict[str, Any]
    labels: list[tuple[str, str]]
    trigger: ExecutionTrigger
    variables: dict[str, Any] = field(default_factory=dict)

    def launch(self, launcher: ExecutionLauncher, execution_id: str | None = None) -> Execution:
        return launcher.create(self.flow, self.inputs, labels=self.labels, trigger=self.trigger,
                               variables=self.variables, execution_id=execution_id)
