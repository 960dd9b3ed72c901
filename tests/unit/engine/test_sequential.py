"""tasks / errors / finally at the flow level (kestra-reference §2.5, §2.7, §2.8)."""

from __future__ import annotations

from tests.unit.engine.engine_driver import Driver, job, make_flow

from lanner.engine.commands import RunTask
from lanner.model.flow import FlowOutput
from lanner.model.state import State


def test_sequential_success_creates_one_task_at_a_time() -> None:
    driver = Driver(make_flow([job("a"), job("b"), job("c")]))
    decision = driver.start()
    assert driver.state is State.RUNNING
    assert [c.task_run.task_id for c in decision.commands if isinstance(c, RunTask)] == ["a"]
    assert driver.task_state("a") is State.SUBMITTED
    assert "Flow started" in driver.logs("INFO")
    driver.run_pending()
    assert driver.dispatched == [["a"], ["b"], ["c"]]
    assert driver.state is State.SUCCESS
    assert driver.ended() == ["SUCCESS"]
    assert any(m.startswith("Flow completed with state SUCCESS in 00:00:") for m in driver.logs("INFO"))
    run = driver.run("a")
    assert [h.state for h in run.state.histories] == [
        State.CREATED, State.SUBMITTED, State.RUNNING, State.SUCCESS]
    assert len(run.attempts) == 1 and run.attempts[0].state.current is State.SUCCESS


def test_run_task_carries_variables_and_attempt_number() -> None:
    driver = Driver(make_flow([job("a")]))
    driver.start()
    command = driver.pending[0]
    assert command.attempt_number == 1
    assert command.task.id == "a"
    assert "outputs" in command.variables


def test_failure_runs_errors_then_finally_and_skips_siblings() -> None:
    flow = make_flow([job("a"), job("b"), job("c")], errors=[job("e1"), job("e2")],
                     **{"finally": [job("f")]})
    driver = Driver(flow, outcomes={"b": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["a"], ["b"], ["e1"], ["e2"], ["f"]]
    assert driver.runs("c") == []
    assert driver.state is State.FAILED
    assert driver.ended() == ["FAILED"]


def test_failing_errors_or_finally_do_not_change_the_final_state() -> None:
    flow = make_flow([job("a")], errors=[job("e")], **{"finally": [job("f")]})
    driver = Driver(flow, outcomes={"e": [State.FAILED], "f": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.task_ids() == ["a", "f"]
    assert driver.task_state("f") is State.FAILED
    assert driver.state is State.SUCCESS  # no failure: errors never ran; finally's failure ignored
    flow2 = make_flow([job("a")], errors=[job("e")], **{"finally": [job("f")]})
    driver2 = Driver(flow2, outcomes={"a": [State.FAILED], "e": [State.FAILED]})
    driver2.start()
    driver2.run_pending()
    assert driver2.dispatched == [["a"], ["e"], ["f"]]
    assert driver2.state is State.FAILED


def test_finally_runs_after_success() -> None:
    driver = Driver(make_flow([job("a"), job("b")], **{"finally": [job("f")]}))
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["a"], ["b"], ["f"]]
    assert driver.state is State.SUCCESS


def test_failure_without_errors_ends_failed_at_once() -> None:
    driver = Driver(make_flow([job("a"), job("b")]), outcomes={"a": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.task_ids() == ["a"]
    assert driver.state is State.FAILED


def test_allow_failure_gives_warning_and_continues() -> None:
    driver = Driver(make_flow([job("a", allowFailure=True), job("b")]), outcomes={"a": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.task_state("a") is State.WARNING
    assert driver.run("a").attempts[0].state.current is State.FAILED
    assert driver.task_state("b") is State.SUCCESS
    assert driver.state is State.WARNING


def test_allow_failure_and_allow_warning_give_success() -> None:
    driver = Driver(make_flow([job("a", allowFailure=True, allowWarning=True)]),
                    outcomes={"a": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.task_state("a") is State.SUCCESS
    assert driver.state is State.SUCCESS


def test_allow_warning_turns_warning_into_success() -> None:
    driver = Driver(make_flow([job("a", allowWarning=True), job("b")]),
                    outcomes={"a": [State.WARNING], "b": [State.WARNING]})
    driver.start()
    driver.run_pending()
    assert driver.task_state("a") is State.SUCCESS
    assert driver.task_state("b") is State.WARNING
    assert driver.state is State.WARNING


def test_run_if_false_skips_the_task() -> None:
    driver = Driver(make_flow([job("a", runIf="false"), job("b", runIf="true"), job("c", runIf=False)]))
    driver.start()
    assert driver.task_state("a") is State.SKIPPED
    driver.run_pending()
    assert driver.task_state("b") is State.SUCCESS
    assert driver.task_state("c") is State.SKIPPED
    assert driver.dispatched == [["b"]]
    assert driver.state is State.SUCCESS


def test_run_if_render_error_fails_the_task() -> None:
    driver = Driver(make_flow([job("a", runIf="{{ nope }}"), job("b")]))
    driver.start()
    assert driver.task_state("a") is State.FAILED
    assert driver.runs("b") == []
    assert driver.state is State.FAILED
    assert any("runIf" in m and "nope" in m for m in driver.logs("ERROR"))


def test_disabled_tasks_get_no_task_run() -> None:
    driver = Driver(make_flow([job("a", disabled=True), job("b"), job("c", disabled=True)]))
    driver.start()
    driver.run_pending()
    assert driver.task_ids() == ["b"]
    assert driver.state is State.SUCCESS


def test_all_tasks_disabled_ends_success() -> None:
    driver = Driver(make_flow([job("a", disabled=True)]))
    driver.start()
    assert driver.state is State.SUCCESS
    assert driver.ended() == ["SUCCESS"]


def test_flow_outputs_are_rendered_and_typed_at_the_end() -> None:
    flow = make_flow([job("a")], outputs=[
        FlowOutput(id="answer", type="INT", value="42"),
        FlowOutput(id="name", value="lanner"),
    ])
    driver = Driver(flow)
    driver.start()
    driver.run_pending()
    assert driver.state is State.SUCCESS
    assert driver.execution.outputs == {"answer": 42, "name": "lanner"}


def test_flow_output_failure_fails_the_execution() -> None:
    flow = make_flow([job("a")], outputs=[FlowOutput(id="answer", type="INT", value="not a number")])
    driver = Driver(flow)
    driver.start()
    driver.run_pending()
    assert driver.state is State.FAILED
    assert any(m.startswith("Failed to render output values") for m in driver.logs("ERROR"))


def test_execution_ended_is_emitted_once() -> None:
    driver = Driver(make_flow([job("a")]))
    driver.start()
    driver.run_pending()
    from lanner.engine.events import Tick

    driver.feed(Tick())
    assert driver.ended() == ["SUCCESS"]


def test_after_execution_runs_once_terminal() -> None:
    flow = make_flow([job("a")], afterExecution=[job("notify")])
    driver = Driver(flow, outcomes={"a": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.dispatched == [["a"], ["notify"]]
    assert driver.state is State.FAILED
    assert driver.task_state("notify") is State.SUCCESS
    assert driver.ended() == ["FAILED"]  # emitted once afterExecution is done too


def test_duplicate_or_unknown_results_are_ignored() -> None:
    from lanner.engine.events import TaskResult

    driver = Driver(make_flow([job("a"), job("b")]))
    driver.start()
    first = driver.pending[0]
    driver.run_pending()
    before = driver.execution
    driver.feed(TaskResult(first.task_run.id, State.FAILED, driver.now, driver.now))
    driver.feed(TaskResult("nope", State.FAILED, driver.now, driver.now))
    assert driver.execution is before
