"""What differs between SQL databases, and nothing else.

Repositories write portable SQL with ``?`` placeholders; a dialect supplies the connection,
the column types used by migrations, the placeholder style and the few fragments that have no
portable spelling (label containment in a JSON column, an OFFSET without LIMIT).
Adding a database = one module here + its ``connect``; repositories stay unchanged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any


class Dialect(ABC):
    name: str
    # Column types substituted into migration templates ({json}, {text}, {int}, {bigint},
    # {bool}, {serial_pk}).
    column_types: Mapping[str, str]
    # How a write transaction starts (SQLite takes the write lock up front: BEGIN IMMEDIATE).
    begin_write: str = "BEGIN"
    begin_read: str = "BEGIN"

    @abstractmethod
    def connect(self, target: str) -> Any:
        """A DB-API connection in autocommit mode (transactions are explicit SQL)."""

    def prepare(self, sql: str) -> str:
        """Portable ``?`` placeholders into the driver's style."""
        return sql

    @abstractmethod
    def label_filter(self, column: str) -> str:
        """A condition true when the JSON list ``column`` of ``{key, value}`` holds the pair
        given by the next two parameters (key, value)."""

    @abstractmethod
    def offset_only(self) -> str:
        """``OFFSET ?`` with no row limit."""

    def render_ddl(self, template: str) -> str:
        return template.format_map(self.column_types)
