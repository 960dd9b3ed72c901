"""The one GCS JSON API emulator of the tests (the ``gcp-storage-emulator`` package), served on
127.0.0.1 from this process, in memory. Used by the GCS task tests (tests/integration/gcp/gcs)
and the FileStorage conformance suite; import the fixtures into a conftest or test module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


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
