"""Log, Return, Sleep, OutputValues, Fail and Labels."""

from __future__ import annotations

import threading

import pytest

from lanner.model.state import State
from lanner.plugins.api import TaskFailure
from lanner.tasks.core.debug import Return
from lanner.tasks.core.execution import Assert, Fail, Labels
from lanner.tasks.core.log import Log
from lanner.tasks.core.output import OutputValues
from lanner.tasks.core.sleep import Sleep

# --- Log ------------------------------------------------------------------------------------------


def test_log_renders_message_at_info_by_default(harness):
    result = harness.run(
        harness.task(Log, {"message": "Hello, {{ inputs.name }}!"}), {"inputs": {"name": "Will"}}
    )
    assert result.state is State.SUCCESS
    assert result.outputs is None
    assert harness.messages("INFO") == ["Hello, Will!"]


def test_log_list_gives_one_line_per_message(harness):
    task = harness.task(Log, {"message": ["first {{ inputs.n }}", "second"], "level": "ERROR"})
    harness.run(task, {"inputs": {"n": 1}})
    assert harness.messages("ERROR") == ["first 1", "second"]


def test_log_rejects_unknown_level_at_validation():
    with pytest.raises(ValueError):
        Log.model_validate({"id": "a", "type": Log.kestra_type, "message": "x", "level": "LOUD"})


def test_log_level_may_be_an_expression(harness):
    task = harness.task(Log, {"message": "m", "level": "{{ inputs.level }}"})
    harness.run(task, {"inputs": {"level": "DEBUG"}})
    assert harness.messages("DEBUG")[-1] == "m"


# --- Return -------------------------------------------------------------------------------------


def test_return_outputs_value_logs_it_at_debug_and_records_length(harness):
    result = harness.run(harness.task(Return, {"format": "I was generated during {{ flow.id }}."}))
    assert result.outputs == {"value": "I was generated during my_flow."}
    assert "I was generated during my_flow." in harness.messages("DEBUG")
    metrics = {m.name: m for m in result.metrics}
    assert metrics["length"].value == len("I was generated during my_flow.")
    assert metrics["length"].type == "counter"
    assert metrics["duration"].type == "timer"


def test_return_without_format_gives_null_value(harness):
    assert harness.run(harness.task(Return, {})).outputs == {"value": None}


# --- Sleep --------------------------------------------------------------------------------------


def test_sleep_logs_java_style_duration(harness):
    result = harness.run(harness.task(Sleep, {"duration": "PT0S"}))
    assert result.state is State.SUCCESS
    assert harness.messages("INFO") == ["Waiting for PT0S"]


def test_sleep_normalises_the_duration_like_java(harness):
    killed = threading.Event()
    killed.set()
    harness.run(harness.task(Sleep, {"duration": "PT90S"}), kill_event=killed)
    assert harness.messages("INFO") == ["Waiting for PT1M30S"]


def test_sleep_wakes_up_at_once_when_killed(harness):
    killed = threading.Event()
    killed.set()
    result = harness.run(harness.task(Sleep, {"duration": "PT1H"}), kill_event=killed)
    assert result.state is State.KILLED
    assert (result.ended_at - result.started_at).total_seconds() < 60  # the fixed clock says 0


def test_sleep_killed_while_waiting_stops_promptly(harness):
    killed = threading.Event()
    # The task polls is_killed(): setting the event from another thread wakes it within ~50 ms.
    timer = threading.Timer(0.05, killed.set)
    timer.start()
    result = harness.run(harness.task(Sleep, {"duration": "PT1H"}), kill_event=killed)
    timer.join()
    assert result.state is State.KILLED


def test_sleep_rejects_a_bad_duration(harness):
    result = harness.run(harness.task(Sleep, {"duration": "15 seconds"}))
    assert result.state is State.FAILED
    assert "Invalid duration '15 seconds'" in result.error


# --- OutputValues -------------------------------------------------------------------------------


def test_output_values_renders_strings_and_keeps_other_values(harness):
    task = harness.task(
        OutputValues,
        {"values": {"greeting": "hi {{ inputs.name }}", "number": 42, "nested": {"a": "{{ flow.id }}"}}},
    )
    result = harness.run(task, {"inputs": {"name": "Ann"}})
    assert result.outputs == {"values": {"greeting": "hi Ann", "number": 42, "nested": {"a": "my_flow"}}}


# --- Fail ---------------------------------------------------------------------------------------


def test_fail_without_condition_always_fails_with_default_message(harness):
    result = harness.run(harness.task(Fail, {}))
    assert result.state is State.FAILED
    assert result.error == "Task failure"
    assert harness.messages("ERROR") == ["Task failure"]


def test_fail_with_false_condition_succeeds(harness):
    task = harness.task(Fail, {"condition": "{{ inputs.param == 'fail' }}"})
    assert harness.run(task, {"inputs": {"param": "ok"}}).state is State.SUCCESS


def test_fail_with_true_condition_fails_with_rendered_message(harness):
    task = harness.task(
        Fail, {"condition": "{{ inputs.param == 'fail' }}", "errorMessage": "param is {{ inputs.param }}"}
    )
    result = harness.run(task, {"inputs": {"param": "fail"}})
    assert result.state is State.FAILED
    assert result.error == "param is fail"


# --- Labels (runs in the executor: tested through labels(ctx)) -------------------------------


class _Render:
    """The RenderContext the executor gives an ExecutionUpdatingTask."""

    def __init__(self, harness, variables):
        self._renderer = harness.deps.renderer_factory(None)
        self.variables = variables

    def render(self, value, extra=None):
        return self._renderer.render(value, {**self.variables, **(extra or {})})

    def render_typed(self, value, extra=None):
        return self._renderer.render_typed(value, {**self.variables, **(extra or {})})

    def render_bool(self, value):
        return self._renderer.render_bool(value, self.variables)


def test_labels_from_a_map_render_keys_and_values(harness):
    task = harness.task(Labels, {"labels": {"file": "{{ inputs.taxi }}.csv", "{{ inputs.key }}": True}})
    ctx = _Render(harness, {"inputs": {"taxi": "yellow", "key": "flag"}})
    assert task.labels(ctx) == [("file", "yellow.csv"), ("flag", "true")]


def test_labels_from_a_list_last_duplicate_wins(harness):
    task = harness.task(
        Labels,
        {
            "labels": [
                {"key": "a", "value": "1"},
                {"key": "b", "value": "{{ inputs.v }}"},
                {"key": "a", "value": 3},
            ]
        },
    )
    assert task.labels(_Render(harness, {"inputs": {"v": "x"}})) == [("a", "3"), ("b", "x")]


def test_labels_from_a_json_string(harness):
    task = harness.task(Labels, {"labels": '{"team": "{{ inputs.team }}", "n": 2}'})
    assert task.labels(_Render(harness, {"inputs": {"team": "data"}})) == [("team", "data"), ("n", "2")]


def test_labels_map_value_becomes_json(harness):
    task = harness.task(Labels, {"labels": {"meta": {"a": 1}}})
    assert task.labels(_Render(harness, {})) == [("meta", '{"a":1}')]


def test_labels_refuse_system_labels(harness):
    task = harness.task(Labels, {"labels": {"system.correlationId": "abc"}})
    with pytest.raises(
        TaskFailure,
        match=r"System labels can only be set by Kestra itself, offending label: "
        r"system\.correlationId=abc",
    ):
        task.labels(_Render(harness, {}))


def test_labels_string_that_is_not_a_json_object_fails(harness):
    task = harness.task(Labels, {"labels": "[1, 2]"})
    with pytest.raises(TaskFailure, match="not a JSON object"):
        task.labels(_Render(harness, {}))


def test_labels_field_keeps_its_kestra_name(harness):
    task = harness.task(Labels, {"labels": {"a": "b"}})
    assert task.model_dump(by_alias=True, exclude_defaults=True)["labels"] == {"a": "b"}


def test_labels_cannot_run_on_a_worker(harness):
    result = harness.run(harness.task(Labels, {"labels": {"a": "b"}}))
    assert result.state is State.FAILED
    assert "cannot run on a worker" in result.error


# --- Assert -------------------------------------------------------------------------------------


def test_assert_passes_when_every_condition_is_true(harness):
    task = harness.task(Assert, {"conditions": ["{{ inputs.n == 1 }}", "yes"]})
    result = harness.run(task, {"inputs": {"n": 1}})
    assert result.state is State.SUCCESS, result.error
    assert {m.name: m.value for m in result.metrics} == {"success": 2, "failed": 0}


def test_assert_logs_each_false_condition_and_fails_with_the_count_and_message(harness):
    conditions = ["{{ inputs.n == 2 }}", "{{ 1 + 1 == 2 }}", "{{ missing }}", "0"]
    task = harness.task(Assert, {"conditions": conditions, "errorMessage": "n was {{ inputs.n }}"})
    result = harness.run(task, {"inputs": {"n": 1}})
    assert result.state is State.FAILED
    assert result.error == "3 assertions failed!\nn was 1"
    errors = harness.messages("ERROR")
    assert "Assertion `{{ inputs.n == 2 }}` failed!" in errors
    assert "Assertion `0` failed!" in errors
    assert any(m.startswith("Assertion `{{ missing }}` failed, failed to render") for m in errors)
    assert {m.name: m.value for m in result.metrics} == {"success": 1, "failed": 3}
