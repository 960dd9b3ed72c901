"""The session's PostgreSQL (``tests/conformance/postgres_server``) for the Postgres variants."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.postgres_server import PostgresForTests, postgres_server

__all__ = ["postgres_server"]


@pytest.fixture
def pg_url(postgres_server: PostgresForTests) -> Iterator[str]:
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)
