"""What the local warehouse knows beyond DuckDB's own catalog, kept inside the warehouse file.

A BigQuery dataset is a DuckDB schema; the project is not part of the name (one warehouse holds
one project's datasets: ``p1.d.t`` and ``p2.d.t`` are the same table locally). Beside the data,
the schema ``_lanner_bq`` holds:

- ``datasets``: location, description, labels... of each dataset;
- ``tables``: each table's BigQuery description (``TableInfo`` as JSON): BigQuery types and
  column descriptions, partitioning, clustering, external-table options, view SQL;
- ``partitions``: one row per partition of each table with its row count and the logical bytes
  of each column. This is what the bytes-processed figure of a query is computed from (BigQuery
  computes it from the same kind of metadata, before reading anything), and what
  ``INFORMATION_SCHEMA.PARTITIONS`` shows. It is updated in the transaction of every write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from .bq_schema import TableInfo, logical_size_sql, quote

META = "_lanner_bq"
UNPARTITIONED = ""  # the partition id of the single "partition" of a non-partitioned table

_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {META}",
    f"CREATE TABLE IF NOT EXISTS {META}.datasets (dataset VARCHAR, project VARCHAR, info JSON, "
    "created DOUBLE, modified DOUBLE)",
    f"CREATE TABLE IF NOT EXISTS {META}.tables (dataset VARCHAR, name VARCHAR, kind VARCHAR, info JSON)",
    f"CREATE TABLE IF NOT EXISTS {META}.partitions (dataset VARCHAR, name VARCHAR, partition_id VARCHAR, "
    "total_rows BIGINT, logical_bytes BIGINT, column_bytes JSON, modified DOUBLE)",
)


@dataclass(frozen=True)
class PartitionStats:
    partition_id: str
    rows: int
    column_bytes: dict[str, int]  # lower-case column name -> logical bytes
    modified: float

    @property
    def logical_bytes(self) -> int:
        return sum(self.column_bytes.values())


class Catalog:
    """Reads and writes the ``_lanner_bq`` tables on one open connection."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self._tables: dict[tuple[str, str], TableInfo | None] = {}

    def ensure(self) -> None:
        exists = self.conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'partitions'",
            [META]).fetchone()
        if exists and exists[0]:
            return
        for statement in _DDL:
            self.conn.execute(statement)

    def forget(self) -> None:
        """Drop the per-statement cache (after a rollback)."""
        self._tables.clear()

    # ---- datasets ------------------------------------------------------------------------------

    def dataset(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute(f"SELECT project, info, created, modified FROM {META}.datasets "
                                "WHERE dataset = ?", [name]).fetchone()
        if row is not None:
            info = json.loads(row[1]) if row[1] else {}
            return {**info, "dataset": name, "project": row[0], "created": row[2], "modified": row[3]}
        if self._schema_exists(name):  # a schema made by hand in the warehouse is a dataset too
            return {"dataset": name, "project": None, "created": None, "modified": None}
        return None

    def _schema_exists(self, name: str) -> bool:
        row = self.conn.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ? "
                                "AND database_name = current_database()", [name]).fetchone()
        return bool(row and row[0])

    def datasets(self) -> list[str]:
        rows = self.conn.execute("SELECT schema_name FROM duckdb_schemas() WHERE database_name = "
                                 "current_database() AND NOT internal AND schema_name NOT IN (?, 'main') "
                                 "ORDER BY 1", [META]).fetchall()
        return [r[0] for r in rows]

    def put_dataset(self, name: str, project: str | None, info: dict[str, Any]) -> dict[str, Any]:
        now = time.time()
        old = self.dataset(name)
        created = (old or {}).get("created") or now
        self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(name)}")
        self.conn.execute(f"DELETE FROM {META}.datasets WHERE dataset = ?", [name])
        clean = {k: v for k, v in info.items() if v is not None}
        self.conn.execute(f"INSERT INTO {META}.datasets VALUES (?, ?, ?, ?, ?)",
                          [name, project, json.dumps(clean, default=str), created, now])
        return {**clean, "dataset": name, "project": project, "created": created, "modified": now}

    def drop_dataset(self, name: str) -> None:
        self.conn.execute(f"DROP SCHEMA IF EXISTS {quote(name)} CASCADE")
        for table in ("datasets", "tables", "partitions"):
            self.conn.execute(f"DELETE FROM {META}.{table} WHERE dataset = ?", [name])
        self._tables = {k: v for k, v in self._tables.items() if k[0] != name}

    # ---- tables --------------------------------------------------------------------------------

    def table(self, dataset: str, name: str) -> TableInfo | None:
        key = (dataset, name)
        if key not in self._tables:
            self._tables[key] = self._load_table(dataset, name)
        return self._tables[key]

    def _load_table(self, dataset: str, name: str) -> TableInfo | None:
        row = self.conn.execute(f"SELECT info FROM {META}.tables WHERE dataset = ? AND name = ?",
                                [dataset, name]).fetchone()
        if row is None:  # BigQuery table names are case-sensitive; a near miss is still a miss
            return self._adopt(dataset, name)
        return TableInfo.from_json(row[0])

    def _adopt(self, dataset: str, name: str) -> TableInfo | None:
        """A DuckDB table made by hand in a dataset schema is a plain table to BigQuery."""
        from .bq_schema import Column, bq_type_of_duck

        rows = self.conn.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ? ORDER BY column_index", [dataset, name]).fetchall()
        if not rows or dataset == META:
            return None
        columns = tuple(Column(r[0], bq_type_of_duck(r[1])) for r in rows)
        info = TableInfo(dataset, name, columns=columns, created=time.time(), modified=time.time())
        self.put_table(info)
        self.recompute_stats(info)
        return info

    def tables(self, dataset: str | None = None) -> list[TableInfo]:
        if dataset is None:
            rows = self.conn.execute(f"SELECT info FROM {META}.tables ORDER BY dataset, name").fetchall()
        else:
            rows = self.conn.execute(f"SELECT info FROM {META}.tables WHERE dataset = ? ORDER BY name",
                                     [dataset]).fetchall()
        return [TableInfo.from_json(r[0]) for r in rows]

    def put_table(self, info: TableInfo) -> None:
        self.conn.execute(f"DELETE FROM {META}.tables WHERE dataset = ? AND name = ?",
                          [info.dataset, info.name])
        self.conn.execute(f"INSERT INTO {META}.tables VALUES (?, ?, ?, ?)",
                          [info.dataset, info.name, info.kind, info.to_json()])
        self._tables[(info.dataset, info.name)] = info

    def drop_table(self, dataset: str, name: str) -> None:
        info = self.table(dataset, name)
        if info is not None and info.kind == "TABLE":
            self.conn.execute(f"DROP TABLE IF EXISTS {quote(dataset)}.{quote(name)}")
        for table in ("tables", "partitions"):
            self.conn.execute(f"DELETE FROM {META}.{table} WHERE dataset = ? AND name = ?", [dataset, name])
        self._tables[(dataset, name)] = None

    # ---- partition statistics ------------------------------------------------------------------

    def partitions(self, dataset: str, name: str) -> list[PartitionStats]:
        rows = self.conn.execute(
            f"SELECT partition_id, total_rows, column_bytes, modified FROM {META}.partitions "
            "WHERE dataset = ? AND name = ? ORDER BY partition_id", [dataset, name]).fetchall()
        return [PartitionStats(r[0], int(r[1]), json.loads(r[2]), float(r[3])) for r in rows]

    def recompute_stats(self, info: TableInfo, *, since_rowid: int | None = None) -> None:
        """Statistics of the whole table; or, with ``since_rowid``, add those of the rows appended
        after that row id (an INSERT or an insert-only MERGE) to the stored ones."""
        fresh = self._measure(info, since_rowid)
        now = time.time()
        if since_rowid is None:
            self.conn.execute(f"DELETE FROM {META}.partitions WHERE dataset = ? AND name = ?",
                              [info.dataset, info.name])
            merged = fresh
        else:
            old = {p.partition_id: p for p in self.partitions(info.dataset, info.name)}
            merged = []
            for part in fresh:
                before = old.get(part.partition_id)
                if before is not None:
                    sizes = dict(before.column_bytes)
                    for column, size in part.column_bytes.items():
                        sizes[column] = sizes.get(column, 0) + size
                    part = PartitionStats(part.partition_id, before.rows + part.rows, sizes, now)
                merged.append(part)
            if merged:
                self.conn.execute(
                    f"DELETE FROM {META}.partitions WHERE dataset = ? AND name = ? AND partition_id IN "
                    f"({', '.join('?' for _ in merged)})", [info.dataset, info.name,
                                                           *(p.partition_id for p in merged)])
        self._insert_stats(info, merged, now)

    def _insert_stats(self, info: TableInfo, parts: Iterable[PartitionStats], now: float) -> None:
        rows = [[info.dataset, info.name, p.partition_id, p.rows, p.logical_bytes,
                 json.dumps(p.column_bytes), now] for p in parts]
        if rows:
            self.conn.executemany(f"INSERT INTO {META}.partitions VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def _measure(self, info: TableInfo, since_rowid: int | None) -> list[PartitionStats]:
        if info.kind != "TABLE" or not info.columns:
            return []
        part = info.partitioning
        start = part.start_sql(quote(part.column)) if part else f"'{UNPARTITIONED}'"
        partition_id = part.id_sql("_start") if part else "_start"
        sizes = ", ".join(f"{logical_size_sql(quote(c.name), c.type)} AS _size{i}"
                          for i, c in enumerate(info.columns))
        where = f" WHERE rowid > {int(since_rowid)}" if since_rowid is not None else ""
        rows = self.conn.execute(
            f"SELECT {partition_id} AS pid, * EXCLUDE (_start) FROM (SELECT {start} AS _start, "
            f"count(*) AS _rows, {sizes} FROM {quote(info.dataset)}.{quote(info.name)}{where} "
            "GROUP BY ALL)").fetchall()
        now = time.time()
        names = [c.name.lower() for c in info.columns]
        return [PartitionStats(str(r[0]), int(r[1]),
                               {n: int(v or 0) for n, v in zip(names, r[2:], strict=True)}, now)
                for r in rows]

    def max_rowid(self, dataset: str, name: str) -> int:
        sql = f"SELECT coalesce(max(rowid), -1) FROM {quote(dataset)}.{quote(name)}"
        row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row else -1
