"""Task tests run each task through the real worker (``run_task``): see tests/unit/worker."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "lanner_test_worker_conftest", Path(__file__).parents[1] / "worker" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_worker_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_worker_conftest)


@pytest.fixture
def harness(tmp_path: Path):  # type: ignore[no-untyped-def]
    return _worker_conftest.load_harness().Harness(tmp_path)
