"""Executions table (header + indexed columns) and task_runs table (one row per task run).

``save(execution, previous)`` writes only what changed since ``previous``: task runs are
compared by identity first (the engine copies only what it changes, so unchanged runs are the
very same objects), then by equality. Header and task runs land in ONE transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

from lanner.errors import ConflictError
from lanner.model.execution import Execution, TaskRun
from lanner.model.state import TERMINATED, State
from lanner.store.codec import (
    child_namespaces_like,
    escape_like,
    execution_from_rows,
    header_json,
    labels_json,
    opt_micros,
    task_run_json,
    to_micros,
)
from lanner.store.ports import ExecutionQuery, Page
from lanner.store.sql.database import Database

_HEADER_FIELDS = tuple(f.name for f in fields(Execution) if f.name != "task_runs")
_TERMINATED = tuple(sorted(state.value for state in TERMINATED))
_IN_CHUNK = 500  # ids per IN (...) list: far below every database's parameter limit

_INSERT_HEADER = (
    "INSERT INTO executions (id, namespace, flow_id, state, start_date, end_date, labels, header)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_CREATE_HEADER = _INSERT_HEADER + " ON CONFLICT (id) DO NOTHING"
_UPSERT_HEADER = (
    _INSERT_HEADER + " ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace,"
    " flow_id = excluded.flow_id, state = excluded.state, start_date = excluded.start_date,"
    " end_date = excluded.end_date, labels = excluded.labels, header = excluded.header"
)
_INSERT_RUN = "INSERT INTO task_runs (execution_id, id, position, record) VALUES (?, ?, ?, ?)"
_UPSERT_RUN = (
    _INSERT_RUN + " ON CONFLICT (execution_id, id) DO UPDATE SET"
    " position = excluded.position, record = excluded.record"
)


def header_changed(before: Execution, after: Execution) -> bool:
    for name in _HEADER_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old is not new and old != new:
            return True
    return False


def changed_task_runs(
    before: Sequence[TaskRun], after: Sequence[TaskRun]
) -> tuple[list[tuple[int, TaskRun]], list[str]]:
    """(position, run) to upsert, and ids of runs that disappeared."""
    changed: list[tuple[int, TaskRun]] = []
    reordered = False
    for position, run in enumerate(after):
        old = before[position] if position < len(before) else None
        if old is None or old.id != run.id:
            # Inserted or moved: the row needs (at least) its new position.
            reordered = reordered or old is not None
            changed.append((position, run))
        elif old is not run and old != run:
            changed.append((position, run))
    removed: list[str] = []
    if reordered or len(before) > len(after):
        kept = {run.id for run in after}
        removed = [run.id for run in before if run.id not in kept]
    return changed, removed


def _header_row(execution: Execution) -> tuple[Any, ...]:
    state = execution.state
    return (
        execution.id,
        execution.namespace,
        execution.flow_id,
        state.current.value,
        to_micros(state.start_date),
        opt_micros(state.end_date),
        labels_json(execution),
        header_json(execution),
    )


class SqlExecutionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, execution: Execution) -> None:
        if not execution.task_runs:  # one statement: no BEGIN/COMMIT round trips
            if not self._db.execute(_CREATE_HEADER, _header_row(execution)):
                raise ConflictError(f"Execution '{execution.id}' already exists")
            return
        with self._db.transaction():
            if not self._db.execute(_CREATE_HEADER, _header_row(execution)):
                raise ConflictError(f"Execution '{execution.id}' already exists")
            self._insert_runs(execution)

    def _insert_runs(self, execution: Execution) -> None:
        if execution.task_runs:
            self._db.execute_many(
                _INSERT_RUN,
                [(execution.id, r.id, i, task_run_json(r)) for i, r in enumerate(execution.task_runs)],
            )

    def get(self, execution_id: str) -> Execution | None:
        # One statement: one snapshot, one round trip (the header row sorts first, at -1).
        rows = self._db.query(
            "SELECT header, -1 AS position FROM executions WHERE id = ?"
            " UNION ALL SELECT record, position FROM task_runs WHERE execution_id = ?"
            " ORDER BY position",
            (execution_id, execution_id),
        )
        if not rows or rows[0][1] != -1:
            return None
        return execution_from_rows(rows[0][0], [row[0] for row in rows[1:]])

    def save(self, execution: Execution, previous: Execution | None = None) -> None:
        db = self._db
        if previous is None:
            with db.transaction():
                db.execute(_UPSERT_HEADER, _header_row(execution))
                db.execute("DELETE FROM task_runs WHERE execution_id = ?", (execution.id,))
                self._insert_runs(execution)
            return
        header = header_changed(previous, execution)
        changed, removed = changed_task_runs(previous.task_runs, execution.task_runs)
        if not removed and len(changed) + header == 1:
            # The common case (one task run, or the header alone): one statement is atomic by
            # itself, so no BEGIN/COMMIT round trips.
            if header:
                db.execute(_UPSERT_HEADER, _header_row(execution))
            else:
                position, run = changed[0]
                db.execute(_UPSERT_RUN, (execution.id, run.id, position, task_run_json(run)))
            return
        if not (header or changed or removed):
            return
        with db.transaction():
            if header:
                db.execute(_UPSERT_HEADER, _header_row(execution))
            if removed:
                db.execute_many(
                    "DELETE FROM task_runs WHERE execution_id = ? AND id = ?",
                    [(execution.id, run_id) for run_id in removed],
                )
            if changed:
                db.execute_many(
                    _UPSERT_RUN, [(execution.id, r.id, i, task_run_json(r)) for i, r in changed]
                )

    def delete(self, execution_id: str) -> bool:
        with self._db.transaction():
            self._db.execute("DELETE FROM task_runs WHERE execution_id = ?", (execution_id,))
            return self._db.execute("DELETE FROM executions WHERE id = ?", (execution_id,)) > 0

    def _load(self, headers: list[tuple[str, str]]) -> list[Execution]:
        """Executions from (id, header) rows, with their task runs in one query."""
        if not headers:
            return []
        records: dict[str, list[str]] = {execution_id: [] for execution_id, _ in headers}
        ids = list(records)
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.query(
                f"SELECT execution_id, record FROM task_runs WHERE execution_id IN ({marks})"
                " ORDER BY execution_id, position",
                chunk,
            )
            for execution_id, record in rows:
                records[execution_id].append(record)
        return [execution_from_rows(header, records[execution_id]) for execution_id, header in headers]

    def search(self, query: ExecutionQuery) -> Page:
        where, params = self._filters(query)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        order = "DESC" if query.sort_desc else "ASC"
        offset = max(query.page - 1, 0) * query.size
        with self._db.snapshot():
            total_row = self._db.query_one(f"SELECT COUNT(*) FROM executions{clause}", params)
            rows = self._db.query(
                f"SELECT id, header FROM executions{clause}"
                f" ORDER BY start_date {order}, seq {order} LIMIT ? OFFSET ?",
                [*params, query.size, offset],
            )
            results = self._load([(r[0], r[1]) for r in rows])
        return Page(list(results), int(total_row[0]) if total_row else 0)

    def _filters(self, query: ExecutionQuery) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if query.namespace is not None:
            where.append("(namespace = ? OR namespace LIKE ? ESCAPE '\\')")
            params += [query.namespace, child_namespaces_like(query.namespace)]
        if query.flow_id is not None:
            where.append("flow_id = ?")
            params.append(query.flow_id)
        if query.states is not None:
            states = [State(s).value for s in query.states]
            if not states:
                where.append("1 = 0")
            else:
                where.append(f"state IN ({', '.join('?' * len(states))})")
                params += states
        if query.start_after is not None:
            where.append("start_date >= ?")
            params.append(to_micros(query.start_after))
        if query.start_before is not None:
            where.append("start_date <= ?")
            params.append(to_micros(query.start_before))
        for key, value in query.labels or ():
            where.append(self._db.dialect.label_filter("labels"))
            params += [key, value]
        if query.text:
            pattern = escape_like(query.text.lower())
            where.append(
                "(lower(id) LIKE ? ESCAPE '\\' OR lower(namespace) LIKE ? ESCAPE '\\'"
                " OR lower(flow_id) LIKE ? ESCAPE '\\')"
            )
            params += [pattern] * 3
        return where, params

    def count_in_states(self, namespace: str, flow_id: str, states: Iterable[State]) -> int:
        values = [State(s).value for s in states]
        if not values:
            return 0
        row = self._db.query_one(
            "SELECT COUNT(*) FROM executions WHERE namespace = ? AND flow_id = ?"
            f" AND state IN ({', '.join('?' * len(values))})",
            [namespace, flow_id, *values],
        )
        return int(row[0]) if row else 0

    def oldest_in_state(self, namespace: str, flow_id: str, state: State) -> Execution | None:
        with self._db.snapshot():
            rows = self._db.query(
                "SELECT id, header FROM executions WHERE namespace = ? AND flow_id = ? AND state = ?"
                " ORDER BY start_date, seq LIMIT 1",
                (namespace, flow_id, State(state).value),
            )
            found = self._load([(r[0], r[1]) for r in rows])
        return found[0] if found else None

    def unfinished(self) -> list[Execution]:
        with self._db.snapshot():
            rows = self._db.query(
                f"SELECT id, header FROM executions WHERE state NOT IN ({', '.join('?' * len(_TERMINATED))})"
                " ORDER BY start_date, seq",
                _TERMINATED,
            )
            return self._load([(r[0], r[1]) for r in rows])
