"""Flowable tasks decide their children once: plan(ctx) -> branches, concurrency, outputs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from lanner.plugins.api import Plan, TaskFailure
from lanner.plugins.flowparse import load_flow

VARIABLES = {"inputs": {"taxi": "yellow", "months": '["01", "02", "01"]', "n": 3}}


class FakeContext:
    """Renders ``{{ a.b }}`` lookups and ``{{ a.b == 'x' }}`` comparisons: enough for plans."""

    variables: Mapping[str, Any] = VARIABLES

    def _eval(self, expr: str) -> Any:
        expr = expr.strip()
        if " == " in expr:
            left, right = expr.split(" == ")
            return str(self._eval(left) == right.strip("'\""))
        value: Any = self.variables
        for part in expr.split("."):
            value = value[part] if isinstance(value, dict) and part in value else expr
        return value

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        if isinstance(value, str):
            whole = re.fullmatch(r"\{\{(.*)\}\}", value.strip())
            if whole:
                result = self._eval(whole.group(1))
                return result if isinstance(result, str) else str(result)
            return re.sub(r"\{\{(.*?)\}\}", lambda m: str(self._eval(m.group(1))), value)
        if isinstance(value, list):
            return [self.render(v) for v in value]
        if isinstance(value, dict):
            return {k: self.render(v) for k, v in value.items()}
        return value

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return self.render(value)

    def render_bool(self, value: Any) -> bool:
        text = self.render(value)
        return text not in (None, "", "false", "False", "0", "-0") and text is not False


CTX = FakeContext()


def only_task(body: str) -> Any:
    flow = load_flow("id: f\nnamespace: n\ntasks:\n" + body)
    return flow.tasks[0]


def ids(plan: Plan) -> list[list[str]]:
    return [[t.id for t in branch.tasks] for branch in plan.branches]


def log(task_id: str, indent: int) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: io.kestra.plugin.core.log.Log\n{pad}  message: x\n"


def test_if_picks_then_or_else_and_records_the_result():
    body = ("  - id: check\n    type: io.kestra.plugin.core.flow.If\n"
            "    condition: \"{{ inputs.taxi == 'yellow' }}\"\n    then:\n" + log("yes", 6)
            + "    else:\n" + log("no", 6))
    task = only_task(body)
    plan = task.plan(CTX)
    assert ids(plan) == [["yes"]] and plan.outputs == {"evaluationResult": True}
    green = only_task(body.replace("'yellow'", "'green'"))
    assert ids(green.plan(CTX)) == [["no"]] and green.plan(CTX).outputs == {"evaluationResult": False}
    assert [name for name, _ in task.child_groups()] == ["then", "else"]


def test_if_false_without_else_has_no_children():
    task = only_task("  - id: check\n    type: io.kestra.plugin.core.flow.If\n    condition: \"0\"\n"
                     "    then:\n" + log("yes", 6))
    plan = task.plan(CTX)
    assert plan.branches == [] and plan.outputs == {"evaluationResult": False}


def test_switch_cases_defaults_and_outputs():
    body = ("  - id: sw\n    type: io.kestra.plugin.core.flow.Switch\n    value: \"{{ inputs.taxi }}\"\n"
            "    cases:\n      yellow:\n" + log("y", 8) + "      green:\n" + log("g", 8)
            + "    defaults:\n" + log("d", 6))
    task = only_task(body)
    plan = task.plan(CTX)
    assert ids(plan) == [["y"]] and plan.outputs == {"value": "yellow", "defaults": False}
    other = only_task(body.replace("{{ inputs.taxi }}", "blue"))
    assert ids(other.plan(CTX)) == [["d"]] and other.plan(CTX).outputs == {"value": "blue", "defaults": True}
    assert [name for name, _ in task.child_groups()] == ["cases.yellow", "cases.green", "defaults"]


def test_switch_keys_are_text():
    task = only_task("  - id: sw\n    type: io.kestra.plugin.core.flow.Switch\n"
                     "    value: \"{{ inputs.n }}\"\n    cases:\n      3:\n" + log("three", 8))
    assert ids(task.plan(CTX)) == [["three"]]


def test_sequential_allow_failure_and_parallel():
    seq = only_task("  - id: s\n    type: io.kestra.plugin.core.flow.Sequential\n    tasks:\n"
                    + log("a", 6) + log("b", 6))
    assert ids(seq.plan(CTX)) == [["a", "b"]] and seq.plan(CTX).concurrency == 1
    tolerant = only_task("  - id: s\n    type: io.kestra.plugin.core.flow.AllowFailure\n    tasks:\n"
                         + log("a", 6))
    assert tolerant.allowFailure is True and ids(tolerant.plan(CTX)) == [["a"]]
    par = only_task("  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    concurrent: 2\n"
                    "    tasks:\n" + log("a", 6) + log("b", 6) + log("c", 6))
    plan = par.plan(CTX)
    assert ids(plan) == [["a"], ["b"], ["c"]] and plan.concurrency == 2


def test_foreach_values_list_rendered_deduplicated_and_json_encoded():
    task = only_task("  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
                     "    values: [\"{{ inputs.taxi }}\", yellow, 1, {a: 1}, [1, 2], true]\n"
                     "    tasks:\n" + log("a", 6) + log("b", 6))
    plan = task.plan(CTX)
    assert [b.value for b in plan.branches] == ["yellow", "1", '{"a":1}', "[1,2]", "true"]
    assert ids(plan)[0] == ["a", "b"] and plan.concurrency == 1


def test_foreach_values_from_a_json_string_and_concurrency():
    task = only_task("  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
                     "    values: \"{{ inputs.months }}\"\n    concurrencyLimit: 0\n    tasks:\n"
                     + log("a", 6))
    plan = task.plan(CTX)
    assert [b.value for b in plan.branches] == ["01", "02"] and plan.concurrency == 0


def test_foreach_errors():
    nulls = only_task("  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
                      "    values: [a, null, null]\n    tasks:\n" + log("a", 6))
    with pytest.raises(TaskFailure, match=r"Found '1' null values on Each, with values=\[a, null, null\]"):
        nulls.plan(CTX)
    bad = only_task("  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n    values: \"not json\"\n"
                    "    tasks:\n" + log("a", 6))
    with pytest.raises(TaskFailure, match="JSON list"):
        bad.plan(CTX)
    empty = only_task("  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n    values: []\n"
                      "    tasks:\n" + log("a", 6))
    assert empty.plan(CTX).branches == []


def test_each_sequential_and_each_parallel():
    seq = only_task("  - id: each\n    type: io.kestra.plugin.core.flow.EachSequential\n    value: [x, y]\n"
                    "    tasks:\n" + log("a", 6) + log("b", 6))
    plan = seq.plan(CTX)
    pairs = [(b.value, [t.id for t in b.tasks]) for b in plan.branches]
    assert pairs == [("x", ["a", "b"]), ("y", ["a", "b"])]
    par = only_task("  - id: each\n    type: io.kestra.plugin.core.flow.EachParallel\n"
                    "    value: '[\"x\", \"y\"]'\n    tasks:\n" + log("a", 6) + log("b", 6))
    plan = par.plan(CTX)
    assert [(b.value, [t.id for t in b.tasks]) for b in plan.branches] == [
        ("x", ["a"]), ("x", ["b"]), ("y", ["a"]), ("y", ["b"])]
    assert plan.concurrency == 0


def test_dag_plan_has_dependencies():
    task = only_task("""\
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    concurrent: 3
    tasks:
      - task:
          id: a
          type: io.kestra.plugin.core.log.Log
          message: a
      - task:
          id: b
          type: io.kestra.plugin.core.log.Log
          message: b
        dependsOn: [a]
""")
    plan = task.plan(CTX)
    assert ids(plan) == [["a"], ["b"]] and plan.depends_on == {"a": [], "b": ["a"]} and plan.concurrency == 3
    assert [t.id for _, tasks in task.child_groups() for t in tasks] == ["a", "b"]


def test_working_directory_runs_its_children_in_order():
    task = only_task("  - id: wd\n    type: io.kestra.plugin.core.flow.WorkingDirectory\n    tasks:\n"
                     + log("a", 6) + log("b", 6))
    assert ids(task.plan(CTX)) == [["a", "b"]]


def test_subflow_request_is_rendered():
    task = only_task("""\
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: child_{{ inputs.taxi }}
    revision: 3
    wait: false
    inheritLabels: true
    inputs:
      taxi: "{{ inputs.taxi }}"
      fixed: 1
    labels:
      source: "{{ inputs.taxi }}"
""")
    request = task.request(CTX)
    assert (request.namespace, request.flow_id, request.revision) == ("company.team", "child_yellow", 3)
    assert request.inputs == {"taxi": "yellow", "fixed": 1}
    assert list(request.labels) == [("source", "yellow")]
    assert (request.wait, request.transmit_failed, request.inherit_labels) == (False, True, True)


def test_pause_settings_and_legacy_delay():
    task = only_task("  - id: p\n    type: io.kestra.plugin.core.flow.Pause\n    pauseDuration: PT5M\n"
                     "    timeout: PT1H\n    behavior: FAIL\n")
    assert task.pause_settings(CTX) == ("PT5M", "PT1H", "FAIL")
    legacy = only_task("  - id: p\n    type: io.kestra.plugin.core.flow.Pause\n    delay: PT1M\n")
    assert legacy.pause_settings(CTX) == ("PT1M", None, "RESUME")
    manual = only_task("  - id: p\n    type: io.kestra.plugin.core.flow.Pause\n")
    assert manual.pause_settings(CTX) == (None, None, "RESUME")
