"""The parts of BigQuery DDL the local warehouse keeps: columns with their OPTIONS(description),
``PARTITION BY``, ``CLUSTER BY`` and table/external ``OPTIONS(...)`` (read from sqlglot's tree)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from lanner.plugins.api import TaskFailure

from .bq_schema import Column, Partitioning, PartitionUnit, bq_type_name

_UNITS: tuple[PartitionUnit, ...] = ("HOUR", "DAY", "MONTH", "YEAR")
_TIME_TYPES = ("TIMESTAMP", "DATE", "DATETIME")


@dataclass
class TableSpec:
    columns: list[Column] = field(default_factory=list)  # declared ones (may be empty)
    partition: exp.Expr | None = None
    clustering: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    external: bool = False
    unsupported: str | None = None


def literal(node: exp.Expr | None) -> Any:
    """The Python value of a constant of an OPTIONS list (strings, numbers, booleans, arrays)."""
    if node is None or isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = str(node.this)
        return float(text) if any(ch in text for ch in ".eE") else int(text)
    if isinstance(node, exp.Neg):
        value = literal(node.this)
        return -value if isinstance(value, int | float) else value
    if isinstance(node, exp.Array | exp.Tuple):
        return [literal(e) for e in node.expressions]
    if isinstance(node, exp.Cast):  # TIMESTAMP '...', DATE '...'
        return literal(node.this)
    if isinstance(node, exp.Paren):
        return literal(node.this)
    return node.sql("bigquery")


def options_of(properties: exp.Properties | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop in properties.expressions if properties else []:
        if isinstance(prop, exp.LocationProperty):
            out["location"] = literal(prop.this)
        elif type(prop) is exp.Property:
            out[prop.name.lower()] = literal(prop.args.get("value"))
    labels = out.get("labels")
    if isinstance(labels, list):
        out["labels"] = {str(p[0]): str(p[1]) for p in labels if isinstance(p, list) and len(p) == 2}
    return out


def column_of(definition: exp.ColumnDef) -> Column:
    kind = definition.args.get("kind")
    if not isinstance(kind, exp.DataType):
        raise TaskFailure(f"Column {definition.name} has no type")
    description = None
    mode = "NULLABLE"
    for constraint in definition.args.get("constraints") or []:
        inner = constraint.args.get("kind")
        if isinstance(inner, exp.Properties):
            description = options_of(inner).get("description")
        elif isinstance(inner, exp.NotNullColumnConstraint) and not inner.args.get("allow_null"):
            mode = "REQUIRED"
    type_name = bq_type_name(kind)
    if kind.this == exp.DataType.Type.ARRAY:
        mode = "REPEATED"
    return Column(definition.name, type_name, mode,  # type: ignore[arg-type]
                  str(description) if description is not None else None)


def table_spec(create: exp.Create) -> TableSpec:
    spec = TableSpec()
    target = create.this
    if isinstance(target, exp.Schema):
        spec.columns = [column_of(c) for c in target.expressions if isinstance(c, exp.ColumnDef)]
    if create.args.get("clone") is not None:
        spec.unsupported = "CREATE TABLE ... CLONE/COPY"
    properties = create.args.get("properties")
    rest = []
    for prop in properties.expressions if properties else []:
        if isinstance(prop, exp.PartitionedByProperty):
            spec.partition = prop.this
        elif isinstance(prop, exp.ClusterProperty):
            spec.clustering = [e.name for e in prop.expressions]
        elif isinstance(prop, exp.ExternalProperty):
            spec.external = True
        elif isinstance(prop, exp.LikeProperty):
            spec.unsupported = "CREATE TABLE ... LIKE"
        elif isinstance(prop, exp.TemporaryProperty):
            spec.unsupported = "Temporary tables (CREATE TEMP TABLE)"
        elif isinstance(prop, exp.WithDataProperty | exp.PartitionedOfProperty):
            spec.unsupported = prop.sql("bigquery")
        elif isinstance(prop, exp.FileFormatProperty | exp.Property | exp.LocationProperty):
            rest.append(prop)
    spec.options = options_of(exp.Properties(expressions=rest))
    return spec


def partitioning_of(node: exp.Expr | None, types: dict[str, str]) -> Partitioning | None:
    """``PARTITION BY`` as a time-unit partitioning; ``types``: lower-case column -> BigQuery type."""
    if node is None:
        return None
    text = node.sql("bigquery")
    if isinstance(node, exp.Column | exp.Identifier):
        name = node.name
        if name.upper() in ("_PARTITIONDATE", "_PARTITIONTIME"):
            raise TaskFailure(f"Ingestion-time partitioning (PARTITION BY {name}) is not supported by the "
                              "BigQuery local mode: partition by a DATE/TIMESTAMP column")
        return _checked(name, "DAY", types, text, date_only=True)
    column = node.this if isinstance(node, exp.Func | exp.Cast) else None
    if not isinstance(column, exp.Column):
        raise TaskFailure(f"PARTITION BY {text} is not supported by the BigQuery local mode (supported: "
                          "a DATE column, DATE(col), TIMESTAMP_TRUNC/DATETIME_TRUNC/DATE_TRUNC(col, unit))")
    if isinstance(node, exp.Date | exp.TsOrDsToDate) or (
            isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.DATE):
        return _checked(column.name, "DAY", types, text)
    if isinstance(node, exp.TimestampTrunc | exp.DatetimeTrunc | exp.DateTrunc):
        unit_node = node.args.get("unit")
        unit = (unit_node.name if unit_node is not None else "").upper()
        if unit not in _UNITS:
            raise TaskFailure(f"PARTITION BY {text}: unit {unit or '?'} is not one of HOUR, DAY, MONTH, YEAR")
        return _checked(column.name, unit, types, text)
    raise TaskFailure(f"PARTITION BY {text} is not supported by the BigQuery local mode "
                      "(integer-range partitioning included)")


def _checked(column: str, unit: PartitionUnit, types: dict[str, str], text: str,
             date_only: bool = False) -> Partitioning:
    kind = types.get(column.lower())
    if kind is None:
        raise TaskFailure(f"PARTITION BY {text}: the table has no column {column}")
    base = kind.split("(", 1)[0].upper()
    if date_only and base != "DATE":
        raise TaskFailure(f"PARTITION BY {text}: partitioning by a {base} column needs DATE({column}) or "
                          f"TIMESTAMP_TRUNC({column}, unit)")
    if base not in _TIME_TYPES:
        raise TaskFailure(f"PARTITION BY {text}: column {column} is {base}, not DATE, DATETIME or TIMESTAMP")
    if unit == "HOUR" and base == "DATE":
        raise TaskFailure(f"PARTITION BY {text}: a DATE column cannot be partitioned by HOUR")
    return Partitioning(column=column, unit=unit)


def clustering_of(columns: list[str], types: dict[str, str]) -> tuple[str, ...]:
    if len(columns) > 4:
        raise TaskFailure("CLUSTER BY takes at most 4 columns")
    for name in columns:
        if name.lower() not in types:
            raise TaskFailure(f"CLUSTER BY: the table has no column {name}")
    return tuple(columns)
