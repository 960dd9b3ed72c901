"""Flow triggers: executions started when other executions end."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.scheduler.scheduler_fakes import FakeLauncher, MemoryTriggers, StaticFlows, flow_yaml, utc

from lanner.model.execution import Execution, ExecutionTrigger, Label, StateInfo
from lanner.model.state import State
from lanner.scheduler.flow_trigger import FlowTriggers, trigger_variables
from lanner.scheduler.loop import Scheduler
from lanner.store.ports import TriggerState

NOW = utc(2024, 1, 1, 12)


def downstream(trigger: str, *, flow_id: str = "down", extra: str = "") -> object:
    return flow_yaml(f"""\
id: {flow_id}
namespace: company.team
{extra}
inputs:
  - id: rows
    type: INT
    defaults: 0
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ inputs.rows }}}}"
triggers:
{trigger}
""")


ON_UP_SUCCESS = """\
  - id: after_up
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      rows: "{{ trigger.outputs.rows }}"
    labels:
      upstream: "{{ trigger.flowId }}"
    states: [SUCCESS]
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: company.team
        flowId: up
"""


def ended(flow_id: str = "up", state: State = State.SUCCESS, *, namespace: str = "company.team",
          outputs=None, labels=(("system.correlationId", "corr-1"), ("env", "prod")),
          trigger: ExecutionTrigger | None = None, execution_id: str = "up-1") -> Execution:
    return Execution(id=execution_id, namespace=namespace, flow_id=flow_id, flow_revision=3,
                     state=StateInfo.new(state, NOW), outputs=outputs,
                     labels=tuple(Label(k, v) for k, v in labels), trigger=trigger)


def scheduler_for(*flows):
    launcher, triggers = FakeLauncher(), MemoryTriggers()
    return Scheduler(StaticFlows(*flows), launcher, triggers, clock=lambda: NOW), launcher, triggers


def test_a_matching_end_starts_the_downstream_flow_with_rendered_inputs():
    scheduler, _launcher, _ = scheduler_for(downstream(ON_UP_SUCCESS))
    [started] = scheduler.on_execution_ended(ended(outputs={"rows": 42}))
    assert started.flow_id == "down"
    assert started.inputs["rows"] == "42"
    assert started.trigger.id == "after_up" and started.trigger.type == "io.kestra.plugin.core.trigger.Flow"
    assert dict(started.trigger.variables) == {
        "executionId": "up-1", "namespace": "company.team", "flowId": "up", "flowRevision": 3,
        "state": "SUCCESS", "executionLabels": {"env": "prod"}, "outputs": {"rows": 42}}
    assert started.labels_map["upstream"] == "up"
    assert started.labels_map["system.correlationId"] == "corr-1"


def test_states_and_conditions_filter():
    scheduler, launcher, _ = scheduler_for(downstream(ON_UP_SUCCESS))
    assert scheduler.on_execution_ended(ended(state=State.FAILED, outputs={"rows": 1})) == []
    assert scheduler.on_execution_ended(ended(flow_id="other", outputs={"rows": 1})) == []
    assert launcher.created == []


def test_the_default_states_are_the_terminated_ones():
    flow = downstream("""\
  - id: any_end
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: company
        comparison: PREFIX
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        notIn: [CANCELLED]
""")
    scheduler, _, _ = scheduler_for(flow)
    assert len(scheduler.on_execution_ended(ended(state=State.FAILED))) == 1
    assert len(scheduler.on_execution_ended(ended(state=State.WARNING))) == 1
    assert scheduler.on_execution_ended(ended(state=State.CANCELLED)) == []
    assert scheduler.on_execution_ended(ended(state=State.RUNNING)) == []
    assert scheduler.on_execution_ended(ended(namespace="elsewhere")) == []


def test_disabled_flows_triggers_and_trigger_states_start_nothing():
    for flow in (downstream(ON_UP_SUCCESS, extra="disabled: true"),
                 downstream(ON_UP_SUCCESS + "    disabled: true\n")):
        scheduler, _, _ = scheduler_for(flow)
        assert scheduler.on_execution_ended(ended(outputs={"rows": 1})) == []
    scheduler, _, triggers = scheduler_for(downstream(ON_UP_SUCCESS))
    triggers.put(TriggerState("company.team", "down", "after_up", disabled=True))
    assert scheduler.on_execution_ended(ended(outputs={"rows": 1})) == []


def test_a_flow_does_not_retrigger_itself_through_the_same_trigger():
    flow = downstream("""\
  - id: again
    type: io.kestra.plugin.core.trigger.Flow
""", flow_id="loop")
    scheduler, _, _ = scheduler_for(flow)
    [first] = scheduler.on_execution_ended(ended(flow_id="loop", trigger=None))
    again = ended(flow_id="loop", trigger=first.trigger, execution_id=first.id)
    assert scheduler.on_execution_ended(again) == []


def test_stop_after_disables_a_flow_trigger():
    flow = downstream(ON_UP_SUCCESS + "    stopAfter: [FAILED]\n")
    scheduler, launcher, triggers = scheduler_for(flow)
    [started] = scheduler.on_execution_ended(ended(outputs={"rows": 1}))
    failed = launcher.end(started, State.FAILED)
    scheduler.on_execution_ended(failed)
    assert triggers.get("company.team", "down", "after_up").disabled
    assert scheduler.on_execution_ended(ended(outputs={"rows": 1})) == []


def test_one_upstream_precondition_fires_on_each_match():
    flow = downstream("""\
  - id: after_up
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: up_done
      flows:
        - namespace: company.team
          flowId: up
          states: [SUCCESS]
          labels:
            env: prod
""")
    scheduler, _, _ = scheduler_for(flow)
    assert len(scheduler.on_execution_ended(ended())) == 1
    assert len(scheduler.on_execution_ended(ended(execution_id="up-2"))) == 1
    assert scheduler.on_execution_ended(ended(labels=(("env", "dev"),))) == []
    assert scheduler.on_execution_ended(ended(state=State.FAILED)) == []


def test_several_upstream_flows_must_all_end_within_the_window():
    flow = downstream("""\
  - id: after_both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: both
      flows:
        - namespace: company.team
          flowId: a
        - namespace: company.team
          flowId: b
      timeWindow:
        type: SLIDING_WINDOW
        window: PT1H
""")
    trigger = flow.triggers[0]
    flow_triggers = FlowTriggers()
    assert flow_triggers.requests(ended("a"), [flow], now=NOW) == []
    assert len(flow_triggers.requests(ended("b"), [flow], now=NOW + timedelta(minutes=30))) == 1
    # reset after firing: b alone is not enough again
    assert flow_triggers.requests(ended("b"), [flow], now=NOW + timedelta(minutes=31)) == []
    # a came too long before b
    assert flow_triggers.requests(ended("a"), [flow], now=NOW + timedelta(hours=3)) == []
    assert flow_triggers.requests(ended("b"), [flow], now=NOW + timedelta(hours=5)) == []
    assert trigger.preconditions.resetOnSuccess


def test_where_filters_join_the_preconditions():
    flow = downstream("""\
  - id: after_prod
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: prod_failures
      where:
        - id: failed_in_company
          operand: AND
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: company
            - field: STATE
              type: IN
              values: [FAILED, WARNING]
""")
    flow_triggers = FlowTriggers()
    assert len(flow_triggers.requests(ended(state=State.FAILED), [flow], now=NOW)) == 1
    assert flow_triggers.requests(ended(state=State.SUCCESS), [flow], now=NOW) == []
    assert flow_triggers.requests(ended(state=State.FAILED, namespace="other"), [flow], now=NOW) == []


def test_trigger_variables_nest_dotted_labels():
    execution = ended(labels=(("system.correlationId", "c"), ("team.name", "data"), ("env", "prod")))
    assert trigger_variables(execution)["executionLabels"] == {"team": {"name": "data"}, "env": "prod"}


def test_an_input_that_does_not_render_starts_nothing(caplog):
    scheduler, launcher, _ = scheduler_for(downstream(ON_UP_SUCCESS))
    assert scheduler.on_execution_ended(ended(outputs={"other": 1})) == []
    assert launcher.created == [] and "no execution" in caplog.text
