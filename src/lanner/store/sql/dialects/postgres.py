"""PostgreSQL through psycopg 3.

Column types: ``{json}`` is ``JSON`` (validated, kept byte for byte: key order survives, and
writing it costs less than ``JSONB``); ``{jsonb}`` is ``JSONB`` where the database searches
inside (execution labels, with a GIN index). Both are read back as text (see
``configure_connection``): the codec parses them, exactly as for SQLite.

Transactions: writes run at READ COMMITTED; multi-statement reads take one REPEATABLE READ
snapshot. Queues claim with ``FOR UPDATE SKIP LOCKED``; migrations serialise on an advisory
lock so that two processes opening a new database do not both create the tables.
"""

from __future__ import annotations

from typing import Any

from lanner.store.sql.dialects.base import Dialect

UNIQUE_VIOLATION = "23505"  # SQLSTATE
MIGRATION_LOCK_KEY = 0x4C414E4E4552  # "LANNER": the advisory lock migrations take


class PostgresDialect(Dialect):
    name = "postgresql"
    column_types = {
        "json": "JSON",
        "jsonb": "JSONB",
        "text": "TEXT",
        "int": "INTEGER",
        "bigint": "BIGINT",
        "double": "DOUBLE PRECISION",
        "bool": "BOOLEAN",
        "serial_pk": "BIGSERIAL PRIMARY KEY",
    }
    begin_write = "BEGIN"
    begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    migration_lock = f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"

    def prepare(self, sql: str) -> str:
        """``?`` -> ``%s`` (and a literal ``%`` -> ``%%``). Repositories never put ``?`` inside
        SQL string literals, nor use the JSONB ``?`` operators."""
        return sql.replace("%", "%%").replace("?", "%s")

    def label_filter(self, column: str) -> str:
        return f"{column} @> jsonb_build_array(jsonb_build_object('key', ?::text, 'value', ?::text))"

    def json_text(self, column: str, key: str) -> str:
        return f"({column} ->> '{key}')"

    def offset_only(self) -> str:
        return "OFFSET ?"

    def is_unique_violation(self, exc: BaseException) -> bool:
        return getattr(exc, "sqlstate", None) == UNIQUE_VIOLATION


def configure_connection(connection: Any) -> None:
    """Read ``json``/``jsonb`` columns as text, as the SQLite backend does (the codec parses)."""
    from psycopg.types.string import TextLoader

    for type_name in ("json", "jsonb"):
        connection.adapters.register_loader(type_name, TextLoader)
