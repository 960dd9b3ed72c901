"""run_task: outcomes, failures, timeouts, kills, logs and metrics of one attempt."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

from lanner.model.state import State
from lanner.plugins.api import RunContext, RunnableTask, TaskFailure, TaskOutput


class Echo(RunnableTask):
    kestra_type: ClassVar[str] = "test.Echo"
    message: str = "hi"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        ctx.logger.info(ctx.render(self.message))
        ctx.metric("calls", 1, tags={"k": "v"})
        return {"echo": ctx.render(self.message), "workdir": str(ctx.working_dir())}


class Boom(RunnableTask):
    kestra_type: ClassVar[str] = "test.Boom"

    def run(self, ctx: RunContext) -> None:
        raise KeyError("missing")


class CleanFailure(RunnableTask):
    kestra_type: ClassVar[str] = "test.CleanFailure"

    def run(self, ctx: RunContext) -> None:
        raise TaskFailure("exit code 3", outputs={"exitCode": 3, "vars": {"a": 1}})


class Warn(RunnableTask):
    kestra_type: ClassVar[str] = "test.Warn"

    def run(self, ctx: RunContext) -> TaskOutput:
        return TaskOutput(outputs={"n": 1}, state="WARNING")


class Wrong(RunnableTask):
    kestra_type: ClassVar[str] = "test.Wrong"

    def run(self, ctx: RunContext) -> Any:
        return 42


class Busy(RunnableTask):
    """Waits (politely, checking is_killed) for up to ``seconds``."""

    kestra_type: ClassVar[str] = "test.Busy"
    seconds: float = 30.0

    def run(self, ctx: RunContext) -> dict[str, Any]:
        ctx.working_dir()
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            if ctx.is_killed():
                ctx.logger.info("stopping")
                return {"stopped": True}
            time.sleep(0.01)
        return {"stopped": False}


def test_success_returns_outputs_metrics_and_live_logs(harness):
    task = harness.task(Echo, {"message": "hello {{ inputs.who }}"})
    result = harness.run(task, {"inputs": {"who": "world"}})
    assert result.state is State.SUCCESS
    assert result.outputs["echo"] == "hello world"
    assert result.error is None
    assert [(m.name, m.value, m.type, dict(m.tags)) for m in result.metrics] == [
        ("calls", 1.0, "counter", {"k": "v"})
    ]
    info = [e for e in harness.logs if e.level == "INFO"]
    assert [e.message for e in info] == ["hello world"]
    entry = info[0]
    assert (entry.namespace, entry.flow_id, entry.task_id, entry.attempt_number) == (
        "company.team",
        "my_flow",
        "my_task",
        1,
    )
    assert entry.task_run_id == result.task_run_id


def test_a_silent_task_writes_no_log_line(harness):
    # Kestra logs nothing of its own around an attempt; neither do we (it costs a write per task).
    harness.run(harness.task(Echo, {}))
    assert not [entry for entry in harness.logs if "attempt" in entry.message]


def test_working_directory_is_removed_after_the_run(harness):
    result = harness.run(harness.task(Echo, {}))
    from pathlib import Path

    assert not Path(result.outputs["workdir"]).exists()


def test_exception_fails_with_its_message_and_debug_traceback(harness):
    result = harness.run(harness.task(Boom, {}))
    assert result.state is State.FAILED
    assert result.error == "KeyError: 'missing'"
    assert harness.messages("ERROR") == ["KeyError: 'missing'"]
    assert all("Traceback" not in m for m in harness.messages("ERROR"))
    assert any("Traceback" in m for m in harness.messages("DEBUG"))


def test_task_failure_keeps_its_outputs_and_has_no_traceback(harness):
    result = harness.run(harness.task(CleanFailure, {}))
    assert result.state is State.FAILED
    assert result.outputs == {"exitCode": 3, "vars": {"a": 1}}
    assert harness.messages("ERROR") == ["exit code 3"]
    assert not any("Traceback" in m for m in harness.messages())


def test_warning_state_of_task_output_is_respected(harness):
    result = harness.run(harness.task(Warn, {}))
    assert (result.state, result.outputs) == (State.WARNING, {"n": 1})


def test_a_task_returning_something_else_fails(harness):
    result = harness.run(harness.task(Wrong, {}))
    assert result.state is State.FAILED
    assert "expected a mapping" in result.error


def test_expression_errors_fail_the_task(harness):
    result = harness.run(harness.task(Echo, {"message": "{{ inputs.nope }}"}), {"inputs": {}})
    assert result.state is State.FAILED
    assert "nope" in result.error


def test_timeout_fails_the_task_and_kills_it(harness):
    kill = threading.Event()
    result = harness.run(harness.task(Busy, {"timeout": "PT0.05S"}), kill_event=kill)
    assert result.state is State.FAILED
    assert result.error == "Task timeout after PT0.05S"
    assert harness.messages("ERROR") == ["Task timeout after PT0.05S"]
    assert kill.is_set()
    assert "stopping" in harness.messages("INFO")  # the task noticed the kill within the grace


def test_timeout_not_reached_returns_the_outputs(harness):
    result = harness.run(harness.task(Echo, {"timeout": "{{ inputs.limit }}"}), {"inputs": {"limit": "PT1M"}})
    assert result.state is State.SUCCESS
    assert result.outputs["echo"] == "hi"


def test_invalid_timeout_fails(harness):
    result = harness.run(harness.task(Echo, {"timeout": "soon"}))
    assert result.state is State.FAILED
    assert "Invalid timeout" in result.error


def test_killed_task_ends_killed(harness):
    kill = threading.Event()
    kill.set()
    result = harness.run(harness.task(Busy, {}), kill_event=kill)
    assert result.state is State.KILLED
    assert result.outputs == {"stopped": True}


def test_log_level_of_the_task_drops_lower_lines(harness):
    task = harness.task(Echo, {"logLevel": "WARN"})
    harness.run(task)
    assert harness.logs == []


def test_worker_id_and_times_come_from_deps(harness):
    harness.deps.worker_id = "w1"
    result = harness.run(harness.task(Echo, {}))
    assert result.worker_id == "w1"
    assert result.started_at == result.ended_at == harness.clock()


def test_expression_functions_reach_kv_and_files_of_the_run(harness):
    harness.kv.set("company", "GCP_PROJECT_ID", "kestra-sandbox")  # found in a parent namespace
    uri = harness.files.put_bytes(
        "kestra:///company/team/my-flow/executions/exec0000000000000000001/tasks/t/r/msg.txt", b"from file"
    )
    task = harness.task(Echo, {"message": "{{ kv('GCP_PROJECT_ID') }} / {{ read(inputs.uri) }}"})
    result = harness.run(task, {"inputs": {"uri": uri}})
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["echo"] == "kestra-sandbox / from file"
