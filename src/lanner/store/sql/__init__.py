"""SQL storage backend: repositories over a ``Database`` and a ``Dialect``."""

from lanner.store.sql.stores import SqlStores, open_sqlite

__all__ = ["SqlStores", "open_sqlite"]
