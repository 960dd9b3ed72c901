from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seed-flows"
LANNER = str(Path(sys.executable).with_name("lanner"))

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def lanner(tmp_path: Path) -> Run:
    """Run the installed `lanner` command with a private LANNER_HOME."""

    def run(
        *args: str, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        environ = {**os.environ, "LANNER_HOME": str(tmp_path / "home"), **(env or {})}
        environ.pop("LANNER_CONFIGURATION", None)
        return subprocess.run([LANNER, *args], capture_output=True, text=True, timeout=timeout,
                              env=environ, check=False)

    return run
