"""The dlt blueprints against Lanner's fake CoinGecko and Socrata APIs, on a runtime whose home
(and so the pipelines' state) lives as long as the test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lanner.devservices.fakeapis import FakeApis
from lanner.model.execution import Execution, LogEntry
from lanner.testing import local_runtime

BLUEPRINTS = Path(__file__).resolve().parents[3] / "src" / "lanner" / "blueprints"
TRIPS = 100_000


@dataclass
class Lanner:
    """One runtime (one home) for several executions, like `lanner server` across hours."""

    local: Any
    home: Path
    logs: list[LogEntry] = field(default_factory=list)

    def run(self, source: str, inputs: dict[str, Any] | None = None, timeout: float = 300) -> Execution:
        flow = self.local.runtime.deploy(source)
        return self.local.wait(self.local.start(flow, inputs).id, timeout=timeout)

    def messages(self, execution: Execution, level: str | None = None) -> list[str]:
        return [e.message for e in self.logs
                if e.execution_id == execution.id and (level is None or e.level == level)]


def outputs(execution: Execution, task_id: str) -> dict[str, Any]:
    run = next(r for r in execution.task_runs if r.task_id == task_id)
    return dict(run.outputs or {})


def query(database: Path | str, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def blueprint(name: str) -> str:
    return (BLUEPRINTS / name).read_text()


@pytest.fixture(scope="module")
def apis() -> Iterator[FakeApis]:
    with FakeApis(trips=TRIPS) as served:
        yield served


@pytest.fixture
def lanner(tmp_path: Path) -> Iterator[Lanner]:
    config = {"gcp": {"mode": "local", "local": {"warehouse": str(tmp_path / "warehouse.duckdb"),
                                                 "storage-dir": str(tmp_path / "buckets")}}}
    with local_runtime(home=tmp_path / "home", config=config) as local:
        env = Lanner(local, tmp_path / "home")
        local.runtime.on_log(env.logs.append)
        yield env


# dlt's REST client (requests) leaves pooled sockets for the garbage collector when a source
# fails and is retried; Python reports them as unraisable ResourceWarnings at a random later
# moment. They are dlt's, not Lanner's: don't let them fail whichever test happens to be running.
_DLT_SOCKETS = "ignore:Exception ignored in.*socket:pytest.PytestUnraisableExceptionWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.filterwarnings(_DLT_SOCKETS))
