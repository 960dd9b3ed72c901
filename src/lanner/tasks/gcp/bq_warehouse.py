"""The local BigQuery warehouse file: where it is, and one writer at a time.

A DuckDB file can be open read-write by one process only, and several task runs (threads of a
worker, or workers in other processes) may use the warehouse at once. Every use therefore takes
an exclusive file lock (``<warehouse>.lock``), opens a short-lived connection, and closes it
before releasing the lock: statements of different tasks run one after another, never together.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from lanner.plugins.api import RunContext, TaskFailure

from .._config import config_value, lanner_home
from .bq_catalog import Catalog

_WAIT_NOTICE_SECONDS = 5.0
_POLL_SECONDS = 0.02


def warehouse_path(ctx: RunContext) -> Path:
    """``gcp.local.warehouse`` of the configuration, else ``$LANNER_HOME/gcp/warehouse.duckdb``."""
    configured = config_value(ctx.config or {}, "gcp", "local", "warehouse")
    if configured:
        return Path(str(configured)).expanduser()
    return lanner_home(ctx.config) / "gcp" / "warehouse.duckdb"


class FileLock:
    """An exclusive lock on ``path``: ``flock`` on a file description of its own, so it excludes
    other threads of this process as well as other processes (``msvcrt`` on Windows)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the description releases the lock
            self._fd = None


@contextmanager
def open_warehouse(ctx: RunContext | None, path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, Catalog]]:
    """An exclusive connection to the warehouse, with its catalog ready."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path.with_name(path.name + ".lock"))
    started = notified = time.monotonic()
    while not lock.try_acquire():
        if ctx is not None and ctx.is_killed():
            raise TaskFailure("Killed while waiting for the local BigQuery warehouse")
        if ctx is not None and time.monotonic() - notified > _WAIT_NOTICE_SECONDS:
            notified = time.monotonic()
            ctx.logger.info(f"Waiting for the local BigQuery warehouse {path} (another task is using "
                            f"it, {notified - started:.0f}s so far)")
        time.sleep(_POLL_SECONDS)
    try:
        try:
            conn = duckdb.connect(str(path))
        except duckdb.Error as error:
            raise TaskFailure(f"Cannot open the local BigQuery warehouse {path}: {error}") from None
        try:
            conn.execute("SET TimeZone = 'UTC'")
            # Offline and predictable: never download an extension behind the user's back.
            conn.execute("SET autoinstall_known_extensions = false")
            # BigQuery promises no row order without ORDER BY; letting DuckDB drop it makes the
            # large loads and MERGEs write their rows from every thread (ORDER BY is still kept).
            conn.execute("SET preserve_insertion_order = false")
            catalog = Catalog(conn)
            catalog.ensure()
            yield conn, catalog
        finally:
            conn.close()
    finally:
        lock.release()
