"""What differs between SQL databases, and nothing else.

Repositories write portable SQL with ``?`` placeholders; a dialect supplies the column types
used by migrations, the placeholder style and the few fragments that have no portable
spelling (label containment in a JSON column, an OFFSET without LIMIT, row locks that skip
locked rows). Connections are made by the backend's ``open_*`` function (``sql/stores.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping


class Dialect(ABC):
    name: str
    # Column types substituted into migration templates ({json}: JSON text kept as written;
    # {jsonb}: JSON the database may search; {text}, {int}, {bigint}, {double}, {bool},
    # {serial_pk}).
    column_types: Mapping[str, str]
    # How a write transaction starts (SQLite takes the write lock up front: BEGIN IMMEDIATE).
    begin_write: str = "BEGIN"
    # How a multi-statement read starts (Postgres: one snapshot for all the statements).
    begin_read: str = "BEGIN"
    # Appended to a queue's SELECT of claimable rows: concurrent claimers skip each other's rows.
    skip_locked: str = ""
    # Run first in each migration's transaction so that two processes migrate one at a time.
    migration_lock: str | None = None

    def prepare(self, sql: str) -> str:
        """Portable ``?`` placeholders into the driver's style."""
        return sql

    @abstractmethod
    def label_filter(self, column: str) -> str:
        """A condition true when the JSON list ``column`` of ``{key, value}`` holds the pair
        given by the next two parameters (key, value)."""

    @abstractmethod
    def json_text(self, column: str, key: str) -> str:
        """SQL of the text value of top-level ``key`` in the JSON object ``column``."""

    @abstractmethod
    def offset_only(self) -> str:
        """``OFFSET ?`` with no row limit."""

    @abstractmethod
    def is_unique_violation(self, exc: BaseException) -> bool:
        """Whether a driver error is a unique-key (or primary-key) violation."""

    def render_ddl(self, template: str) -> str:
        return template.format_map(self.column_types)
