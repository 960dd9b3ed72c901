from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from lanner.model.execution import Execution
from lanner.runtime.services import build_services
from lanner.settings import Settings
from lanner.store.ports import ExecutionQuery

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seed-flows"
LANNER = str(Path(sys.executable).with_name("lanner"))

Run = Callable[..., subprocess.CompletedProcess[str]]


def lanner_environ(home: Path) -> dict[str, str]:
    """This process's environment for a `lanner` command with a private LANNER_HOME."""
    environ = {**os.environ, "LANNER_HOME": str(home)}
    environ.pop("LANNER_CONFIGURATION", None)
    return environ


def stored_executions(home: Path, flow_id: str) -> list[Execution]:
    """The executions of ``flow_id`` in the local store of ``home``, as a later command sees them."""
    services = build_services(Settings(home=home, raw={}, environ={}))
    try:
        found: list[Execution] = services.stores.executions.search(
            ExecutionQuery(flow_id=flow_id, size=100)).results
        return found
    finally:
        services.close()


@pytest.fixture
def lanner(tmp_path: Path) -> Run:
    """Run the installed `lanner` command with a private LANNER_HOME."""

    def run(
        *args: str, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        environ = {**lanner_environ(tmp_path / "home"), **(env or {})}
        return subprocess.run([LANNER, *args], capture_output=True, text=True, timeout=timeout,
                              env=environ, check=False)

    return run
