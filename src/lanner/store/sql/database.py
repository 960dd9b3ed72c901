"""One database connection, its lock, and explicit transactions with savepoints.

Every statement runs under one re-entrant lock, so the connection can be shared by threads
(the server calls stores from a thread pool). ``transaction()`` holds the lock for the whole
block: other threads wait instead of seeing half of it. Nested blocks become SAVEPOINTs, so an
inner block that raises is undone alone while the outer one may go on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from lanner.store.sql.dialects.base import Dialect

Row = tuple[Any, ...]


class Database:
    def __init__(self, dialect: Dialect, connection: Any) -> None:
        self.dialect = dialect
        self._connection = connection
        self._lock = threading.RLock()
        self._depth = 0  # open transaction blocks (0 = autocommit)
        self._sql_cache: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        prepared = self._sql_cache.get(sql)
        if prepared is None:
            prepared = self._sql_cache[sql] = self.dialect.prepare(sql)
        return prepared

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[None]:
        """All statements of the block commit together, or none (on an exception)."""
        with self._lock:
            depth = self._depth
            if depth == 0:
                self._connection.execute(self.dialect.begin_write if write else self.dialect.begin_read)
            else:
                self._connection.execute(f"SAVEPOINT lanner_{depth}")
            self._depth = depth + 1
            try:
                yield
            except BaseException:
                self._depth = depth
                if depth == 0:
                    self._connection.execute("ROLLBACK")
                else:
                    self._connection.execute(f"ROLLBACK TO SAVEPOINT lanner_{depth}")
                    self._connection.execute(f"RELEASE SAVEPOINT lanner_{depth}")
                raise
            self._depth = depth
            if depth == 0:
                try:
                    self._connection.execute("COMMIT")
                except BaseException:
                    self._rollback_quietly()
                    raise
            else:
                self._connection.execute(f"RELEASE SAVEPOINT lanner_{depth}")

    def _rollback_quietly(self) -> None:
        # The COMMIT error is the one worth raising; a failed ROLLBACK after it says nothing new.
        with suppress(Exception):
            self._connection.execute("ROLLBACK")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Several reads that must see one state of the database (a read transaction)."""
        with self._lock:
            if self._depth:
                yield
                return
            with self.transaction(write=False):
                yield

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        with self._lock:
            cursor = self._connection.execute(self._sql(sql), params)
            return int(cursor.rowcount)

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            cursor = self._connection.cursor()
            try:
                cursor.executemany(self._sql(sql), rows)
            finally:
                cursor.close()

    def execute_script(self, statements: Iterable[str]) -> None:
        with self._lock:
            for statement in statements:
                self._connection.execute(statement)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return list(self._connection.execute(self._sql(sql), params).fetchall())

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._lock:
            row = self._connection.execute(self._sql(sql), params).fetchone()
            return None if row is None else tuple(row)

    def close(self) -> None:
        with self._lock:
            self._connection.close()
