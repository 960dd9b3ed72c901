"""Retry policies (kestra-reference §2.9) and ISO durations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.engine.engine_driver import CreateExecutionRetry, Driver, Group, job, make_flow

from lanner.engine.durations import human_duration, parse_duration
from lanner.engine.events import TaskResult
from lanner.engine.retry import retry_delay
from lanner.model.retry import ConstantRetry, ExponentialRetry, RandomRetry
from lanner.model.state import State


@pytest.mark.parametrize(("text", "seconds"), [
    ("PT15S", 15), ("PT1H30M", 5400), ("P1D", 86400), ("PT0.5S", 0.5), ("P1DT2H", 93600),
    ("PT1M", 60), ("P2W", 1209600),
])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "15S", "PTS", "1 hour"])
def test_parse_duration_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_duration(text)


def test_human_duration() -> None:
    assert human_duration(3723.4567) == "01:02:03.457"


def constant(**extra: object) -> ConstantRetry:
    return ConstantRetry(type="constant", interval="PT10S", **extra)  # type: ignore[arg-type]


def drive_failures(driver: Driver, task_id: str = "a") -> None:
    """Answer runs; on each RETRYING, tick at the due date."""
    for _ in range(20):
        driver.run_pending()
        retrying = [r for r in driver.execution.task_runs if r.state.current is State.RETRYING]
        if not retrying:
            return
        assert driver.state is State.RETRYING
        due = retrying[0].retry_at
        assert due is not None
        driver.tick(due + timedelta(seconds=1))


def test_constant_retry_until_max_attempt() -> None:
    flow = make_flow([job("a", retry=constant(maxAttempt=3)), job("b")])
    driver = Driver(flow, outcomes={"a": [State.FAILED]})
    driver.start()
    driver.answer(driver.pending.pop(0))
    run = driver.run("a")
    assert run.state.current is State.RETRYING
    assert driver.state is State.RETRYING
    ended = run.attempts[-1].state.histories[-1].date
    assert run.retry_at == ended + timedelta(seconds=10)
    assert driver.wakes() == [run.retry_at]
    # A tick before the due date changes nothing but asks again.
    before = driver.execution
    driver.tick(run.retry_at - timedelta(seconds=5))
    assert driver.execution.task_runs == before.task_runs
    assert driver.wakes()[-1] == run.retry_at
    drive_failures(driver)
    run = driver.run("a")
    assert len(run.attempts) == 3
    assert [a.state.current for a in run.attempts] == [State.FAILED] * 3
    assert run.state.current is State.FAILED
    assert driver.runs("b") == []
    assert driver.state is State.FAILED
    assert [h.state for h in run.state.histories].count(State.RETRYING) == 2


def test_retry_then_success_continues_with_same_task_run() -> None:
    flow = make_flow([job("a", retry=constant(maxAttempt=5)), job("b")])
    driver = Driver(flow, outcomes={"a": [State.FAILED, State.SUCCESS]})
    driver.start()
    first_id = driver.pending[0].task_run.id
    drive_failures(driver)
    assert driver.run("a").id == first_id
    assert len(driver.run("a").attempts) == 2
    assert driver.task_state("a") is State.SUCCESS
    assert driver.state is State.SUCCESS


def test_attempt_number_grows_on_each_retry() -> None:
    from lanner.engine.commands import RunTask

    flow = make_flow([job("a", retry=constant(maxAttempt=3))])
    driver = Driver(flow, outcomes={"a": [State.FAILED, State.FAILED, State.SUCCESS]})
    driver.start()
    drive_failures(driver)
    assert [c.attempt_number for c in driver.of_type(RunTask)] == [1, 2, 3]


def test_warning_on_retry() -> None:
    flow = make_flow([job("a", retry=constant(maxAttempt=3, warningOnRetry=True))])
    driver = Driver(flow, outcomes={"a": [State.FAILED, State.SUCCESS]})
    driver.start()
    drive_failures(driver)
    assert driver.task_state("a") is State.WARNING
    assert driver.state is State.WARNING


def test_exponential_dates() -> None:
    policy = ExponentialRetry(type="exponential", interval="PT1S", maxInterval="PT5S", maxAttempt=5)
    assert [retry_delay(policy, n, "x").total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    flow = make_flow([job("a", retry=policy)])
    driver = Driver(flow, outcomes={"a": [State.FAILED]})
    driver.start()
    delays = []
    for _ in range(10):
        driver.run_pending()
        run = driver.run("a")
        if run.state.current is not State.RETRYING:
            break
        assert run.retry_at is not None
        delays.append((run.retry_at - run.attempts[-1].state.histories[-1].date).total_seconds())
        driver.tick(run.retry_at)
    assert delays == [1, 2, 4, 5]
    assert len(driver.run("a").attempts) == 5
    assert driver.state is State.FAILED


def test_random_retry_is_deterministic_and_bounded() -> None:
    policy = RandomRetry(type="random", minInterval="PT1S", maxInterval="PT3S")
    first = retry_delay(policy, 1, "run-id")
    assert first == retry_delay(policy, 1, "run-id")
    assert timedelta(seconds=1) <= first <= timedelta(seconds=3)


def test_max_duration_stops_retries() -> None:
    flow = make_flow([job("a", retry=constant(maxDuration="PT5S"))])
    driver = Driver(flow, outcomes={"a": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.task_state("a") is State.FAILED
    assert driver.state is State.FAILED


def test_policy_comes_from_ancestor_flowable_then_flow() -> None:
    flow = make_flow([Group(id="g", retry=constant(maxAttempt=2), tasks=[job("a")])])
    driver = Driver(flow, outcomes={"a": [State.FAILED]})
    driver.start()
    drive_failures(driver)
    assert len(driver.run("a").attempts) == 2
    flow = make_flow([job("a")], retry={"type": "constant", "interval": "PT1S", "maxAttempt": 2})
    driver = Driver(flow, outcomes={"a": [State.FAILED]})
    driver.start()
    drive_failures(driver)
    assert len(driver.run("a").attempts) == 2


def test_allow_failure_applies_after_the_last_attempt() -> None:
    flow = make_flow([job("a", allowFailure=True, retry=constant(maxAttempt=2)), job("b")])
    driver = Driver(flow, outcomes={"a": [State.FAILED]})
    driver.start()
    driver.answer(driver.pending.pop(0))
    assert driver.task_state("a") is State.RETRYING
    drive_failures(driver)
    assert driver.task_state("a") is State.WARNING
    assert driver.task_state("b") is State.SUCCESS
    assert driver.state is State.WARNING


def test_create_new_execution_behavior() -> None:
    policy = constant(maxAttempt=3, behavior="CREATE_NEW_EXECUTION")
    driver = Driver(make_flow([job("a", retry=policy)]), outcomes={"a": [State.FAILED]})
    driver.start()
    driver.run_pending()
    assert driver.task_state("a") is State.RETRIED
    assert driver.state is State.RETRIED
    retries = driver.of_type(CreateExecutionRetry)
    assert [r.execution_id for r in retries] == [driver.execution.id]
    assert driver.ended() == ["RETRIED"]


def test_kill_result_is_not_retried() -> None:
    driver = Driver(make_flow([job("a", retry=constant(maxAttempt=3))]))
    driver.start()
    command = driver.pending.pop(0)
    driver.feed(TaskResult(command.task_run.id, State.KILLED, driver.now, driver.now))
    assert driver.task_state("a") is State.KILLED
    assert driver.state is State.KILLED
