"""Kestra's ``tableDefinition`` (CreateTable) as BigQuery DDL, and a table as Kestra's output.

``tableDefinition`` follows Kestra's model: ``type`` (TABLE, VIEW, EXTERNAL), ``schema.fields``,
``standardTableDefinition.timePartitioning {type, field}`` / ``.clustering.fields``,
``viewDefinition.query``, ``externalTableDefinition {sourceUris, formatType, ignoreUnknownValues,
csvOptions}``. The local mode turns it into the equivalent ``CREATE`` statement, so both paths
share one implementation of tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from lanner.plugins.api import TaskFailure

from .bq_catalog import PartitionStats
from .bq_external import sql_string
from .bq_outputs import schema_columns
from .bq_schema import Column, TableInfo
from .bq_sql import TableRef


def _quoted(ref: TableRef) -> str:
    return f"`{ref.dataset}.{ref.table}`"


def _column_sql(column: Column) -> str:
    text = f"`{column.name}` {column.type}"
    if column.mode == "REQUIRED":
        text += " NOT NULL"
    if column.description:
        text += f" OPTIONS(description = {sql_string(column.description)})"
    return text


def _options_sql(options: dict[str, Any]) -> str:
    items = []
    for key, value in options.items():
        if value is None:
            continue
        if key == "labels" and isinstance(value, dict):
            pairs = ", ".join(f"({sql_string(str(k))}, {sql_string(str(v))})" for k, v in value.items())
            items.append(f"labels = [{pairs}]")
        elif isinstance(value, bool):
            items.append(f"{key} = {'TRUE' if value else 'FALSE'}")
        elif isinstance(value, int | float):
            items.append(f"{key} = {value}")
        elif isinstance(value, list):
            items.append(f"{key} = [{', '.join(sql_string(str(v)) for v in value)}]")
        else:
            items.append(f"{key} = {sql_string(str(value))}")
    return f" OPTIONS({', '.join(items)})" if items else ""


def definition_ddl(ref: TableRef, definition: dict[str, Any], options: dict[str, Any], *,
                   replace: bool) -> str:
    kind = str(definition.get("type") or "TABLE").upper()
    create = "CREATE OR REPLACE" if replace else "CREATE"
    schema = definition.get("schema") or {}
    columns = schema_columns(schema.get("fields") or []) if schema else []
    body = f" ({', '.join(_column_sql(c) for c in columns)})" if columns else ""
    if kind == "VIEW":
        query = (definition.get("viewDefinition") or {}).get("query")
        if not query:
            raise TaskFailure("tableDefinition of a VIEW needs viewDefinition.query")
        return f"{create} VIEW {_quoted(ref)}{_options_sql(options)} AS {query}"
    if kind == "EXTERNAL":
        external = definition.get("externalTableDefinition") or {}
        csv = external.get("csvOptions") or external.get("formatOptions") or {}
        settings = {
            "format": str(external.get("formatType") or external.get("format") or csv.get("type")
                          or "CSV").upper(),
            "uris": list(external.get("sourceUris") or []),
            "skip_leading_rows": csv.get("skipLeadingRows"), "field_delimiter": csv.get("fieldDelimiter"),
            "quote": csv.get("quote"), "allow_jagged_rows": csv.get("allowJaggedRows"),
            "ignore_unknown_values": external.get("ignoreUnknownValues"),
            "max_bad_records": external.get("maxBadRecords"), **options,
        }
        if not columns and external.get("schema"):
            columns = schema_columns(external["schema"].get("fields") or [])
            body = f" ({', '.join(_column_sql(c) for c in columns)})"
        return f"{create} EXTERNAL TABLE {_quoted(ref)}{body}{_options_sql(settings)}"
    if kind != "TABLE":
        raise TaskFailure(f"tableDefinition type {kind} is not supported by the BigQuery local mode "
                          "(supported: TABLE, VIEW, EXTERNAL)")
    if not columns:
        raise TaskFailure("tableDefinition of a TABLE needs schema.fields")
    standard = definition.get("standardTableDefinition") or {}
    partitioning = standard.get("timePartitioning") or definition.get("timePartitioning")
    clustering = (standard.get("clustering") or definition.get("clustering") or {}).get("fields")
    tail = ""
    if partitioning:
        field = partitioning.get("field")
        if not field:
            raise TaskFailure("Ingestion-time partitioning (timePartitioning without field) is not supported "
                              "by the BigQuery local mode")
        unit = str(partitioning.get("type") or "DAY").upper()
        column = next((c for c in columns if c.name.lower() == str(field).lower()), None)
        base = column.type.upper() if column else "TIMESTAMP"
        if base == "DATE":
            by = f"`{field}`" if unit == "DAY" else f"DATE_TRUNC(`{field}`, {unit})"
            tail = f" PARTITION BY {by}"
        elif base == "DATETIME":
            tail = f" PARTITION BY DATETIME_TRUNC(`{field}`, {unit})"
        else:
            tail = f" PARTITION BY TIMESTAMP_TRUNC(`{field}`, {unit})"
    if clustering:
        tail += " CLUSTER BY " + ", ".join(f"`{c}`" for c in clustering)
    return f"{create} TABLE {_quoted(ref)}{body}{tail}{_options_sql(options)}"


def _instant(epoch: float) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z") if epoch else None


def table_output(info: TableInfo, project: str | None,
                 partitions: Iterable[PartitionStats]) -> dict[str, Any]:
    """Kestra's table output (``AbstractTable.Output``) of a local table."""
    parts = list(partitions)
    rows = sum(p.rows for p in parts)
    size = sum(p.logical_bytes for p in parts)
    definition: dict[str, Any] = {"type": info.kind, "schema": {"fields": [c.api() for c in info.columns]}}
    if info.kind == "TABLE":
        standard: dict[str, Any] = {"numBytes": size, "numRows": rows}
        if info.partitioning:
            standard["timePartitioning"] = {"type": info.partitioning.unit, "field": info.partitioning.column}
            standard["numPartitions"] = len(parts)
        if info.clustering:
            standard["clustering"] = {"fields": list(info.clustering)}
        definition["standardTableDefinition"] = standard
    elif info.kind == "VIEW":
        definition["viewDefinition"] = {"query": info.view_query}
    else:
        external = info.external or {}
        definition["externalTableDefinition"] = {
            "sourceUris": external.get("uris"), "formatType": external.get("format"),
            "ignoreUnknownValues": external.get("ignore_unknown_values")}
    options = info.options or {}
    return {
        "projectId": project, "datasetId": info.dataset, "table": info.name,
        "friendlyName": options.get("friendly_name"), "description": options.get("description"),
        "labels": options.get("labels"), "requirePartitionFilter": options.get("require_partition_filter"),
        "creationTime": _instant(info.created),
        "lastModifiedTime": _instant(max([info.modified, *(p.modified for p in parts)])),
        "numBytes": size, "numRows": rows, "definition": definition,
    }
