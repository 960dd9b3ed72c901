"""Small pieces shared by the local and cloud BigQuery backends: metrics, load options, sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lanner.plugins.api import RunContext, TaskFailure

from .bq_schema import Column, Partitioning, TableInfo, bq_type_name, parse_type

if TYPE_CHECKING:
    from .bigquery import _Load

_LEGACY_TYPES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "RECORD": "STRUCT"}


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def billed_bytes(processed: int) -> int:
    """On-demand billing: at least 10 MB per query that reads data, rounded up to the MB."""
    if processed <= 0:
        return 0
    mb = 1024 * 1024
    return max(10 * mb, -(-processed // mb) * mb)


def query_metrics(ctx: RunContext, processed: int, affected: int | None, statement_type: str,
                  size: int | None) -> None:
    tags = {"statementType": statement_type}
    ctx.metric("total.bytes.processed", processed, tags=tags)
    ctx.metric("total.bytes.billed", billed_bytes(processed), tags=tags)
    if affected is not None:
        ctx.metric("num.dml.affected.rows", affected, tags=tags)
    if size is not None:
        ctx.metric("fetch.size", size)


def destination_partitioning(field: str | None, unit: str | None) -> Partitioning | None:
    if not field:
        return None
    return Partitioning(field, (unit or "DAY").upper())  # type: ignore[arg-type]


def schema_columns(fields: Any) -> list[Column]:
    """Columns of a BigQuery schema given as ``[{name, type, mode, description, fields}]``."""
    if not isinstance(fields, list):
        raise TaskFailure("`schema.fields` must be a list of {name, type, mode, description}")
    return [Column(str(f["name"]), field_type(f), _mode(f), f.get("description")) for f in fields]


def field_type(field: Any) -> str:
    if not isinstance(field, dict) or not field.get("name"):
        raise TaskFailure(f"Invalid schema field {field!r}: expected {{name, type}}")
    raw = str(field.get("type") or "STRING").upper()
    raw = _LEGACY_TYPES.get(raw, raw)
    if raw == "STRUCT" and field.get("fields"):
        inner = ", ".join(f"{sub['name']} {field_type(sub)}" for sub in field["fields"])
        raw = f"STRUCT<{inner}>"
    if _mode(field) == "REPEATED":
        raw = f"ARRAY<{raw}>"
    return bq_type_name(parse_type(raw))


def _mode(field: dict[str, Any]) -> Any:
    mode = str(field.get("mode") or "NULLABLE").upper()
    return mode if mode in ("NULLABLE", "REQUIRED", "REPEATED") else "NULLABLE"


def load_external_options(task: _Load, ctx: RunContext) -> dict[str, Any]:
    """The ``external`` options of ``bq_external`` for a load job's properties."""
    fmt = (task.rendered(ctx, task.format) or "CSV").upper()
    if fmt in ("AVRO", "ORC", "DATASTORE_BACKUP"):
        raise TaskFailure(f"Load format {fmt} is not supported by the BigQuery local mode "
                          "(supported: CSV, NEWLINE_DELIMITED_JSON, PARQUET)")
    csv = ctx.render(task.csvOptions) if task.csvOptions else {}
    options: dict[str, Any] = {"format": "NEWLINE_DELIMITED_JSON" if fmt == "JSON" else fmt}
    if fmt == "CSV":
        skip = csv.get("skipLeadingRows")
        options.update({
            "skip_leading_rows": int(skip) if skip is not None else None,
            "field_delimiter": csv.get("fieldDelimiter"), "quote": csv.get("quote"),
            "allow_jagged_rows": csv.get("allowJaggedRows"), "encoding": csv.get("encoding"),
            "ignore_unknown_values": task.ignoreUnknownValues, "max_bad_records": task.maxBadRecords,
        })
    return {k: v for k, v in options.items() if v is not None}


def load_columns(task: _Load, ctx: RunContext, existing: TableInfo | None) -> tuple[Column, ...]:
    schema = ctx.render(task.schema_) if task.schema_ else None
    if schema:
        fields = schema.get("fields") if isinstance(schema, dict) else schema
        return tuple(schema_columns(fields))
    if existing is not None and not task.autodetect:
        return existing.columns
    return ()
