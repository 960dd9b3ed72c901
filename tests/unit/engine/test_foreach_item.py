"""ForEachItem in the pure engine: split on a worker, one CreateSubflow per batch under ONE task
run, iterations counted by child state, transmitFailed, wait: false, kill cascade, restart."""

from __future__ import annotations

from tests.unit.engine.engine_driver import CreateSubflow, Driver, KillTaskRuns, job, make_flow

from lanner.engine.commands import RunTask
from lanner.engine.events import Kill, Restart, SubflowCreated, SubflowEnded
from lanner.model.state import State
from lanner.tasks.flow.foreach_item import ForEachItem

URIS = [f"kestra:///test/flow/executions/x/tasks/each-split/r/batch-{i}.txt" for i in range(4)]


def each(**extra: object) -> ForEachItem:
    return ForEachItem(id="each", type=ForEachItem.kestra_type, items="kestra:///test/flow/in.txt",
                       batch={"rows": 3}, namespace="test", flowId="child",
                       inputs={"file": "{{ taskrun.items }}", "n": "{{ taskrun.iteration }}"}, **extra)


def started(*extra_tasks: object, uris: list[str] = URIS,
            **options: object) -> tuple[Driver, list[CreateSubflow]]:
    """The flow started and its split step answered with ``uris``."""
    split = (State.SUCCESS, {"splits": "kestra:///s.txt", "batches": uris})
    driver = Driver(make_flow([each(**options), *extra_tasks]), outcomes={"each_split": [split]})
    driver.start()
    assert [c.task_run.task_id for c in driver.pending] == ["each_split"]
    driver.answer(driver.pending.pop(0))
    return driver, driver.of_type(CreateSubflow)


def test_one_child_per_batch_then_merge() -> None:
    driver, creates = started(job("after"))
    items = driver.run("each_items")
    assert [c.iteration for c in creates] == [0, 1, 2, 3]
    assert {c.parent_task_run_id for c in creates} == {items.id}
    assert creates[1].request.inputs == {"file": URIS[1], "n": "1"}
    assert creates[0].request.flow_id == "child" and creates[0].request.wait
    assert items.outputs == {"numberOfBatches": 4, "iterations": {"CREATED": 4, "RUNNING": 0}}
    for c in creates:
        driver.feed(SubflowCreated(items.id, f"C{c.iteration}", c.iteration))
    assert driver.run("each_items").outputs["iterations"] == {"CREATED": 0, "RUNNING": 4}
    for c in reversed(creates):  # the ends come in any order
        driver.feed(SubflowEnded(items.id, f"C{c.iteration}", State.SUCCESS, {"lines": c.iteration},
                                 c.iteration))
    items = driver.run("each_items")
    assert items.state.current is State.SUCCESS and len(items.attempts) == 1
    assert items.outputs == {"numberOfBatches": 4, "iterations": {"CREATED": 0, "RUNNING": 0, "SUCCESS": 4}}
    merge = driver.pending[0]
    assert isinstance(merge, RunTask) and merge.task.id == "each_merge"
    assert merge.variables["subflowOutputs"] == [{"lines": 0}, {"lines": 1}, {"lines": 2}, {"lines": 3}]
    driver.run_pending()
    assert driver.task_ids() == ["each", "each_split", "each_items", "each_merge", "after"]
    assert driver.state is State.SUCCESS


def test_a_failed_child_fails_the_task_when_transmit_failed() -> None:
    driver, creates = started(job("after"))
    items = driver.run("each_items")
    for c in creates:
        driver.feed(SubflowCreated(items.id, f"C{c.iteration}", c.iteration))
        state = State.FAILED if c.iteration == 2 else State.SUCCESS
        driver.feed(SubflowEnded(items.id, f"C{c.iteration}", state, None, c.iteration))
    assert driver.task_state("each_items") is State.FAILED
    assert driver.run("each_items").outputs["iterations"] == {
        "CREATED": 0, "RUNNING": 0, "SUCCESS": 3, "FAILED": 1}
    assert driver.task_state("each") is State.FAILED
    assert driver.task_ids() == ["each", "each_split", "each_items"]
    assert driver.state is State.FAILED


def test_without_transmit_failed_the_task_succeeds() -> None:
    driver, creates = started(transmitFailed=False)
    items = driver.run("each_items")
    for c in creates:
        driver.feed(SubflowEnded(items.id, f"C{c.iteration}", State.FAILED, None, c.iteration))
    assert driver.task_state("each_items") is State.SUCCESS


def test_wait_false_ends_when_every_child_is_created() -> None:
    driver, creates = started(wait=False)
    items = driver.run("each_items")
    assert items.outputs == {"numberOfBatches": 4, "iterations": {"RUNNING": 4}}
    for c in creates[:3]:
        driver.feed(SubflowCreated(items.id, f"C{c.iteration}", c.iteration))
    assert driver.task_state("each_items") is State.RUNNING
    driver.feed(SubflowEnded(items.id, "C0", State.FAILED, None, 0))  # not waited for: ignored
    driver.feed(SubflowCreated(items.id, "C3", 3))
    assert driver.task_state("each_items") is State.SUCCESS
    assert driver.run("each_items").outputs["iterations"] == {"RUNNING": 0, "SUCCESS": 4}
    assert driver.pending[0].variables["subflowOutputs"] == [None] * 4


def test_a_child_that_cannot_be_created_fails_the_task() -> None:
    driver, creates = started(wait=False)
    items = driver.run("each_items")
    for c in creates[:3]:
        driver.feed(SubflowCreated(items.id, f"C{c.iteration}", c.iteration))
    driver.feed(SubflowEnded(items.id, "", State.FAILED, None, 3))
    assert driver.task_state("each_items") is State.FAILED


def test_an_empty_file_starts_nothing() -> None:
    driver, creates = started(job("after"), uris=[])
    assert creates == []
    items = driver.run("each_items")
    assert items.state.current is State.SUCCESS and items.outputs is None
    driver.run_pending()
    assert driver.state is State.SUCCESS


def test_kill_cascades_to_the_children() -> None:
    driver, _ = started()
    items = driver.run("each_items")
    driver.feed(SubflowCreated(items.id, "C0", 0))
    driver.feed(SubflowCreated(items.id, "C1", 1))
    driver.feed(SubflowEnded(items.id, "C1", State.SUCCESS, None, 1))
    driver.feed(Kill())
    kills = driver.of_type(KillTaskRuns)
    assert kills[-1].child_execution_ids == ("C0",)
    assert driver.task_state("each_items") is State.KILLED
    driver.feed(SubflowCreated(items.id, "C2", 2))  # created while the kill was on its way
    assert driver.of_type(KillTaskRuns)[-1].child_execution_ids == ("C2",)
    assert driver.state is State.KILLED


def test_restart_starts_again_only_the_failed_batches() -> None:
    driver, creates = started()
    items = driver.run("each_items")
    for c in creates:
        driver.feed(SubflowEnded(items.id, f"C{c.iteration}",
                                 State.FAILED if c.iteration == 1 else State.SUCCESS, {"i": c.iteration},
                                 c.iteration))
    assert driver.state is State.FAILED
    before = len(driver.of_type(CreateSubflow))
    driver.feed(Restart())
    again = driver.of_type(CreateSubflow)[before:]
    assert [c.iteration for c in again] == [1]
    assert driver.run("each_items").outputs["iterations"] == {"CREATED": 1, "RUNNING": 0, "SUCCESS": 3}
    driver.feed(SubflowEnded(items.id, "C1b", State.SUCCESS, {"i": 1}, 1))
    assert driver.pending[-1].variables["subflowOutputs"] == [{"i": 0}, {"i": 1}, {"i": 2}, {"i": 3}]
    driver.run_pending()
    assert driver.state is State.SUCCESS
