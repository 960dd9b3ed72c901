"""Triggers table (one JSON state per trigger) and trigger_ticks (one row per emitted tick).

``claim_tick`` is an insert that does nothing on a duplicate key: the database decides which
scheduler emits a tick, with no lock held between schedulers. Inside a transaction on
Postgres, a second claimer of the same tick waits for the first one's commit (then loses) or
rollback (then wins): an execution is created at most once per tick, whatever happens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lanner.store.codec import child_namespaces_like, dumps, loads, opt_micros, to_micros
from lanner.store.ports import Backfill, TriggerState
from lanner.store.sql.database import Database

_KEY = "namespace = ? AND flow_id = ? AND trigger_id = ?"


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the offset kept (a schedule's timezone offset survives the round trip)."""
    return None if moment is None else moment.isoformat()


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _backfill_record(backfill: Backfill) -> dict[str, Any]:
    return {
        "start": _iso(backfill.start),
        "end": _iso(backfill.end),
        "currentDate": _iso(backfill.current_date),
        "inputs": dict(backfill.inputs),
        "labels": [[key, value] for key, value in backfill.labels],
        "paused": backfill.paused,
        "total": backfill.total,
        "done": backfill.done,
        "created": _iso(backfill.created),
    }


def _backfill(data: dict[str, Any]) -> Backfill:
    start, end, current = (_instant(data[k]) for k in ("start", "end", "currentDate"))
    assert start is not None and end is not None and current is not None
    return Backfill(
        start=start,
        end=end,
        current_date=current,
        inputs=data["inputs"],
        labels=tuple((key, value) for key, value in data["labels"]),
        paused=data["paused"],
        total=data["total"],
        done=data["done"],
        created=_instant(data["created"]),
    )


def state_json(state: TriggerState) -> str:
    """The trigger context in Kestra's vocabulary (``date`` is the last fire time)."""
    return dumps({
        "nextExecutionDate": _iso(state.next_execution_date),
        "date": _iso(state.last_date),
        "executionId": state.execution_id,
        "disabled": state.disabled,
        "backfill": None if state.backfill is None else _backfill_record(state.backfill),
        "updated": _iso(state.updated),
    })


def state_from_row(namespace: str, flow_id: str, trigger_id: str, text: str) -> TriggerState:
    data = loads(text)
    return TriggerState(
        namespace=namespace,
        flow_id=flow_id,
        trigger_id=trigger_id,
        next_execution_date=_instant(data["nextExecutionDate"]),
        last_date=_instant(data["date"]),
        execution_id=data["executionId"],
        disabled=data["disabled"],
        backfill=None if data["backfill"] is None else _backfill(data["backfill"]),
        updated=_instant(data["updated"]),
    )


class SqlTriggerStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, namespace: str, flow_id: str, trigger_id: str) -> TriggerState | None:
        row = self._db.query_one(f"SELECT state FROM triggers WHERE {_KEY}", (namespace, flow_id, trigger_id))
        return None if row is None else state_from_row(namespace, flow_id, trigger_id, row[0])

    def put(self, state: TriggerState) -> None:
        self._db.execute(
            "INSERT INTO triggers (namespace, flow_id, trigger_id, state, updated) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (namespace, flow_id, trigger_id) DO UPDATE SET"
            " state = excluded.state, updated = excluded.updated",
            (state.namespace, state.flow_id, state.trigger_id, state_json(state), opt_micros(state.updated)),
        )

    def list(self, namespace: str | None = None, flow_id: str | None = None) -> list[TriggerState]:
        where: list[str] = []
        params: list[Any] = []
        if namespace is not None:
            where.append("(namespace = ? OR namespace LIKE ? ESCAPE '\\')")
            params += [namespace, child_namespaces_like(namespace)]
        if flow_id is not None:
            where.append("flow_id = ?")
            params.append(flow_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.query(
            f"SELECT namespace, flow_id, trigger_id, state FROM triggers{clause}"
            " ORDER BY namespace, flow_id, trigger_id",
            params,
        )
        return [state_from_row(*row) for row in rows]

    def delete(self, namespace: str, flow_id: str, trigger_id: str) -> bool:
        key = (namespace, flow_id, trigger_id)
        with self._db.transaction():
            self._db.execute(f"DELETE FROM trigger_ticks WHERE {_KEY}", key)
            return self._db.execute(f"DELETE FROM triggers WHERE {_KEY}", key) > 0

    def claim_tick(self, namespace: str, flow_id: str, trigger_id: str, date: datetime,
                   execution_id: str) -> bool:
        inserted = self._db.execute(
            "INSERT INTO trigger_ticks (namespace, flow_id, trigger_id, fire_date, execution_id)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (namespace, flow_id, trigger_id, to_micros(date), execution_id),
        )
        return inserted == 1

    def prune_ticks(self, before: datetime) -> int:
        return self._db.execute("DELETE FROM trigger_ticks WHERE fire_date < ?", (to_micros(before),))
