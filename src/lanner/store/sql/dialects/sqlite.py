"""SQLite through the standard library: WAL, ``synchronous=NORMAL``, one shared connection.

One connection serialised by the ``Database`` lock is the fastest safe choice for one process
(no cross-connection SQLITE_BUSY, statements stay cached); ``busy_timeout`` covers other
processes (a CLI next to a running server). ``synchronous=NORMAL`` in WAL mode never corrupts
the database; a power cut may lose the last commits, which the runtime tolerates (it resumes
unfinished executions).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lanner.errors import ConfigurationError
from lanner.store.sql.dialects.base import Dialect

BUSY_TIMEOUT_MS = 10_000
MINIMUM_VERSION = (3, 35, 0)  # RETURNING and MATERIALIZED common table expressions

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-16000",  # 16 MB page cache
)


class SQLiteDialect(Dialect):
    name = "sqlite"
    column_types = {
        "json": "TEXT",
        "jsonb": "TEXT",
        "text": "TEXT",
        "int": "INTEGER",
        "bigint": "INTEGER",
        "double": "REAL",
        "bool": "INTEGER",
        "serial_pk": "INTEGER PRIMARY KEY",
    }
    begin_write = "BEGIN IMMEDIATE"
    begin_read = "BEGIN"

    def connect(self, target: str) -> sqlite3.Connection:
        """``target`` is a file path or ``:memory:``; parent folders are created."""
        if sqlite3.sqlite_version_info < MINIMUM_VERSION:
            raise ConfigurationError(
                f"SQLite {sqlite3.sqlite_version} is too old: Lanner needs SQLite "
                f"{'.'.join(map(str, MINIMUM_VERSION))} or newer (RETURNING, upserts); use a "
                "Python build with a newer SQLite, or PostgreSQL"
            )
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            target,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # autocommit: Database issues BEGIN/COMMIT itself
            check_same_thread=False,  # safe: every use goes through Database's lock
            cached_statements=256,
        )
        for pragma in _PRAGMAS:
            connection.execute(pragma)
        return connection

    def label_filter(self, column: str) -> str:
        return (
            f"EXISTS (SELECT 1 FROM json_each({column}) AS label"
            " WHERE json_extract(label.value, '$.key') = ?"
            " AND json_extract(label.value, '$.value') = ?)"
        )

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def offset_only(self) -> str:
        return "LIMIT -1 OFFSET ?"

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc)
