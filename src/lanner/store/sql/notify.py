"""Wake-ups for the queues: a notification sent with a transaction arrives once it commits.

``LocalNotifier`` (SQLite): waiters in this process are woken after the commit; other
processes on the same file find the work by polling. ``PostgresNotifier`` (``listen.py``):
``pg_notify`` inside the transaction (Postgres delivers it at commit, to every process), and
one LISTEN connection per process that wakes the local waiters.
"""

from __future__ import annotations

from typing import Protocol

from lanner.store.sql.database import Database
from lanner.store.wakeup import Wakeup


class Notifier(Protocol):
    def notify(self, channel: str) -> None:
        """Wake the waiters of ``channel`` when the current transaction commits."""
        ...

    def wait(self, channel: str, timeout: float) -> bool:
        """True when ``channel`` was notified since this thread last waited; False on timeout."""
        ...

    def close(self) -> None: ...


class LocalNotifier:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._wakeup = Wakeup()

    def notify(self, channel: str) -> None:
        self._db.after_commit(lambda: self._wakeup.notify(channel))

    def wait(self, channel: str, timeout: float) -> bool:
        return self._wakeup.wait(channel, timeout)

    def close(self) -> None:
        self._wakeup.close()
