"""The engine with real Kestra expressions (``lanner.expr``): runIf, conditions, values,
variables given to dispatched tasks, flow outputs, labels."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.engine.engine_driver import Driver, job, make_flow

from lanner.engine.commands import RunTask
from lanner.model.flow import FlowOutput
from lanner.model.state import State
from lanner.tasks.core.execution import Labels
from lanner.tasks.flow.foreach import ForEach
from lanner.tasks.flow.if_task import If


def with_inputs(driver: Driver, **inputs: object) -> Driver:
    driver.execution = replace(driver.execution, inputs=inputs)
    return driver


def test_run_if_and_if_condition_render_inputs() -> None:
    flow = make_flow([
        job("only_green", runIf="{{ inputs.taxi == 'green' }}"),
        If(id="check", type="io.kestra.plugin.core.flow.If", condition="{{ inputs.taxi == 'yellow' }}",
           then=[job("yellow")], **{"else": [job("green")]}),
    ])
    driver = with_inputs(Driver(flow), taxi="yellow")
    driver.start()
    driver.run_pending()
    assert driver.task_state("only_green") is State.SKIPPED
    assert driver.task_ids() == ["only_green", "check", "yellow"]
    assert driver.run("check").outputs == {"evaluationResult": True}
    assert driver.state is State.SUCCESS


def test_foreach_values_from_outputs_and_variables_of_children() -> None:
    each = ForEach(id="each", type="io.kestra.plugin.core.flow.ForEach",
                   values="{{ outputs.list.value }}", concurrencyLimit=0,
                   tasks=[If(id="inner", type="io.kestra.plugin.core.flow.If", condition="true",
                             then=[job("leaf")])])
    driver = Driver(make_flow([job("list"), each, job("after")]),
                    outcomes={"list": [(State.SUCCESS, {"value": '["a", "b"]'})],
                              "leaf": [(State.SUCCESS, {"n": 1})]})
    driver.start()
    driver.run_pending()
    leaves = [c for c in driver.of_type(RunTask) if c.task_run.task_id == "leaf"]
    assert len(leaves) == 2
    variables = leaves[0].variables
    assert variables["parent"]["taskrun"]["value"] == "a"
    after = next(c for c in driver.of_type(RunTask) if c.task_run.task_id == "after")
    assert after.variables["outputs"]["leaf"] == {"a": {"n": 1}, "b": {"n": 1}}
    assert after.variables["outputs"]["list"] == {"value": '["a", "b"]'}
    assert driver.state is State.SUCCESS


def test_flow_outputs_from_task_outputs() -> None:
    flow = make_flow([job("a")], outputs=[FlowOutput(id="result", value="{{ outputs.a.value }}!")])
    driver = Driver(flow, outcomes={"a": [(State.SUCCESS, {"value": "done"})]})
    driver.start()
    driver.run_pending()
    assert driver.execution.outputs == {"result": "done!"}


def test_flow_outputs_with_unknown_variable_fail() -> None:
    flow = make_flow([job("a")], outputs=[FlowOutput(id="result", value="{{ outputs.nope.value }}")])
    driver = Driver(flow)
    driver.start()
    driver.run_pending()
    assert driver.state is State.FAILED
    assert any(m.startswith("Failed to render output values") for m in driver.logs("ERROR"))


def test_real_labels_task_renders_inputs() -> None:
    labels = Labels(id="set_label", type="io.kestra.plugin.core.execution.Labels",
                    labels={"taxi": "{{ inputs.taxi }}", "file": "x.csv"})
    driver = with_inputs(Driver(make_flow([labels, job("b")])), taxi="green")
    driver.start()
    assert driver.task_state("set_label") is State.SUCCESS
    assert driver.execution.labels_map == {"taxi": "green", "file": "x.csv"}
    assert driver.pending[0].variables["labels"] == {"taxi": "green", "file": "x.csv"}
