"""WorkingDirectory in the pure engine: which child collects the directory's files, and the
collected outputs landing on the WorkingDirectory before its next sibling is created."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.engine.engine_driver import Driver, job, make_flow

from lanner.engine.commands import RunTask
from lanner.engine.events import TaskResult
from lanner.model.state import State
from lanner.tasks.flow.working_directory import WorkingDirectory

WD = "io.kestra.plugin.core.flow.WorkingDirectory"


def working_directory(**extra: object) -> WorkingDirectory:
    return WorkingDirectory(id="wdir", type=WD, tasks=[job("first"), job("last")], **extra)


def test_the_last_child_collects_with_the_rendered_patterns() -> None:
    driver = Driver(make_flow([working_directory(outputFiles=["{{ 'out' }}.csv"]), job("after")]))
    driver.start()
    first = driver.pending[0]
    assert first.shared_directory is not None and not first.shared_directory.collect
    assert first.shared_directory.owner is not None and first.shared_directory.owner.id == "wdir"
    driver.answer(driver.pending.pop(0))
    last = driver.pending[0]
    assert last.shared_directory is not None and last.shared_directory.collect
    assert last.shared_directory.setup["outputFiles"] == ["out.csv"]


def test_collected_outputs_become_the_working_directorys_outputs() -> None:
    driver = Driver(make_flow([working_directory(outputFiles=["*.csv"]), job("after")]))
    driver.start()
    driver.answer(driver.pending.pop(0))
    last: RunTask = driver.pending.pop(0)
    collected = {"outputFiles": {"out.csv": "kestra:///company/team/f/out.csv"}}
    driver.feed(TaskResult(last.task_run.id, State.SUCCESS, driver.now, driver.now + timedelta(seconds=1),
                           directory_outputs=collected))
    assert driver.task_state("wdir") is State.SUCCESS
    assert driver.run("wdir").outputs == collected
    assert driver.run("last").outputs is None
    assert [c.task_run.task_id for c in driver.pending] == ["after"]


def test_an_escaping_output_pattern_fails_the_working_directory_before_its_children() -> None:
    driver = Driver(make_flow([working_directory(outputFiles=["data/../../x"])]))
    driver.start()
    assert driver.task_state("wdir") is State.FAILED
    assert driver.pending == []
    assert any("must stay inside the working directory" in m for m in driver.logs("ERROR"))
