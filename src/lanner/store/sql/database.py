"""Connections, explicit transactions with savepoints, and after-commit hooks.

Repositories talk to a ``Database``; how connections are found differs per backend:

- ``SharedConnectionDatabase`` (SQLite): one connection behind a re-entrant lock, so threads
  (the server calls stores from a thread pool) share it safely and statements stay cached.
  ``transaction()`` holds the lock for the whole block: other threads wait instead of seeing
  half of it.
- ``PooledDatabase`` (Postgres, ``sql/pooled.py``): each thread borrows a pooled connection for
  one statement, or keeps one for the whole of its transaction block.

Nested blocks become SAVEPOINTs, so an inner block that raises is undone alone while the outer
one may go on. ``after_commit`` callbacks run once the outermost block committed (they are
dropped when the block they were added in rolls back).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any, NoReturn

from lanner.errors import ConflictError
from lanner.store.sql.dialects.base import Dialect

Row = tuple[Any, ...]


class Session:
    """A connection while one thread uses it: how deep its transaction blocks are nested, and
    what to run after the outermost one commits."""

    __slots__ = ("after_commit", "connection", "depth")

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.depth = 0  # open transaction blocks (0 = autocommit)
        self.after_commit: list[Callable[[], None]] = []


class Database(ABC):
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._sql_cache: dict[str, str] = {}

    @abstractmethod
    def _session(self) -> AbstractContextManager[Session]:
        """The session this thread uses now, held for the ``with`` block."""

    @abstractmethod
    def close(self) -> None: ...

    def _sql(self, sql: str) -> str:
        prepared = self._sql_cache.get(sql)
        if prepared is None:
            prepared = self._sql_cache[sql] = self.dialect.prepare(sql)
        return prepared

    def _raise(self, exc: Exception) -> NoReturn:
        """Unique-key violations are conflicts (two writers raced); anything else as it is."""
        if self.dialect.is_unique_violation(exc):
            raise ConflictError(f"already exists: {exc}") from exc
        raise exc

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[None]:
        """All statements of the block commit together, or none (on an exception)."""
        with self._session() as session:
            connection, depth = session.connection, session.depth
            if depth == 0:
                connection.execute(self.dialect.begin_write if write else self.dialect.begin_read)
            else:
                connection.execute(f"SAVEPOINT lanner_{depth}")
            session.depth = depth + 1
            hooks_before = len(session.after_commit)
            try:
                yield
            except BaseException:
                session.depth = depth
                del session.after_commit[hooks_before:]
                if depth == 0:
                    # The block's error is the one worth raising; a failed ROLLBACK (broken
                    # connection) says nothing new.
                    with suppress(Exception):
                        connection.execute("ROLLBACK")
                else:
                    connection.execute(f"ROLLBACK TO SAVEPOINT lanner_{depth}")
                    connection.execute(f"RELEASE SAVEPOINT lanner_{depth}")
                raise
            session.depth = depth
            if depth:
                connection.execute(f"RELEASE SAVEPOINT lanner_{depth}")
                return
            try:
                connection.execute("COMMIT")
            except BaseException:
                session.after_commit.clear()
                with suppress(Exception):
                    connection.execute("ROLLBACK")
                raise
            hooks, session.after_commit = session.after_commit, []
        for hook in hooks:
            hook()

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the current transaction commits (now, outside a transaction)."""
        with self._session() as session:
            if session.depth:
                session.after_commit.append(hook)
                return
        hook()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Several reads that must see one state of the database (a read transaction)."""
        with self._session() as session:
            if session.depth:
                yield
                return
            with self.transaction(write=False):
                yield

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        with self._session() as session:
            try:
                cursor = session.connection.execute(self._sql(sql), params)
            except Exception as exc:
                self._raise(exc)
            return int(cursor.rowcount)

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._session() as session:
            cursor = session.connection.cursor()
            try:
                cursor.executemany(self._sql(sql), rows)
            except Exception as exc:
                self._raise(exc)
            finally:
                cursor.close()

    def execute_script(self, statements: Iterable[str]) -> None:
        with self._session() as session:
            for statement in statements:
                session.connection.execute(statement)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._session() as session:
            try:
                return list(session.connection.execute(self._sql(sql), params).fetchall())
            except Exception as exc:
                self._raise(exc)

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._session() as session:
            row = session.connection.execute(self._sql(sql), params).fetchone()
            return None if row is None else tuple(row)


class _Held:
    """The shared session under the lock (a class, not a generator: it is on every call)."""

    __slots__ = ("_lock", "_session")

    def __init__(self, lock: threading.RLock, session: Session) -> None:
        self._lock = lock
        self._session = session

    def __enter__(self) -> Session:
        self._lock.acquire()
        return self._session

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class SharedConnectionDatabase(Database):
    """One connection for every thread, serialised by a re-entrant lock (SQLite)."""

    def __init__(self, dialect: Dialect, connection: Any) -> None:
        super().__init__(dialect)
        self._connection = connection
        self._lock = threading.RLock()
        self._held = _Held(self._lock, Session(connection))

    def _session(self) -> AbstractContextManager[Session]:
        return self._held

    def close(self) -> None:
        with self._lock:
            self._connection.close()
