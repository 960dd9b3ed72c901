"""Postgres pieces that need no server: SQL rewriting, URL handling, a refused connection."""

from __future__ import annotations

import socket

import pytest

from lanner.errors import ConfigurationError
from lanner.store import open_stores
from lanner.store.sql.dialects.postgres import PostgresDialect
from lanner.store.sql.migrations import MIGRATIONS
from lanner.store.sql.stores import redact


class _Error(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_placeholders_and_literal_percent_signs() -> None:
    dialect = PostgresDialect()
    assert dialect.prepare("SELECT * FROM t WHERE a = ? AND b LIKE '%x' AND c = ?") == (
        "SELECT * FROM t WHERE a = %s AND b LIKE '%%x' AND c = %s"
    )


def test_unique_violations_are_recognised_by_sqlstate() -> None:
    dialect = PostgresDialect()
    assert dialect.is_unique_violation(_Error("23505"))
    assert not dialect.is_unique_violation(_Error("23502"))  # not null
    assert not dialect.is_unique_violation(ValueError("x"))


def test_every_migration_renders_for_postgres() -> None:
    from types import SimpleNamespace

    db = SimpleNamespace(dialect=PostgresDialect())
    rendered = [s for migration in MIGRATIONS for s in migration.rendered(db)]  # type: ignore[arg-type]
    assert all("{" not in statement for statement in rendered)  # every placeholder has a type
    joined = "\n".join(rendered)
    assert "labels JSONB" in joined
    assert "BIGSERIAL PRIMARY KEY" in joined
    assert "USING GIN (labels jsonb_path_ops)" in joined


def test_redact_hides_the_password() -> None:
    assert redact("postgresql://lanner:s3cr%40t@db.example:5432/lanner") == (
        "postgresql://lanner:***@db.example:5432/lanner"
    )
    assert redact("postgres://db.example/lanner") == "postgres://db.example/lanner"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_an_unreachable_server_is_a_configuration_error(scheme: str) -> None:
    url = f"{scheme}://lanner:topsecret@127.0.0.1:{_closed_port()}/lanner"
    with pytest.raises(ConfigurationError, match="cannot connect to PostgreSQL") as caught:
        open_stores(url)
    assert "topsecret" not in str(caught.value)
