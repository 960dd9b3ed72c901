"""Metrics table: one row per reported value, ordered by an insertion sequence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lanner.model.metric import METRIC_AGGREGATIONS, MetricAggregate, MetricRecord
from lanner.store.codec import dumps, from_micros, loads, to_micros
from lanner.store.ports import MetricQuery, Page
from lanner.store.sql.database import Database

_COLUMNS = "namespace, flow_id, task_id, execution_id, task_run_id, type, name, value, reported_at, tags"
# Sort fields (``METRIC_SORT_FIELDS``) -> columns: never a caller's text in the SQL.
_SORT_COLUMNS = {"timestamp": "reported_at", "name": "name", "value": "value", "type": "type",
                 "taskId": "task_id"}
_AGGREGATES = {"sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX"}
assert set(_AGGREGATES) == set(METRIC_AGGREGATIONS)
_DAY_MICROS = 86_400_000_000


def _record(row: Sequence[Any]) -> MetricRecord:
    return MetricRecord(
        namespace=row[0], flow_id=row[1], task_id=row[2], execution_id=row[3], task_run_id=row[4],
        type=row[5], name=row[6], value=float(row[7]), timestamp=from_micros(int(row[8])),
        tags=loads(row[9]),
    )


class SqlMetricStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, entries: Sequence[MetricRecord]) -> None:
        if not entries:
            return
        rows = [(m.namespace, m.flow_id, m.task_id, m.execution_id, m.task_run_id, m.type, m.name,
                 m.value, to_micros(m.timestamp), dumps(dict(m.tags))) for m in entries]
        sql = f"INSERT INTO metrics ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        if len(rows) == 1:  # one statement is atomic by itself: no BEGIN/COMMIT round trips
            self._db.execute(sql, rows[0])
            return
        with self._db.transaction():
            self._db.execute_many(sql, rows)

    def for_execution(self, query: MetricQuery) -> Page:
        column = _SORT_COLUMNS.get(query.sort_by)
        if column is None:
            raise ValueError(f"cannot sort metrics by '{query.sort_by}'")
        where = ["execution_id = ?"]
        params: list[Any] = [query.execution_id]
        if query.task_run_id is not None:
            where.append("task_run_id = ?")
            params.append(query.task_run_id)
        if query.task_id is not None:
            where.append("task_id = ?")
            params.append(query.task_id)
        clause = " AND ".join(where)
        direction = "DESC" if query.sort_desc else "ASC"
        offset = (max(query.page, 1) - 1) * query.size
        with self._db.snapshot():  # the page and its total from the same state
            total = self._db.query(f"SELECT COUNT(*) FROM metrics WHERE {clause}", params)
            rows = self._db.query(
                f"SELECT {_COLUMNS} FROM metrics WHERE {clause} "
                f"ORDER BY {column} {direction}, seq {direction} LIMIT ? OFFSET ?",
                [*params, query.size, offset])
        return Page([_record(row) for row in rows], int(total[0][0]) if total else 0)

    def names(self, namespace: str, flow_id: str, task_id: str | None = None) -> list[str]:
        sql = "SELECT DISTINCT name FROM metrics WHERE namespace = ? AND flow_id = ?"
        params: list[Any] = [namespace, flow_id]
        if task_id is not None:
            sql += " AND task_id = ?"
            params.append(task_id)
        return [str(row[0]) for row in self._db.query(sql + " ORDER BY name", params)]

    def task_ids(self, namespace: str, flow_id: str) -> list[str]:
        rows = self._db.query("SELECT DISTINCT task_id FROM metrics WHERE namespace = ? AND flow_id = ? "
                              "ORDER BY task_id", (namespace, flow_id))
        return [str(row[0]) for row in rows]

    def aggregate(self, namespace: str, flow_id: str, name: str, aggregation: str,
                  start: datetime, end: datetime, task_id: str | None = None) -> list[MetricAggregate]:
        function = _AGGREGATES.get(aggregation)
        if function is None:
            raise ValueError(f"unknown aggregation '{aggregation}' "
                             f"(expected one of {', '.join(METRIC_AGGREGATIONS)})")
        where = "namespace = ? AND flow_id = ? AND name = ? AND reported_at >= ? AND reported_at <= ?"
        params: list[Any] = [namespace, flow_id, name, to_micros(start), to_micros(end)]
        if task_id is not None:
            where += " AND task_id = ?"
            params.append(task_id)
        # Integer division of epoch microseconds: the UTC day, the same in every database.
        rows = self._db.query(
            f"SELECT reported_at / {_DAY_MICROS} AS day, {function}(value) FROM metrics "
            f"WHERE {where} GROUP BY day ORDER BY day", params)
        return [MetricAggregate(name, float(row[1]), from_micros(int(row[0]) * _DAY_MICROS))
                for row in rows]

    def delete_execution(self, execution_id: str) -> int:
        return self._db.execute("DELETE FROM metrics WHERE execution_id = ?", (execution_id,))
