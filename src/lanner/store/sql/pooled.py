"""A ``Database`` over a psycopg connection pool, safe across threads.

Outside a transaction, each statement borrows a connection (autocommit) and gives it back.
A transaction block keeps the thread's connection until it ends, so the block's statements
run in one database transaction while other threads use other connections.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lanner.store.sql.database import Database, Session
from lanner.store.sql.dialects.base import Dialect


class PooledDatabase(Database):
    def __init__(self, dialect: Dialect, pool: Any) -> None:
        """``pool``: a ``psycopg_pool.ConnectionPool`` of autocommit connections."""
        super().__init__(dialect)
        self.pool = pool
        self._local = threading.local()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        connection = self.pool.getconn()
        session = Session(connection)
        self._local.session = session
        try:
            yield session
        finally:
            self._local.session = None
            self.pool.putconn(connection)

    def close(self) -> None:
        self.pool.close()
