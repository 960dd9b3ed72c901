"""Webhook matching and the ``trigger.*`` variables of the execution a call starts."""

from __future__ import annotations

import pytest
from tests.unit.scheduler.scheduler_fakes import flow_yaml

from lanner.errors import ConflictError
from lanner.scheduler.webhook import find_webhook, webhook_request, webhook_trigger

HOOKED = """\
id: on_webhook
namespace: company.team
{extra}
inputs:
  - id: customer
    type: STRING
    defaults: nobody
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ trigger.body }}}}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: 4wjtkzwVGBM9yKnjm3yv8r
    inputs:
      customer: "{{{{ trigger.body.customerId }}}}"
    labels:
      source: webhook
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{{{ trigger.body.customerId is defined }}}}"
  - id: templated
    type: io.kestra.plugin.core.trigger.Webhook
    key: "{{{{ flow.id }}}}-key"
{trigger_extra}
"""


def hooked(extra: str = "", trigger_extra: str = ""):
    return flow_yaml(HOOKED.format(extra=extra, trigger_extra=trigger_extra))


def test_find_webhook_by_namespace_flow_and_key():
    flow = hooked()
    other = flow_yaml(HOOKED.format(extra="", trigger_extra="").replace("id: on_webhook", "id: other", 1))
    found = find_webhook([other, flow], "company.team", "on_webhook", "4wjtkzwVGBM9yKnjm3yv8r")
    assert found is not None and found[0] is flow and found[1].id == "hook"
    assert find_webhook([flow], "company.team", "on_webhook", "wrong") is None
    assert find_webhook([flow], "company.other", "on_webhook", "4wjtkzwVGBM9yKnjm3yv8r") is None
    templated = find_webhook([flow], "company.team", "on_webhook", "on_webhook-key")
    assert templated is not None and templated[1].id == "templated"


def test_disabled_flow_or_trigger_is_an_error():
    with pytest.raises(ConflictError, match="disabled flow"):
        find_webhook([hooked(extra="disabled: true")], "company.team", "on_webhook", "4wjtkzwVGBM9yKnjm3yv8r")
    with pytest.raises(ConflictError, match="disabled"):
        find_webhook([hooked(trigger_extra="    disabled: true")], "company.team", "on_webhook",
                     "on_webhook-key")


def test_webhook_trigger_variables():
    flow = hooked()
    hook = flow.triggers[0]
    trigger = webhook_trigger(hook, b'{"customerId": 7}', {"Content-Type": "application/json"},
                              {"a": ["1", "2"], "b": "x"})
    assert trigger.id == "hook" and trigger.type == "io.kestra.plugin.core.trigger.Webhook"
    assert dict(trigger.variables) == {"body": {"customerId": 7},
                                       "headers": {"Content-Type": ["application/json"]},
                                       "parameters": {"a": ["1", "2"], "b": ["x"]}}
    assert webhook_trigger(hook, "plain text", None, None).variables["body"] == "plain text"
    assert webhook_trigger(hook, b"", None, None).variables["body"] is None
    empty = webhook_trigger(hook, None, None, None)
    assert empty.variables == {"body": None, "headers": {}, "parameters": {}}


def test_webhook_request_renders_inputs_and_applies_conditions():
    flow = hooked()
    hook = flow.triggers[0]
    request = webhook_request(flow, hook, '{"customerId": "c-9"}', {}, {})
    assert request is not None
    assert request.inputs == {"customer": "c-9"} and request.labels == [("source", "webhook")]
    assert request.trigger.variables["body"] == {"customerId": "c-9"}
    assert webhook_request(flow, hook, '{"other": 1}', {}, {}) is None
