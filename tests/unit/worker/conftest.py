"""Fixtures shared by the worker and task tests (the harness lives in ``harness.py``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def load_harness() -> ModuleType:
    name = "lanner_test_worker_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("harness.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]  # do not leave a half-loaded module behind
            raise
    return sys.modules[name]


@pytest.fixture
def harness(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_harness().Harness(tmp_path)
