"""The event queue: one row per event; ``event_leases`` says which executor holds which execution.

A claim leases whole executions: it picks the executions with the oldest pending events that
nobody holds (or whose lease ended), inserts their lease rows - an insert that, on an existing
row, only takes it over when its lease ended - and returns the events of the executions it
won, oldest first. On Postgres a concurrent claimer of the same execution waits for the first
one's commit and then loses it; lease rows are always written in execution-id order, so two
claimers (or a claimer and an ack) never deadlock. Acking deletes the events and the leases.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lanner.store.clock import lease_end, utc_now
from lanner.store.codec import from_micros, to_micros
from lanner.store.ports import QueuedEvent
from lanner.store.sql.database import Database
from lanner.store.sql.notify import Notifier, write_and_notify
from lanner.store.wakeup import EVENTS_CHANNEL

MAX_BATCH = 1000  # events per claim: keeps every IN (...) list far below parameter limits


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


class SqlEventQueue:
    def __init__(self, db: Database, notifier: Notifier) -> None:
        self._db = db
        self._notifier = notifier

    def push(self, execution_id: str, event_json: str, *, now: datetime | None = None) -> int:
        rows = write_and_notify(
            self._db, self._notifier,
            "INSERT INTO events (execution_id, event, enqueued) VALUES (?, ?, ?) RETURNING seq",
            (execution_id, event_json, to_micros(now or utc_now())), EVENTS_CHANNEL,
        )
        return int(rows[0][0])

    def claim_batch(self, executor_id: str, limit: int, lease_seconds: float, *,
                    now: datetime | None = None) -> list[QueuedEvent]:
        limit = min(limit, MAX_BATCH)
        if limit <= 0:
            return []
        moment = now or utc_now()
        current, until = to_micros(moment), to_micros(lease_end(moment, lease_seconds))
        db = self._db
        with db.transaction():
            candidates = db.query(
                "SELECT e.execution_id, MIN(e.seq) AS first_seq FROM events e"
                " LEFT JOIN event_leases l ON l.execution_id = e.execution_id"
                " WHERE l.execution_id IS NULL OR l.lease_until < ?"
                " GROUP BY e.execution_id ORDER BY first_seq LIMIT ?",
                (current, limit),
            )
            if not candidates:
                return []
            wanted = sorted(row[0] for row in candidates)
            won = db.query(
                "INSERT INTO event_leases (execution_id, executor_id, lease_until) VALUES "
                + ", ".join(["(?, ?, ?)"] * len(wanted))
                + " ON CONFLICT (execution_id) DO UPDATE SET executor_id = excluded.executor_id,"
                " lease_until = excluded.lease_until WHERE event_leases.lease_until < ?"
                " RETURNING execution_id",
                [*(v for execution_id in wanted for v in (execution_id, executor_id, until)), current],
            )
            held = sorted(row[0] for row in won)
            if not held:
                return []
            rows = db.query(
                "SELECT seq, execution_id, event, enqueued FROM events"
                f" WHERE execution_id IN ({_marks(held)}) ORDER BY seq LIMIT ?",
                [*held, limit],
            )
            idle = sorted(set(held) - {row[1] for row in rows})
            if idle:  # won, but every event it had went to others' batches first: give it back
                db.execute(
                    f"DELETE FROM event_leases WHERE executor_id = ? AND execution_id IN ({_marks(idle)})",
                    [executor_id, *idle],
                )
        return [QueuedEvent(int(row[0]), row[1], row[2], from_micros(row[3])) for row in rows]

    def ack(self, ids: Sequence[int], executor_id: str | None = None) -> int:
        unique = sorted(set(ids))
        if not unique:
            return 0
        acked = 0
        executions: set[str] = set()
        with self._db.transaction():
            for start in range(0, len(unique), MAX_BATCH):
                chunk = unique[start : start + MAX_BATCH]
                rows = self._db.query(
                    f"DELETE FROM events WHERE seq IN ({_marks(chunk)}) RETURNING execution_id", chunk
                )
                acked += len(rows)
                executions.update(row[0] for row in rows)
            self._release(sorted(executions), executor_id)
        return acked

    def _release(self, execution_ids: Sequence[str], executor_id: str | None) -> None:
        """Delete the leases (of ``executor_id`` only, when given); wake other executors when
        the released executions still have events."""
        for start in range(0, len(execution_ids), MAX_BATCH):
            chunk = execution_ids[start : start + MAX_BATCH]
            owner = "" if executor_id is None else " AND executor_id = ?"
            self._db.execute(
                f"DELETE FROM event_leases WHERE execution_id IN ({_marks(chunk)}){owner}",
                [*chunk, *([] if executor_id is None else [executor_id])],
            )
            waiting = self._db.query_one(
                f"SELECT 1 FROM events WHERE execution_id IN ({_marks(chunk)}) LIMIT 1", chunk
            )
            if waiting:
                self._notifier.notify(EVENTS_CHANNEL)

    def release(self, executor_id: str, execution_ids: Sequence[str]) -> None:
        with self._db.transaction():
            self._release(sorted(set(execution_ids)), executor_id)

    def heartbeat(self, executor_id: str, execution_ids: Sequence[str], lease_seconds: float, *,
                  now: datetime | None = None) -> list[str]:
        wanted = sorted(set(execution_ids))
        if not wanted:
            return []
        until = to_micros(lease_end(now or utc_now(), lease_seconds))
        kept: set[str] = set()
        with self._db.transaction():
            for start in range(0, len(wanted), MAX_BATCH):
                chunk = wanted[start : start + MAX_BATCH]
                rows = self._db.query(
                    "UPDATE event_leases SET lease_until = ?"
                    f" WHERE executor_id = ? AND execution_id IN ({_marks(chunk)}) RETURNING execution_id",
                    [until, executor_id, *chunk],
                )
                kept.update(row[0] for row in rows)
        return [execution_id for execution_id in execution_ids if execution_id in kept]

    def pending(self, execution_id: str | None = None) -> int:
        if execution_id is None:
            row = self._db.query_one("SELECT COUNT(*) FROM events")
        else:
            row = self._db.query_one("SELECT COUNT(*) FROM events WHERE execution_id = ?", (execution_id,))
        return int(row[0]) if row else 0

    def wait_for_events(self, timeout: float) -> bool:
        return self._notifier.wait(EVENTS_CHANNEL, timeout)
