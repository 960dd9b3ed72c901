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
