"""The SQL backend's ``Stores``: one ``Database`` shared by four repositories."""

from __future__ import annotations

from contextlib import AbstractContextManager

from lanner.store.ports import ExecutionStore, FlowStore, KVStore, LogStore
from lanner.store.sql.database import Database
from lanner.store.sql.dialects.base import Dialect
from lanner.store.sql.dialects.sqlite import SQLiteDialect
from lanner.store.sql.executions import SqlExecutionStore
from lanner.store.sql.flows import SqlFlowStore
from lanner.store.sql.kv import SqlKVStore
from lanner.store.sql.logs import SqlLogStore
from lanner.store.sql.migrations import migrate


class SqlStores:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.flows: FlowStore = SqlFlowStore(db)
        self.executions: ExecutionStore = SqlExecutionStore(db)
        self.logs: LogStore = SqlLogStore(db)
        self.kv: KVStore = SqlKVStore(db)

    @classmethod
    def open(cls, dialect: Dialect, target: str) -> SqlStores:
        """Connect and bring the schema up to date."""
        db = Database(dialect, dialect.connect(target))
        try:
            migrate(db)
        except BaseException:
            db.close()
            raise
        return cls(db)

    def transaction(self) -> AbstractContextManager[None]:
        return self.db.transaction()

    def close(self) -> None:
        self.db.close()


def open_sqlite(path: str) -> SqlStores:
    """A SQLite database file (created with its folders), or ``:memory:``."""
    return SqlStores.open(SQLiteDialect(), path)
