"""The SQL backend's ``Stores``: one ``Database`` shared by the repositories.

``open_sqlite(path)``: one shared connection (WAL). ``open_postgres(url)``: a psycopg pool
(psycopg and psycopg-pool are imported only here, so SQLite users need neither).
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import Any

from lanner.errors import ConfigurationError
from lanner.store.ports import (
    EventQueue,
    ExecutionStore,
    FlowStore,
    JobQueue,
    KVStore,
    LogStore,
    MetricStore,
    TriggerStore,
)
from lanner.store.sql.database import Database, SharedConnectionDatabase
from lanner.store.sql.dialects.sqlite import SQLiteDialect
from lanner.store.sql.events import SqlEventQueue
from lanner.store.sql.executions import SqlExecutionStore
from lanner.store.sql.flows import SqlFlowStore
from lanner.store.sql.jobs import SqlJobQueue
from lanner.store.sql.kv import SqlKVStore
from lanner.store.sql.logs import SqlLogStore
from lanner.store.sql.metrics import SqlMetricStore
from lanner.store.sql.migrations import migrate
from lanner.store.sql.notify import LocalNotifier, Notifier
from lanner.store.sql.triggers import SqlTriggerStore

CONNECT_TIMEOUT = 10  # seconds to reach a PostgreSQL server before giving up at open
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 10


class SqlStores:
    def __init__(self, db: Database, notifier: Notifier) -> None:
        self.db = db
        self.notifier = notifier
        self.flows: FlowStore = SqlFlowStore(db)
        self.executions: ExecutionStore = SqlExecutionStore(db)
        self.logs: LogStore = SqlLogStore(db)
        self.metrics: MetricStore = SqlMetricStore(db)
        self.kv: KVStore = SqlKVStore(db)
        self.triggers: TriggerStore = SqlTriggerStore(db)
        self.jobs: JobQueue = SqlJobQueue(db, notifier)
        self.events: EventQueue = SqlEventQueue(db, notifier)

    def transaction(self) -> AbstractContextManager[None]:
        return self.db.transaction()

    def close(self) -> None:
        try:
            self.notifier.close()
        finally:
            self.db.close()


def open_sqlite(path: str) -> SqlStores:
    """A SQLite database file (created with its folders), or ``:memory:``."""
    dialect = SQLiteDialect()
    db = SharedConnectionDatabase(dialect, dialect.connect(path))
    try:
        migrate(db)
    except BaseException:
        db.close()
        raise
    return SqlStores(db, LocalNotifier(db))


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def open_postgres(url: str, *, min_size: int = POOL_MIN_SIZE, max_size: int = POOL_MAX_SIZE,
                  connect_timeout: float = CONNECT_TIMEOUT) -> SqlStores:
    """``postgresql://user:password@host:port/database`` (or ``postgres://``, or libpq's
    ``key=value`` form). The schema is migrated on a first connection, then a pool opens."""
    try:
        import psycopg
        from psycopg_pool import ConnectionPool
    except ImportError as exc:  # pragma: no cover - both are installed with Lanner's postgres extra
        raise ConfigurationError(
            f"PostgreSQL storage needs psycopg and psycopg-pool ({exc.name} is missing): "
            "pip install 'psycopg[binary]' psycopg-pool"
        ) from exc
    from lanner.store.sql.dialects.postgres import PostgresDialect, configure_connection
    from lanner.store.sql.listen import PostgresNotifier
    from lanner.store.sql.pooled import PooledDatabase

    dialect = PostgresDialect()

    def connect() -> Any:
        connection = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(connect_timeout)))
        configure_connection(connection)
        return connection

    try:
        first = connect()
    except psycopg.Error as exc:
        raise ConfigurationError(f"cannot connect to PostgreSQL at {redact(url)}: {exc}".strip()) from exc
    try:
        migrate(SharedConnectionDatabase(dialect, first))
    finally:
        first.close()
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True, "connect_timeout": max(1, int(connect_timeout))},
        configure=configure_connection,
        open=False,
        name="lanner",
        timeout=connect_timeout,
    )
    pool.open()
    db = PooledDatabase(dialect, pool)
    return SqlStores(db, PostgresNotifier(db, connect))
