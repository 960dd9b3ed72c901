"""``INFORMATION_SCHEMA`` views of the local warehouse, as DuckDB queries on its metadata.

Supported: ``PARTITIONS`` (one row per partition: ``partition_id`` ``YYYYMMDD``..., ``NULL`` for a
non-partitioned table, ``__NULL__`` for rows whose partition value is NULL; ``total_rows``,
``total_logical_bytes``, ``last_modified_time``), ``TABLES``, ``COLUMNS`` and ``SCHEMATA``, for
one dataset (``dataset.INFORMATION_SCHEMA.X``) or all (``region-xx.INFORMATION_SCHEMA.X``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from lanner.plugins.api import TaskFailure

from .bq_catalog import META
from .bq_external import sql_string
from .bq_sql import information_schema_view

if TYPE_CHECKING:
    from .bq_engine import Engine

SUPPORTED = ("PARTITIONS", "TABLES", "COLUMNS", "SCHEMATA")


def information_schema_sql(engine: Engine, table: exp.Table) -> str:
    dataset, view = information_schema_view(table)
    if view not in SUPPORTED:
        raise TaskFailure(f"INFORMATION_SCHEMA.{view or '?'} is not supported by the BigQuery local mode "
                          f"(supported: {', '.join(SUPPORTED)})")
    project = sql_string(engine.names.project or "local")
    where = f" WHERE dataset = {sql_string(dataset)}" if dataset else ""
    if view == "PARTITIONS":
        return (f"SELECT {project} AS table_catalog, dataset AS table_schema, name AS table_name, "
                "nullif(partition_id, '') AS partition_id, total_rows, logical_bytes AS total_logical_bytes, "
                "logical_bytes AS total_billable_bytes, to_timestamp(modified) AS last_modified_time, "
                f"'ACTIVE' AS storage_tier FROM {META}.partitions{where}")
    if view == "TABLES":
        return (f"SELECT {project} AS table_catalog, dataset AS table_schema, name AS table_name, "
                "CASE kind WHEN 'TABLE' THEN 'BASE TABLE' ELSE kind END AS table_type, "
                "CASE kind WHEN 'TABLE' THEN 'YES' ELSE 'NO' END AS is_insertable_into, "
                "to_timestamp(CAST(info->>'created' AS DOUBLE)) AS creation_time "
                f"FROM {META}.tables{where}")
    if view == "SCHEMATA":
        names = [dataset] if dataset else engine.catalog.datasets()
        rows = []
        for name in names:
            found = engine.catalog.dataset(name) or {}
            rows.append(f"({project}, {sql_string(name)}, {sql_string(str(found.get('location') or 'US'))}, "
                        f"to_timestamp({float(found.get('created') or 0)}))")
        return _values(rows, "catalog_name VARCHAR, schema_name VARCHAR, location VARCHAR, "
                             "creation_time TIMESTAMPTZ")
    rows = []
    for info in engine.catalog.tables(dataset):
        partition = info.partitioning.column.lower() if info.partitioning else None
        clustered = [c.lower() for c in info.clustering]
        for position, column in enumerate(info.columns, start=1):
            name = column.name.lower()
            cluster = str(clustered.index(name) + 1) if name in clustered else "NULL"
            nullable = sql_string("NO" if column.mode == "REQUIRED" else "YES")
            partitioning = sql_string("YES" if name == partition else "NO")
            rows.append(f"({project}, {sql_string(info.dataset)}, {sql_string(info.name)}, "
                        f"{sql_string(column.name)}, {position}, {nullable}, {sql_string(column.type)}, "
                        f"{partitioning}, {cluster})")
    return _values(rows, "table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, "
                         "column_name VARCHAR, ordinal_position BIGINT, is_nullable VARCHAR, "
                         "data_type VARCHAR, is_partitioning_column VARCHAR, "
                         "clustering_ordinal_position BIGINT")


def _values(rows: list[str], columns: str) -> str:
    pairs = [c.strip().rsplit(" ", 1) for c in columns.split(",")]
    names = ", ".join(name for name, _ in pairs)
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in pairs)
        return f"SELECT {nulls} WHERE false"
    casts = ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in pairs)
    return f"SELECT {casts} FROM (VALUES {', '.join(rows)}) AS v({names})"
