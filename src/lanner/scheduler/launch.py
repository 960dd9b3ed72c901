"""The execution a trigger asks for: rendered inputs and labels, ``trigger.*`` variables.

Kestra renders trigger ``inputs`` and label values (``LabelService.fromTrigger``); the flow's own
labels and input defaults are added by the runtime when it creates the execution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from lanner.expr.engine import Renderer
from lanner.model.execution import ExecutionTrigger
from lanner.model.flow import Flow
from lanner.scheduler.conditions import label_pairs
from lanner.scheduler.cron import SCHEDULE_TYPE
from lanner.scheduler.ports import LaunchRequest
from lanner.scheduler.ticks import ScheduleDates
from lanner.store.ports import Backfill


def flow_variables(flow: Flow) -> dict[str, Any]:
    return {"id": flow.id, "namespace": flow.namespace, "revision": flow.revision}


def render_inputs(inputs: Mapping[str, Any] | None, variables: Mapping[str, Any],
                  renderer: Renderer) -> dict[str, Any]:
    return {str(k): renderer.render(v, variables) for k, v in (inputs or {}).items()}


def render_labels(labels: Any, variables: Mapping[str, Any], renderer: Renderer) -> list[tuple[str, str]]:
    return [(key, str(renderer.render(value, variables))) for key, value in label_pairs(labels)]


def schedule_request(flow: Flow, schedule: Any, dates: ScheduleDates, date: datetime, renderer: Renderer,
                     backfill: Backfill | None = None) -> LaunchRequest:
    """The execution of ``schedule`` for fire time ``date`` (of ``backfill`` when given):
    inputs = trigger inputs overlaid by backfill inputs, labels = trigger + backfill labels."""
    trigger_variables = dates.variables(date)
    variables = {"flow": flow_variables(flow), "trigger": trigger_variables, "schedule": trigger_variables}
    inputs = render_inputs(getattr(schedule, "inputs", None), variables, renderer)
    labels = render_labels(getattr(schedule, "labels", None), variables, renderer)
    if backfill is not None:
        inputs.update(render_inputs(backfill.inputs, variables, renderer))
        labels.extend(render_labels(list(_as_label_maps(backfill.labels)), variables, renderer))
    return LaunchRequest(
        flow=flow,
        inputs=inputs,
        labels=labels,
        trigger=ExecutionTrigger(schedule.id, SCHEDULE_TYPE, trigger_variables),
        variables={"schedule": dict(trigger_variables)},  # legacy ``{{ schedule.date }}``
    )


def _as_label_maps(pairs: Iterable[tuple[str, str]]) -> Iterable[dict[str, str]]:
    for key, value in pairs:
        yield {"key": key, "value": value}
