"""Fixtures shared by the worker and task tests (the harness lives in ``harness.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.worker.harness import Harness


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)
