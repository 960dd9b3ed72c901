"""Logs table: one row per line, ordered by an insertion sequence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lanner.model.execution import LogEntry, level_rank
from lanner.store.codec import child_namespaces_like, escape_like, log_from_json, log_json
from lanner.store.ports import LogQuery, Page
from lanner.store.sql.database import Database


class SqlLogStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, entries: Sequence[LogEntry]) -> None:
        if not entries:
            return
        rows = [
            (e.execution_id, level_rank(e.level), e.task_run_id, e.task_id, log_json(e)) for e in entries
        ]
        sql = "INSERT INTO logs (execution_id, level, task_run_id, task_id, entry) VALUES (?, ?, ?, ?, ?)"
        if len(rows) == 1:  # one statement is atomic by itself: no BEGIN/COMMIT round trips
            self._db.execute(sql, rows[0])
            return
        with self._db.transaction():
            self._db.execute_many(sql, rows)

    def for_execution(
        self,
        execution_id: str,
        min_level: str | None = None,
        task_run_id: str | None = None,
        task_id: str | None = None,
        after: int = 0,
    ) -> list[LogEntry]:
        where = ["execution_id = ?"]
        params: list[Any] = [execution_id]
        if min_level:
            where.append("level >= ?")
            params.append(level_rank(min_level))
        if task_run_id is not None:
            where.append("task_run_id = ?")
            params.append(task_run_id)
        if task_id is not None:
            where.append("task_id = ?")
            params.append(task_id)
        sql = f"SELECT entry FROM logs WHERE {' AND '.join(where)} ORDER BY seq"
        if after > 0:
            sql += " " + self._db.dialect.offset_only()
            params.append(after)
        return [log_from_json(row[0]) for row in self._db.query(sql, params)]

    def search(self, query: LogQuery) -> Page:
        where: list[str] = []
        params: list[Any] = []
        if query.namespace is not None:
            where.append("(e.namespace = ? OR e.namespace LIKE ? ESCAPE '\\')")
            params += [query.namespace, child_namespaces_like(query.namespace)]
        if query.flow_id is not None:
            where.append("e.flow_id = ?")
            params.append(query.flow_id)
        if query.min_level:
            where.append("l.level >= ?")
            params.append(level_rank(query.min_level))
        if query.text:
            where.append(f"LOWER({self._db.dialect.json_text('l.entry', 'message')}) LIKE ? ESCAPE '\\'")
            params.append(escape_like(query.text.lower()))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        source = f"FROM logs l JOIN executions e ON e.id = l.execution_id{clause}"
        total = self._db.query(f"SELECT COUNT(*) {source}", params)
        offset = (max(query.page, 1) - 1) * query.size
        rows = self._db.query(f"SELECT l.entry {source} ORDER BY l.seq DESC LIMIT ? OFFSET ?",
                              [*params, query.size, offset])
        return Page([log_from_json(row[0]) for row in rows], int(total[0][0]) if total else 0)

    def delete_execution(self, execution_id: str) -> int:
        return self._db.execute("DELETE FROM logs WHERE execution_id = ?", (execution_id,))
