"""Exit: the execution ends in the chosen state (``lanner.engine.exit``)."""

from __future__ import annotations

from tests.unit.engine.engine_driver import Driver, Group, KillTaskRuns, job, make_flow

from lanner.engine.events import TaskStarted
from lanner.model.retry import ConstantRetry
from lanner.model.state import State
from lanner.tasks.core.execution import Exit
from lanner.tasks.flow.parallel import Parallel
from lanner.tasks.flow.pause import Pause

EXIT = "io.kestra.plugin.core.execution.Exit"


def exit_task(state: str = "SUCCESS", **extra: object) -> Exit:
    return Exit(id="exit", type=EXIT, state=state, **extra)


def test_exit_ends_its_parents_and_the_execution_and_starts_nothing_after() -> None:
    flow = make_flow([job("a"), Group(id="grp", tasks=[exit_task("WARNING"), job("never")]), job("end")],
                     errors=[job("handler")], finally_=[job("cleanup")])
    driver = Driver(flow)
    driver.start()
    driver.run_pending()
    assert driver.task_ids() == ["a", "grp", "exit"]
    assert driver.task_state("exit") is State.WARNING
    assert len(driver.run("exit").attempts) == 1
    assert driver.task_state("grp") is State.WARNING
    assert driver.state is State.WARNING
    assert driver.ended() == ["WARNING"]
    assert driver.logs("INFO")[-1].startswith("Flow completed with state WARNING")


def test_exit_canceled_is_the_cancelled_state_and_the_state_may_be_an_expression() -> None:
    flow = make_flow([exit_task("{{ 'CANCELED' }}"), job("end")])
    driver = Driver(flow)
    driver.start()
    assert driver.task_state("exit") is State.CANCELLED
    assert driver.state is State.CANCELLED
    assert driver.runs("end") == []


def test_exit_with_an_unknown_state_fails_the_task() -> None:
    driver = Driver(make_flow([exit_task("{{ 'LATER' }}"), job("end")]))
    driver.start()
    assert driver.task_state("exit") is State.FAILED
    assert "Invalid state 'LATER'" in driver.logs("ERROR")[0]
    assert driver.state is State.FAILED


def test_exit_killed_kills_the_running_tasks() -> None:
    flow = make_flow([Parallel(id="par", type="io.kestra.plugin.core.flow.Parallel", tasks=[
        job("slow"), Group(id="grp", tasks=[job("first"), exit_task("KILLED")])])])
    driver = Driver(flow)
    driver.start()
    slow, first = sorted(driver.pending, key=lambda c: c.task_run.task_id != "slow")
    driver.pending.clear()
    driver.feed(TaskStarted(slow.task_run.id, driver.now))
    decision = driver.answer(first)
    kills = [c for c in decision.commands if isinstance(c, KillTaskRuns)]
    assert kills and kills[0].task_run_ids == (slow.task_run.id,)
    assert driver.task_state("exit") is State.KILLED
    assert driver.state is State.KILLING
    driver.answer(slow)  # the worker reports once interrupted
    assert driver.task_state("grp") is State.KILLED and driver.task_state("par") is State.KILLED
    assert driver.state is State.KILLED
    assert driver.ended() == ["KILLED"]


def test_exit_killed_alone_ends_the_execution_killed_at_once() -> None:
    driver = Driver(make_flow([Group(id="grp", tasks=[exit_task("KILLED")]), job("end")]))
    driver.start()
    assert [driver.task_state(t) for t in ("grp", "exit")] == [State.KILLED, State.KILLED]
    assert driver.runs("end") == []
    assert driver.state is State.KILLED
    assert driver.ended() == ["KILLED"]


def test_exit_lets_worker_runs_finish_and_stops_what_waits_on_the_engine() -> None:
    flow = make_flow([Parallel(id="par", type="io.kestra.plugin.core.flow.Parallel", tasks=[
        job("slow"), Pause(id="wait", type="io.kestra.plugin.core.flow.Pause"),
        Group(id="grp", tasks=[job("first"), exit_task("FAILED")])])])
    driver = Driver(flow)
    driver.start()
    slow, first = sorted(driver.pending, key=lambda c: c.task_run.task_id != "slow")
    driver.pending.clear()
    driver.answer(first)
    assert driver.state is State.FAILED
    assert driver.task_state("exit") is State.FAILED
    assert driver.task_state("grp") is State.FAILED and driver.task_state("par") is State.FAILED
    assert driver.task_state("wait") is State.KILLED
    assert driver.task_state("slow") is State.SUBMITTED and driver.ended() == []
    driver.answer(slow)
    assert driver.task_state("slow") is State.SUCCESS
    assert driver.state is State.FAILED
    assert driver.ended() == ["FAILED"]


def test_a_task_failing_after_the_exit_is_not_retried() -> None:
    """The execution already ended: a retry would leave the task RETRYING, and the end unreported."""
    retry = ConstantRetry(type="constant", interval="PT1S", maxAttempt=3)
    flow = make_flow([Parallel(id="par", type="io.kestra.plugin.core.flow.Parallel", tasks=[
        job("slow", retry=retry), Group(id="grp", tasks=[job("first"), exit_task("WARNING")])])])
    driver = Driver(flow, outcomes={"slow": [State.FAILED]})
    driver.start()
    slow, first = sorted(driver.pending, key=lambda c: c.task_run.task_id != "slow")
    driver.pending.clear()
    driver.answer(first)
    assert driver.state is State.WARNING and driver.ended() == []
    driver.answer(slow)
    assert driver.task_state("slow") is State.FAILED
    assert driver.ended() == ["WARNING"]
