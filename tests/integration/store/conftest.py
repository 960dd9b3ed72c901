"""PostgreSQL specifics of the store, on the session's server (``tests/conformance/postgres_server``:
the same server as the conformance suite when both run; failing, never skipped, without one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.postgres_server import PostgresForTests, pg_url, postgres_server

__all__ = ["pg_url", "postgres_server"]


@pytest.fixture
def empty_pg_url(postgres_server: PostgresForTests) -> Iterator[str]:
    """A fresh database without tables."""
    url = postgres_server.create_empty_database()
    yield url
    postgres_server.drop_database(url)
