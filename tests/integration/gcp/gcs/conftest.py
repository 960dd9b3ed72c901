"""A GCS JSON API emulator (the ``gcp-storage-emulator`` package) on 127.0.0.1, in this process,
and the worker test harness of tests/unit/worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.worker.conftest import harness

__all__ = ["harness"]


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
