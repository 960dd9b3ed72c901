"""``io.kestra.plugin.core.trigger.Webhook``: match ``/executions/webhook/{ns}/{flowId}/{key}`` to a
trigger, and the ``trigger.*`` variables of the execution it starts (kestra-reference §4.3).

The API calls ``find_webhook`` (None -> 404; a disabled flow or trigger -> ``ConflictError``),
then ``webhook_request`` (None when the trigger's conditions reject the request), then launches it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lanner.errors import ConflictError
from lanner.expr.engine import Renderer
from lanner.model.execution import ExecutionTrigger
from lanner.model.flow import Flow
from lanner.scheduler.conditions import ConditionContext, ConditionEvaluator
from lanner.scheduler.cron import WEBHOOK_TYPE, trigger_kind
from lanner.scheduler.launch import flow_variables, render_inputs, render_labels
from lanner.scheduler.ports import LaunchRequest

HeaderValues = str | Sequence[str]


def find_webhook(flows: Iterable[Flow], namespace: str, flow_id: str, key: str,
                 renderer: Renderer | None = None) -> tuple[Flow, Any] | None:
    """The flow and Webhook trigger whose ``key`` (rendered once if it is an expression) is ``key``."""
    for flow in flows:
        if flow.namespace != namespace or flow.id != flow_id or flow.deleted:
            continue
        for trigger in flow.triggers:
            if trigger_kind(trigger) != WEBHOOK_TYPE or _key(trigger, flow, renderer) != key:
                continue
            if flow.disabled:
                raise ConflictError("Cannot execute a disabled flow")
            if trigger.disabled:
                raise ConflictError(f"Webhook trigger '{trigger.id}' is disabled")
            return flow, trigger
    return None


def webhook_variables(body: bytes | str | None, headers: Mapping[str, HeaderValues] | None,
                      parameters: Mapping[str, HeaderValues] | None) -> dict[str, Any]:
    """``trigger.body`` (JSON-parsed when it parses, else text; None when empty),
    ``trigger.headers`` and ``trigger.parameters`` (maps of lists)."""
    return {"body": _body(body), "headers": _lists(headers), "parameters": _lists(parameters)}


def webhook_trigger(trigger: Any, body: bytes | str | None, headers: Mapping[str, HeaderValues] | None,
                    parameters: Mapping[str, HeaderValues] | None) -> ExecutionTrigger:
    return ExecutionTrigger(trigger.id, WEBHOOK_TYPE, webhook_variables(body, headers, parameters))


def webhook_request(flow: Flow, trigger: Any, body: bytes | str | None,
                    headers: Mapping[str, HeaderValues] | None, parameters: Mapping[str, HeaderValues] | None,
                    *, renderer: Renderer | None = None) -> LaunchRequest | None:
    """The execution to create, or None when the trigger's conditions reject the request."""
    renderer = renderer or Renderer()
    execution_trigger = webhook_trigger(trigger, body, headers, parameters)
    variables = {"flow": flow_variables(flow), "trigger": dict(execution_trigger.variables)}
    evaluator = ConditionEvaluator(renderer)
    if not evaluator.all_match(trigger.conditions, ConditionContext(variables)):
        return None
    return LaunchRequest(flow=flow, inputs=render_inputs(trigger.inputs, variables, renderer),
                         labels=render_labels(trigger.labels, variables, renderer), trigger=execution_trigger)


def _key(trigger: Any, flow: Flow, renderer: Renderer | None) -> str:
    key = str(trigger.key)
    if "{" not in key:
        return key
    return str((renderer or Renderer()).render(key, {"flow": flow_variables(flow)}))


def _body(body: bytes | str | None) -> Any:
    if body is None:
        return None
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _lists(values: Mapping[str, HeaderValues] | None) -> dict[str, list[str]]:
    return {str(k): [v] if isinstance(v, str) else [str(x) for x in v] for k, v in (values or {}).items()}
