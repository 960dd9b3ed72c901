"""A GCS JSON API emulator (the ``gcp-storage-emulator`` package) on 127.0.0.1, in this process,
and the worker test harness of tests/unit/worker."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_HARNESS = Path(__file__).resolve().parents[3] / "unit" / "worker" / "harness.py"


def _harness_module() -> ModuleType:
    name = "lanner_test_worker_harness"  # the name tests/unit/worker/conftest.py uses
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _HARNESS)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


@pytest.fixture
def harness(tmp_path: Path) -> Any:
    return _harness_module().Harness(tmp_path)


@pytest.fixture(scope="module")
def _emulator() -> Iterator[Any]:
    from gcp_storage_emulator.server import create_server

    server = create_server("127.0.0.1", 0, in_memory=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator(_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator's URL, exported as STORAGE_EMULATOR_HOST for this test (emptied first)."""
    _emulator.wipe()
    host, port = _emulator._api._httpd.server_address
    url = f"http://{host}:{port}"
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", url)
    return url
