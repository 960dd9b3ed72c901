"""SQL storage backend: repositories over a ``Database`` and a ``Dialect``."""

from lanner.store.sql.stores import SqlStores, open_postgres, open_sqlite

__all__ = ["SqlStores", "open_postgres", "open_sqlite"]
