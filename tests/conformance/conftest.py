"""One conformance suite per store port, run against every backend.

Backends: ``memory``, ``sqlite`` (a fresh database file per test) and ``postgres`` (a fresh
database per test, cloned from a migrated template on the session's server: see
``postgres_server.py``). ``backend.open()`` gives another handle on the same database (another
connection or pool, as a second process would have); memory backends return the same stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conformance.postgres_server import PostgresForTests, postgres_server

from lanner.store import open_stores
from lanner.store.ports import Stores

BACKENDS = ["memory", "sqlite", "postgres"]

__all__ = ["postgres_server"]  # the session fixture, used here through request.getfixturevalue


class Backend:
    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        self.stores = open_stores(url)
        self._others: list[Stores] = []

    def open(self) -> Stores:
        """Another handle on the same data (memory: the same stores, they cannot be shared)."""
        if self.name == "memory":
            return self.stores
        other = open_stores(self.url)
        self._others.append(other)
        return other

    def close(self) -> None:
        for stores in (*self._others, self.stores):
            stores.close()


def _url(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if name == "memory":
        return "memory://"
    if name == "sqlite":
        return f"sqlite:///{tmp_path / 'lanner.db'}"
    server: PostgresForTests = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    url = _url(request.param, request, tmp_path)
    opened = Backend(request.param, url)
    try:
        yield opened
    finally:
        opened.close()
        if request.param == "postgres":
            server: PostgresForTests = request.getfixturevalue("postgres_server")
            server.drop_database(url)


@pytest.fixture
def stores(backend: Backend) -> Stores:
    return backend.stores
