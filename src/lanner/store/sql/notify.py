"""Wake-ups for the queues: a notification sent with a transaction arrives once it commits.

``LocalNotifier`` (SQLite): waiters in this process are woken after the commit; other
processes on the same file find the work by polling. ``PostgresNotifier`` (``listen.py``):
``pg_notify`` inside the transaction (Postgres delivers it at commit, to every process), and
one LISTEN connection per process that wakes the local waiters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from lanner.store.sql.database import Database, Row
from lanner.store.wakeup import Wakeup


class Notifier(Protocol):
    # True when ``notify`` is a statement of its own (Postgres): ``write_and_notify`` then
    # folds it into the write, saving a round trip and the BEGIN/COMMIT around the pair.
    in_band: bool

    def notify(self, channel: str) -> None:
        """Wake the waiters of ``channel`` when the current transaction commits."""
        ...

    def wait(self, channel: str, timeout: float) -> bool:
        """True when ``channel`` was notified since this thread last waited; False on timeout."""
        ...

    def close(self) -> None: ...


class LocalNotifier:
    in_band = False

    def __init__(self, db: Database) -> None:
        self._db = db
        self._wakeup = Wakeup()

    def notify(self, channel: str) -> None:
        self._db.after_commit(lambda: self._wakeup.notify(channel))

    def wait(self, channel: str, timeout: float) -> bool:
        return self._wakeup.wait(channel, timeout)

    def close(self) -> None:
        self._wakeup.close()


def write_and_notify(db: Database, notifier: Notifier, sql: str, params: Sequence[Any],
                     channel: str) -> list[Row]:
    """Run one ``INSERT/UPDATE ... RETURNING`` and notify ``channel`` when it returned rows,
    atomically: in one statement on Postgres (a data-modifying WITH, then ``pg_notify``)."""
    if notifier.in_band:
        rows = db.query(f"WITH written AS ({sql}) SELECT *, pg_notify(?, '') FROM written",
                        [*params, channel])
        return [row[:-1] for row in rows]
    rows = db.query(sql, params)
    if rows:
        notifier.notify(channel)
    return rows
