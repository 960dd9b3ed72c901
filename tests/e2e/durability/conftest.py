"""The session's PostgreSQL (``tests/conformance/postgres_server``) for the Postgres variants."""

from __future__ import annotations

from tests.conformance.postgres_server import pg_url, postgres_server

__all__ = ["pg_url", "postgres_server"]
