"""``open_stores(url)``: the one place a storage URL becomes a backend.

- ``memory://`` — in-memory stores (tests, ``lanner.testing``).
- ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` (SQLAlchemy's convention:
  the path is what follows the third slash), ``sqlite:///:memory:``. Folders are created.
- ``postgresql://user:password@host:port/database`` (also ``postgres://``): PostgreSQL through a
  psycopg connection pool; the schema is migrated at open.
"""

from __future__ import annotations

from lanner.errors import ConfigurationError
from lanner.store.ports import Stores

_SQLITE = "sqlite:///"


def open_stores(url: str) -> Stores:
    if url in ("memory://", "memory:", "memory"):
        from lanner.store.memory import MemoryStores

        return MemoryStores()
    if url.startswith(_SQLITE):
        path = url[len(_SQLITE) :]
        if not path:
            raise ConfigurationError(f"storage URL '{url}' names no file (e.g. sqlite:///lanner.db)")
        from lanner.store.sql import open_sqlite

        return open_sqlite(path)
    if url.startswith(("postgres://", "postgresql://")):
        from lanner.store.sql import open_postgres

        return open_postgres(url)
    raise ConfigurationError(
        f"unsupported storage URL '{url}': expected memory://, sqlite:///path/to/lanner.db or "
        "postgresql://user:password@host:port/database"
    )
