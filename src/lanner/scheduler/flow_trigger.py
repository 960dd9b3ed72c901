"""``io.kestra.plugin.core.trigger.Flow``: executions to create when another execution ends.

A Flow trigger matches an ended execution when its state is in ``states`` (default: the
terminated states), every condition passes and its ``preconditions`` are met. One upstream entry
(``preconditions.flows``) is met by each matching execution; several entries (and ``where``
filters) must all be met within ``timeWindow.window`` (default one day, counted as a sliding
window) and, with ``resetOnSuccess`` (default), start again after firing. That window is kept in
memory by this object. ``inputs`` are rendered with ``trigger.*`` = the upstream execution.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from lanner.errors import LannerError
from lanner.expr.engine import Renderer
from lanner.model.execution import Execution, ExecutionTrigger
from lanner.model.flow import Flow
from lanner.model.state import TERMINATED
from lanner.scheduler.conditions import ConditionContext, ConditionEvaluator, label_pairs
from lanner.scheduler.cron import FLOW_TRIGGER_TYPE, parse_duration, trigger_kind
from lanner.scheduler.launch import flow_variables, render_inputs, render_labels
from lanner.scheduler.ports import LaunchRequest

log = logging.getLogger("lanner.scheduler")

CORRELATION_ID = "system.correlationId"
DEFAULT_STATES = frozenset(state.value for state in TERMINATED)
DEFAULT_WINDOW = timedelta(days=1)
Predicate = Callable[[Execution, ConditionContext], bool]
IsDisabled = Callable[[str, str, str], bool]


def trigger_variables(execution: Execution) -> dict[str, Any]:
    """``trigger.*`` of an execution started by a Flow trigger (Kestra ``Flow.Output``)."""
    return {
        "executionId": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "flowRevision": execution.flow_revision,
        "state": execution.state.current.value,
        "executionLabels": _nested({lb.key: lb.value for lb in execution.labels if lb.key != CORRELATION_ID}),
        "outputs": dict(execution.outputs or {}),
    }


class FlowTriggers:
    def __init__(self, evaluator: ConditionEvaluator | None = None, renderer: Renderer | None = None) -> None:
        self.renderer = renderer or Renderer()
        self.evaluator = evaluator or ConditionEvaluator(self.renderer)
        self._windows: dict[tuple[str, str, str], dict[int, datetime]] = {}
        self._lock = threading.Lock()

    def requests(self, execution: Execution, flows: Sequence[Flow], *, now: datetime | None = None,
                 is_disabled: IsDisabled | None = None) -> list[LaunchRequest]:
        """The executions Flow triggers of ``flows`` want now that ``execution`` ended."""
        now = now or datetime.now(UTC)
        wanted: list[LaunchRequest] = []
        for flow in flows:
            if flow.disabled or flow.deleted:
                continue
            for trigger in flow.triggers:
                if trigger_kind(trigger) != FLOW_TRIGGER_TYPE or trigger.disabled:
                    continue
                if is_disabled is not None and is_disabled(flow.namespace, flow.id, trigger.id):
                    continue
                try:
                    request = self._evaluate(flow, trigger, execution, now)
                except LannerError as exc:
                    log.warning("Flow trigger '%s' of %s.%s: no execution for %s (%s)", trigger.id,
                                flow.namespace, flow.id, execution.id, exc)
                    continue
                if request is not None:
                    wanted.append(request)
        return wanted

    def _evaluate(self, flow: Flow, trigger: Any, execution: Execution,
                  now: datetime) -> LaunchRequest | None:
        if _started_by(execution, flow, trigger):
            return None  # a flow re-triggering itself through the same trigger would loop forever
        if execution.state.current.value not in set(trigger.states or DEFAULT_STATES):
            return None
        variables = trigger_variables(execution)
        ctx = ConditionContext(_expression_variables(flow, execution, variables), execution=execution)
        if not self.evaluator.all_match(trigger.conditions, ctx):
            return None
        pre = trigger.preconditions
        if pre is not None and not self._preconditions_met(flow, trigger, execution, ctx, now):
            return None
        render_vars = {"flow": flow_variables(flow), "trigger": variables}
        labels = render_labels(trigger.labels, render_vars, self.renderer)
        correlation = next((lb.value for lb in execution.labels if lb.key == CORRELATION_ID), None)
        if correlation is not None:
            labels.append((CORRELATION_ID, correlation))
        return LaunchRequest(flow=flow, inputs=render_inputs(trigger.inputs, render_vars, self.renderer),
                             labels=labels,
                             trigger=ExecutionTrigger(trigger.id, FLOW_TRIGGER_TYPE, variables))

    # ---- preconditions -----------------------------------------------------------------------
    def _preconditions_met(self, flow: Flow, trigger: Any, execution: Execution, ctx: ConditionContext,
                           now: datetime) -> bool:
        pre = trigger.preconditions
        predicates = [*(_upstream(entry) for entry in pre.flows or ()),
                      *(self._where(item) for item in pre.where or ())]
        satisfied = {index for index, check in enumerate(predicates) if check(execution, ctx)}
        if not predicates:
            return True
        if not satisfied:
            return False
        if len(predicates) == 1:
            return True
        key = (flow.namespace, flow.id, trigger.id)
        window = _window(pre.timeWindow)
        with self._lock:
            seen = {i: at for i, at in self._windows.get(key, {}).items() if now - at <= window}
            seen.update(dict.fromkeys(satisfied, now))
            complete = len(seen) == len(predicates)
            self._windows[key] = {} if complete and pre.resetOnSuccess else seen
        return complete

    def _where(self, item: Mapping[str, Any]) -> Predicate:
        filters = [self._filter(f) for f in item.get("filters") or ()]
        any_of = str(item.get("operand") or "AND").upper() == "OR"

        def check(execution: Execution, ctx: ConditionContext) -> bool:
            results = (f(execution, ctx) for f in filters)
            return any(results) if any_of else all(results)
        return check

    def _filter(self, raw: Mapping[str, Any]) -> Predicate:
        field = str(raw.get("field", "")).upper()
        kind = str(raw.get("type", "EQUAL_TO")).upper()
        value, values = raw.get("value"), [str(v) for v in raw.get("values") or ()]

        def check(execution: Execution, ctx: ConditionContext) -> bool:
            if field == "EXPRESSION":
                truth = self.renderer.render_bool(value, ctx.variables)
                return truth if kind != "IS_FALSE" else not truth
            actual = {"NAMESPACE": execution.namespace, "FLOW_ID": execution.flow_id,
                      "STATE": execution.state.current.value}.get(field)
            return _compare(kind, actual, None if value is None else str(value), values)
        return check


def _compare(kind: str, actual: str | None, value: str | None, values: list[str]) -> bool:
    if kind == "IS_NULL":
        return actual is None
    if kind == "IS_NOT_NULL":
        return actual is not None
    if actual is None:
        return False
    checks: dict[str, Callable[[], bool]] = {
        "EQUAL_TO": lambda: actual == value,
        "NOT_EQUAL_TO": lambda: actual != value,
        "STARTS_WITH": lambda: value is not None and actual.startswith(value),
        "ENDS_WITH": lambda: value is not None and actual.endswith(value),
        "CONTAINS": lambda: value is not None and value in actual,
        "REGEX": lambda: value is not None and re.fullmatch(value, actual) is not None,
        "IN": lambda: actual in values,
        "NOT_IN": lambda: actual not in values,
    }
    check = checks.get(kind)
    if check is None:
        log.warning("preconditions filter type %s is not supported: it does not match", kind)
        return False
    return check()


def _upstream(entry: Any) -> Predicate:
    def check(execution: Execution, ctx: ConditionContext) -> bool:
        if entry.namespace is not None and execution.namespace != entry.namespace:
            return False
        if entry.flowId is not None and execution.flow_id != entry.flowId:
            return False
        if entry.states is not None and execution.state.current.value not in entry.states:
            return False
        present = {(lb.key, lb.value) for lb in execution.labels}
        return all(pair in present for pair in label_pairs(entry.labels))
    return check


def _window(time_window: Mapping[str, Any] | None) -> timedelta:
    return parse_duration((time_window or {}).get("window")) or DEFAULT_WINDOW


def _started_by(execution: Execution, flow: Flow, trigger: Any) -> bool:
    started = execution.trigger
    return (started is not None and started.type == FLOW_TRIGGER_TYPE and started.id == trigger.id
            and execution.namespace == flow.namespace and execution.flow_id == flow.id)


def _expression_variables(flow: Flow, execution: Execution, trigger: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "flow": flow_variables(flow),
        "trigger": trigger,
        "execution": {"id": execution.id, "state": execution.state.current.value,
                      "startDate": execution.state.start_date},
        "labels": execution.labels_map,
    }


def _nested(flat: Mapping[str, str]) -> dict[str, Any]:
    """Kestra's ``Label.toNestedMap``: ``a.b: v`` -> ``{a: {b: v}}``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[last] = value
    return out
