"""build_variables / outputs_of from execution records (kestra-reference §5.2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lanner.expr import Renderer, build_variables, outputs_of
from lanner.model.execution import Attempt, Execution, ExecutionTrigger, Label, StateInfo, TaskRun
from lanner.model.state import State

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeInput:
    id: str
    defaults: Any = None


@dataclass
class FakeFlow:
    id: str = "etl"
    namespace: str = "company.team"
    revision: int = 4
    inputs: tuple[FakeInput, ...] = ()
    variables: dict[str, Any] | None = None


def run(run_id: str, task_id: str, *, parent: str | None = None, value: str | None = None,
        outputs: dict[str, Any] | None = None, state: State = State.SUCCESS) -> TaskRun:
    return TaskRun(id=run_id, execution_id="ex", namespace="company.team", flow_id="etl", task_id=task_id,
                   state=StateInfo.new(state, NOW), parent_task_run_id=parent, value=value,
                   attempts=(Attempt(StateInfo.new(state, NOW)),), outputs=outputs)


def execution(*runs: TaskRun, **kwargs: Any) -> Execution:
    return Execution(id="ex", namespace="company.team", flow_id="etl", flow_revision=4,
                     state=StateInfo.new(State.RUNNING, NOW), task_runs=runs, **kwargs)


def test_core_variables() -> None:
    flow = FakeFlow(inputs=(FakeInput("name", "Will"), FakeInput("year", None)), variables={"v": "{{ x }}"})
    ex = execution(inputs={"year": "2019"}, labels=(Label("team", "a"), Label("team", "b")),
                   variables={"schedule": {"cron": "0 9 1 * *"}})
    current = run("tr1", "log", state=State.RUNNING)
    task = {"id": "log", "type": "io.kestra.plugin.core.log.Log"}
    variables = build_variables(flow, ex, current, task, envs={"foo": "bar"}, globals_={"g": 1},
                                extra={"workingDir": "/wd"})
    assert variables["flow"] == {"id": "etl", "namespace": "company.team", "revision": 4}
    assert variables["execution"] == {"id": "ex", "startDate": NOW, "originalId": "ex", "state": "RUNNING"}
    assert variables["task"] == task
    assert variables["taskrun"] == {"id": "tr1", "startDate": NOW, "attemptsCount": 1}
    assert variables["inputs"] == {"year": "2019", "name": "Will"}
    assert variables["vars"] == {"v": "{{ x }}"}  # raw
    assert variables["labels"] == {"team": "a"}  # first wins
    assert variables["envs"] == {"foo": "bar"}
    assert variables["globals"] == {"g": 1}
    assert variables["schedule"] == {"cron": "0 9 1 * *"}
    assert variables["workingDir"] == "/wd"
    assert "trigger" not in variables and "parents" not in variables


def test_inputs_may_be_plain_dicts_and_are_absent_without_any() -> None:
    flow = {"id": "etl", "namespace": "ns", "inputs": [{"id": "taxi", "defaults": "yellow"}]}
    assert build_variables(flow, execution())["inputs"] == {"taxi": "yellow"}
    assert "inputs" not in build_variables(FakeFlow(), execution())


def test_trigger_variables_are_present_only_with_a_trigger() -> None:
    scheduled = execution(trigger=ExecutionTrigger("green_schedule", "io.kestra.plugin.core.trigger.Schedule",
                                                   {"date": "2019-01-01T09:00:00Z"}))
    variables = build_variables(FakeFlow(), scheduled)
    assert Renderer().render("{{trigger.date | date('yyyy-MM')}}", variables) == "2019-01"
    manual = build_variables(FakeFlow(), execution())
    assert "trigger" not in manual


def test_outputs_merge_all_task_runs() -> None:
    ex = execution(run("1", "extract", outputs={"uri": "kestra:///a"}), run("2", "transform", outputs={}),
                   run("3", "pending", outputs=None, state=State.RUNNING))
    assert outputs_of(ex) == {"extract": {"uri": "kestra:///a"}, "transform": {}}


def test_foreach_outputs_nest_by_value() -> None:
    # each (values a, b) -> t ; runs of t carry the value of their iteration
    ex = execution(
        run("e", "each"),
        run("t1", "t", parent="e", value="a", outputs={"value": "A"}),
        run("t2", "t", parent="e", value="b", outputs={"value": "B"}),
        run("after", "after", outputs={"value": "done"}),
    )
    outputs = outputs_of(ex)
    assert outputs["t"] == {"a": {"value": "A"}, "b": {"value": "B"}}
    assert outputs["after"] == {"value": "done"}
    variables = build_variables(FakeFlow(), ex, ex.task_runs[1])
    assert Renderer().render("{{ outputs.t['b'].value }}|{{ taskrun.value }}", variables) == "B|a"


def test_nested_foreach_outputs_one_level_per_valued_ancestor() -> None:
    # outer each (x, y) -> inner each runs (valued x, y) -> t (valued 1, 2)
    ex = execution(
        run("outer", "outer"),
        run("inner-x", "inner", parent="outer", value="x"),
        run("t-x-1", "t", parent="inner-x", value="1", outputs={"v": "x1"}),
        run("t-x-2", "t", parent="inner-x", value="2", outputs={"v": "x2"}),
        run("inner-y", "inner", parent="outer", value="y"),
        run("t-y-1", "t", parent="inner-y", value="1", outputs={"v": "y1"}),
        run("seq-child", "plain", parent="inner-y", outputs={"v": "p"}),
    )
    outputs = outputs_of(ex)
    assert outputs["t"] == {"x": {"1": {"v": "x1"}, "2": {"v": "x2"}}, "y": {"1": {"v": "y1"}}}
    assert outputs["plain"] == {"y": {"v": "p"}}
    variables = build_variables(FakeFlow(), ex, ex.task_runs[3])
    assert variables["parents"] == [{"taskrun": {"value": "x"}}, {}]
    assert variables["parent"] == {"taskrun": {"value": "x"}}
    renderer = Renderer()
    assert renderer.render("{{ currentEachOutput(outputs.t).v }}", variables) == "x2"
    assert renderer.render("{{ outputs.t[parent.taskrun.value][taskrun.value].v }}", variables) == "x2"


def test_parents_carry_outputs_of_flowables() -> None:
    ex = execution(run("p", "parallel", outputs={"n": 2}), run("c", "child", parent="p"))
    variables = build_variables(FakeFlow(), ex, ex.task_runs[1])
    assert variables["parents"] == [{"outputs": {"n": 2}}]
    assert variables["taskrun"]["parentId"] == "p"


def test_tasks_states() -> None:
    ex = execution(run("1", "a"), run("2", "each"), run("3", "t", parent="2", value="v1", state=State.FAILED))
    variables = build_variables(FakeFlow(), ex)
    assert variables["tasks"] == {"a": {"state": "SUCCESS"}, "each": {"state": "SUCCESS"},
                                  "t": {"v1": {"state": "FAILED"}}}


def test_cached_outputs_can_be_passed_in() -> None:
    ex = execution(run("1", "a", outputs={"x": 1}))
    cached = outputs_of(ex)
    assert build_variables(FakeFlow(), ex, outputs=cached)["outputs"] is cached


def test_building_is_linear_for_many_task_runs() -> None:
    runs = [run("each", "each")]
    runs += [run(f"t{i}", "t", parent="each", value=str(i), outputs={"i": i}) for i in range(2000)]
    ex = execution(*runs)
    variables = build_variables(FakeFlow(), ex, runs[-1])
    assert len(variables["outputs"]["t"]) == 2000
    assert variables["outputs"]["t"]["1999"] == {"i": 1999}
