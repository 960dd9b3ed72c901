"""KV table: one row per (namespace, key); values are JSON text."""

from __future__ import annotations

from lanner.store.codec import dumps, from_micros, loads, opt_from_micros, opt_micros, to_micros
from lanner.store.ports import KVEntry
from lanner.store.sql.database import Database, Row

_COLUMNS = "namespace, key, value, type, description, creation_date, update_date, expiration_date"


def _entry(row: Row) -> KVEntry:
    return KVEntry(
        namespace=row[0],
        key=row[1],
        value=loads(row[2]),
        type=row[3],
        description=row[4],
        creation_date=from_micros(row[5]),
        update_date=from_micros(row[6]),
        expiration_date=opt_from_micros(row[7]),
    )


class SqlKVStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, entry: KVEntry) -> None:
        # One statement: atomic by itself, no BEGIN/COMMIT round trips.
        self._db.execute(
            f"INSERT INTO kv ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,"
            " type = excluded.type, description = excluded.description,"
            " creation_date = excluded.creation_date, update_date = excluded.update_date,"
            " expiration_date = excluded.expiration_date",
            (
                entry.namespace,
                entry.key,
                dumps(entry.value),
                entry.type,
                entry.description,
                to_micros(entry.creation_date),
                to_micros(entry.update_date),
                opt_micros(entry.expiration_date),
            ),
        )

    def get(self, namespace: str, key: str) -> KVEntry | None:
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM kv WHERE namespace = ? AND key = ?", (namespace, key)
        )
        return _entry(row) if row else None

    def delete(self, namespace: str, key: str) -> bool:
        return self._db.execute("DELETE FROM kv WHERE namespace = ? AND key = ?", (namespace, key)) > 0

    def list(self, namespace: str) -> list[KVEntry]:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM kv WHERE namespace = ? ORDER BY key", (namespace,))
        return [_entry(row) for row in rows]
