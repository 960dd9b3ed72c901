"""SQL dialects: what differs between SQLite and PostgreSQL (``postgres.py`` imports no driver
at module level, so it is safe to import without psycopg)."""

from lanner.store.sql.dialects.base import Dialect
from lanner.store.sql.dialects.sqlite import SQLiteDialect

__all__ = ["Dialect", "SQLiteDialect"]
