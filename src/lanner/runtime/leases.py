"""Which executions each ``lanner run`` process is running, so others can tell live from orphaned.

Several ``lanner run`` (and a ``lanner server``) may share one ``$LANNER_HOME`` database. Each
``lanner run`` holds an exclusive lock on ``<home>/runs/<pid>-<token>.lease`` for as long as it
lives, and appends the id of every execution it starts (subflows and retries included). The OS
drops the lock when the process dies, however it dies (``kill -9``, the OOM killer, a power cut),
so a lease whose lock can be taken belongs to a dead process, and its unfinished executions are
orphans: nobody will ever finish them, and they hold concurrency slots (a flow with
``concurrency.limit: 1`` would queue forever behind one).

- ``lanner run`` kills the orphans of dead leases when it starts (``LocalRun``).
- ``lanner server`` resumes every unfinished execution at start except those of live leases,
  which their own process is still running.

POSIX only (``fcntl``), like the rest of Lanner's file locks; elsewhere leases are not kept.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".lease"


def leases_dir(home: Path) -> Path:
    return home / "runs"


class RunLease:
    """This process's lease: locked until ``close()`` or the process's death."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{secrets.token_hex(4)}"
        # Locked under a temporary name, then renamed: a scanner never sees an unlocked lease.
        temporary = directory / f"{name}.tmp"
        self.path = directory / f"{name}{SUFFIX}"
        self._file: IO[str] = temporary.open("a", encoding="utf-8")
        if fcntl is not None:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        temporary.rename(self.path)
        self._lock = threading.Lock()

    def add(self, execution_id: str) -> None:
        with self._lock:
            self._file.write(execution_id + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file.closed:
                return
            self.path.unlink(missing_ok=True)
            self._file.close()


def live_executions(directory: Path, own: RunLease | None = None) -> set[str]:
    """Ids listed in the leases of processes that are still alive (their locks are held)."""
    found: set[str] = set()
    for path in _leases(directory, own):
        with _try_lock(path) as handle:
            if handle is None:
                found.update(_ids(path))
    return found


@contextmanager
def orphaned_executions(directory: Path, own: RunLease | None = None) -> Iterator[set[str]]:
    """Ids listed in the leases of dead processes. The leases stay locked while the caller deals
    with them (so two processes starting together do not both), and are removed afterwards."""
    handles: list[tuple[Path, IO[str]]] = []
    found: set[str] = set()
    try:
        for path in _leases(directory, own):
            handle = _lock_or_none(path)
            if handle is not None:
                handles.append((path, handle))
                found.update(_ids(path))
        yield found
        for path, _ in handles:
            path.unlink(missing_ok=True)
    finally:
        for _, handle in handles:
            handle.close()


def _leases(directory: Path, own: RunLease | None) -> list[Path]:
    if fcntl is None or not directory.is_dir():
        return []
    return [p for p in sorted(directory.glob(f"*{SUFFIX}")) if own is None or p != own.path]


@contextmanager
def _try_lock(path: Path) -> Iterator[IO[str] | None]:
    handle = _lock_or_none(path)
    try:
        yield handle
    finally:
        if handle is not None:
            handle.close()


def _lock_or_none(path: Path) -> IO[str] | None:
    """The lease opened and locked: its process is dead. None: alive, or already gone."""
    assert fcntl is not None
    try:
        handle = path.open("r", encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _ids(path: Path) -> set[str]:
    try:
        return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    except FileNotFoundError:
        return set()
