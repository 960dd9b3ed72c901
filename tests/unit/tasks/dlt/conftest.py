"""A dlt task run through the real worker, with Lanner's home in the test's directory, and the
fake APIs (markets only: the trips are generated on first use)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lanner.devservices.fakeapis import FakeApis
from lanner.worker.runner import WorkerResult, run_task


@pytest.fixture
def apis() -> Iterator[FakeApis]:
    with FakeApis(coins=30) as served:
        yield served


@pytest.fixture
def run_dlt(harness: Any, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``run_dlt(data, config=None) -> WorkerResult``: build the task from YAML-ish data, run it."""
    from lanner.tasks.dlt.pipeline import Pipeline

    home = tmp_path / "home"

    def run(data: dict[str, Any] | str, config: dict[str, Any] | None = None) -> WorkerResult:
        task = harness.task(Pipeline, data)
        deps = replace(harness.deps, config={"lanner-home": str(home), **(config or {})})
        return run_task(harness.job(task), deps)

    run.home = home  # type: ignore[attr-defined]
    return run


# dlt's REST client (requests) leaves pooled sockets for the garbage collector when a source
# fails and is retried; Python reports them as unraisable ResourceWarnings at a random later
# moment. They are dlt's, not Lanner's: don't let them fail whichever test happens to be running.
_DLT_SOCKETS = "ignore:Exception ignored in.*socket:pytest.PytestUnraisableExceptionWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.filterwarnings(_DLT_SOCKETS))
