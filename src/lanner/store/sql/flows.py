"""Flows table: append-only revisions; identical source adds no revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lanner.store.codec import child_namespaces_like, escape_like, from_micros, to_micros
from lanner.store.ports import StoredFlow
from lanner.store.sql.database import Database, Row

_COLUMNS = "namespace, id, revision, source, updated, deleted"


def _flow(row: Row) -> StoredFlow:
    return StoredFlow(row[0], row[1], int(row[2]), row[3], from_micros(row[4]), bool(row[5]))


class SqlFlowStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _latest(self, namespace: str, flow_id: str) -> StoredFlow | None:
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM flows WHERE namespace = ? AND id = ?"
            " ORDER BY revision DESC LIMIT 1",
            (namespace, flow_id),
        )
        return _flow(row) if row else None

    def save(self, namespace: str, flow_id: str, source: str, now: datetime) -> StoredFlow:
        with self._db.transaction():
            latest = self._latest(namespace, flow_id)
            if latest is not None and not latest.deleted and latest.source == source:
                return latest
            stored = StoredFlow(namespace, flow_id, latest.revision + 1 if latest else 1, source, now)
            self._db.execute(
                f"INSERT INTO flows ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (namespace, flow_id, stored.revision, source, to_micros(now), False),
            )
            return stored

    def get(self, namespace: str, flow_id: str, revision: int | None = None) -> StoredFlow | None:
        if revision is None:
            latest = self._latest(namespace, flow_id)
            return None if latest is None or latest.deleted else latest
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM flows WHERE namespace = ? AND id = ? AND revision = ?",
            (namespace, flow_id, revision),
        )
        return _flow(row) if row else None

    def revisions(self, namespace: str, flow_id: str) -> list[StoredFlow]:
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM flows WHERE namespace = ? AND id = ? ORDER BY revision",
            (namespace, flow_id),
        )
        return [_flow(row) for row in rows]

    def delete(self, namespace: str, flow_id: str, now: datetime) -> bool:
        with self._db.transaction():
            latest = self._latest(namespace, flow_id)
            if latest is None or latest.deleted:
                return False
            self._db.execute(
                "UPDATE flows SET deleted = ?, updated = ? WHERE namespace = ? AND id = ? AND revision = ?",
                (True, to_micros(now), namespace, flow_id, latest.revision),
            )
            return True

    def list(self, namespace: str | None = None, text: str | None = None) -> list[StoredFlow]:
        where = ["f.deleted = ?"]
        params: list[Any] = [False]
        if namespace is not None:
            where.append("(f.namespace = ? OR f.namespace LIKE ? ESCAPE '\\')")
            params += [namespace, child_namespaces_like(namespace)]
        if text:
            pattern = escape_like(text.lower())
            where.append("(lower(f.id) LIKE ? ESCAPE '\\' OR lower(f.namespace) LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        rows = self._db.query(
            f"SELECT {', '.join('f.' + c for c in _COLUMNS.split(', '))} FROM flows f"
            " JOIN (SELECT namespace, id, MAX(revision) AS revision FROM flows"
            "       GROUP BY namespace, id) latest"
            " ON f.namespace = latest.namespace AND f.id = latest.id AND f.revision = latest.revision"
            f" WHERE {' AND '.join(where)} ORDER BY f.namespace, f.id",
            params,
        )
        return [_flow(row) for row in rows]

