"""How many bytes a statement processes, computed the way BigQuery bills on-demand queries.

BigQuery charges for the columns a query references, over the partitions it cannot prune,
and computes the figure from metadata before reading anything (which is why a dry run knows
it). The local warehouse does the same from its per-partition statistics (``bq_catalog``):

- a table read costs, for each column the statement references, the logical bytes of that column
  in the partitions that survive the filters on the partition column (``SELECT *`` references
  every column, ``COUNT(*)`` none). Filters prune when they compare the partition column, or
  ``DATE()`` / ``TIMESTAMP_TRUNC()`` / ``CAST(... AS DATE)`` of it, to constants (``=``, ``<``,
  ``BETWEEN``, ``IN``, ``IS NULL``, ``AND``/``OR``) in the ``WHERE`` of the query block that reads
  the table or in the ``ON`` of an inner join;
- an external table costs the size of its files (CSV and JSON are read whole);
- an ``INFORMATION_SCHEMA`` view costs 10 MB, BigQuery's minimum for them;
- a view costs what its query costs;
- DML follows BigQuery's DML pricing: INSERT and insert-only MERGE cost what they read (``q``);
  UPDATE, DELETE and MERGE with UPDATE/DELETE clauses add every column of the target's scanned
  partitions (``q + t``); DDL without a query costs nothing.

Clustering is not counted: the local warehouse sorts a clustered table's rows by its
clustering columns (so DuckDB's min/max indexes skip row groups), but the figure reported is the
partition-pruned one — which is also what BigQuery's dry run reports for a clustered table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.pushdown_projections import pushdown_projections
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from .bq_catalog import Catalog, PartitionStats
from .bq_schema import Partitioning, PartitionUnit, TableInfo, truncate
from .bq_sql import Names, TableRef, is_information_schema, is_insert_only, is_insert_row, merge_clauses

INFORMATION_SCHEMA_BYTES = 10 * 1024 * 1024
_RANK: dict[str, int] = {"HOUR": 0, "DAY": 1, "MONTH": 2, "YEAR": 3}
_MAX_VIEW_DEPTH = 16

_log = logging.getLogger(__name__)

Evaluate = Callable[[exp.Expr], datetime | None]


class BytesModel:
    """Bytes processed by statements, against one session's catalog."""

    def __init__(self, catalog: Catalog, names: Names, evaluate: Evaluate,
                 external_bytes: Callable[[TableInfo], int], parse: Callable[[str], exp.Expr]) -> None:
        self.catalog = catalog
        self.names = names
        self.evaluate = evaluate
        self.external_bytes = external_bytes
        self.parse = parse
        self._depth = 0

    # ---- statements ----------------------------------------------------------------------------

    def statement(self, node: exp.Expr) -> int:
        if isinstance(node, exp.Query):
            return self.query(node)
        if isinstance(node, exp.Create):
            body = node.expression
            is_table = str(node.args.get("kind")).upper() == "TABLE"
            return self.query(body) if isinstance(body, exp.Query) and is_table else 0
        if isinstance(node, exp.Insert):
            body = node.expression
            return self.query(body) if isinstance(body, exp.Query) else self._subqueries(body)
        if isinstance(node, exp.Update | exp.Delete):
            return self._update_delete(node)
        if isinstance(node, exp.Merge):
            return self._merge(node)
        return 0

    def _update_delete(self, node: exp.Update | exp.Delete) -> int:
        target = node.this
        if not isinstance(target, exp.Table):
            return 0
        info = self._info(self.names.ref(target))
        conditions = _conjuncts(node.args.get("where"))
        alias = target.alias_or_name
        total = self._subqueries(node.args.get("where")) + sum(self._subqueries(e) for e in node.expressions)
        if info is not None:
            columns = _columns_of(node, alias, info, own=True)
            parts = self._surviving(info, conditions, alias)
            total += _column_bytes(parts, columns) + _column_bytes(parts, [c.name for c in info.columns])
        source = node.args.get("from_")  # UPDATE ... FROM other: its columns are read too
        if isinstance(source, exp.From) and isinstance(source.this, exp.Table):
            other = self._info(self.names.ref(source.this))
            if other is not None:
                alias = source.this.alias_or_name
                total += self._table_read(other, alias, _columns_of(node, alias, other), [])
        return total

    def _merge(self, node: exp.Merge) -> int:
        target, source = node.this, node.args.get("using")
        clauses = merge_clauses(node)
        rewrites = not is_insert_only(node)
        insert_row = any(isinstance(w.args.get("then"), exp.Insert) and is_insert_row(w.args["then"])
                         for w in clauses)
        total = 0
        source_info = None
        if isinstance(source, exp.Table):
            source_info = self._info(self.names.ref(source))
            if source_info is not None:
                wanted = ([c.name for c in source_info.columns] if insert_row
                          else _columns_of(node, source.alias_or_name, source_info))
                total += self._table_read(source_info, source.alias_or_name, wanted, [])
        elif isinstance(source, exp.Subquery) and isinstance(source.this, exp.Query):
            total += self.query(source.this)
        if isinstance(target, exp.Table):
            info = self._info(self.names.ref(target))
            if info is not None and info.kind == "TABLE":
                alias = target.alias_or_name
                others = {c.name.lower() for c in source_info.columns} if source_info else set()
                columns = _columns_of(node, alias, info, own=True, exclude=others)
                parts = self._surviving(info, _conjuncts(node.args.get("on")), alias)
                total += _column_bytes(parts, columns)
                if rewrites:
                    total += _column_bytes(parts, [c.name for c in info.columns])
        return total

    def _subqueries(self, node: exp.Expr | None) -> int:
        if node is None:
            return 0
        return sum(self.query(q) for q in node.find_all(exp.Select) if q.find_ancestor(exp.Select) is None)

    # ---- queries -------------------------------------------------------------------------------

    def query(self, node: exp.Expr) -> int:
        try:
            return self._query(node)
        except RecursionError:
            raise
        except Exception:  # an analysis the optimizer cannot do: every column, no pruning
            _log.debug("bytes analysis fell back to whole tables", exc_info=True)
            return self._whole_tables(node)

    def _query(self, node: exp.Expr) -> int:
        tree = node.copy()
        schema: dict[str, object] = {}
        infos: dict[tuple[str, str], TableInfo] = {}
        for table, ref in self.names.warehouse_tables(tree):
            table.set("catalog", None)
            table.set("db", exp.to_identifier(ref.dataset, quoted=True))
            table.set("this", exp.to_identifier(ref.table, quoted=True))
            info = self._info(ref)
            if info is None:
                continue
            infos[(ref.dataset, ref.table)] = info
            tables = schema.setdefault(ref.dataset, {})
            assert isinstance(tables, dict)
            tables[ref.table] = {c.name: c.type for c in info.columns}
        qualified = qualify(tree, schema=schema, dialect="bigquery", db=self.names.default_dataset,
                            validate_qualify_columns=False, identify=False, quote_identifiers=False)
        try:
            qualified = pushdown_projections(qualified)
        except Exception:
            _log.debug("projection pushdown failed", exc_info=True)
        total = 0
        for scope in traverse_scope(qualified):
            conditions = _conjuncts(scope.expression.args.get("where"))
            for join in scope.expression.args.get("joins") or []:
                if not join.args.get("side") and join.args.get("on") is not None:
                    conditions.extend(_conjuncts(join.args["on"]))
            for alias, (_node, source) in scope.selected_sources.items():
                if not isinstance(source, exp.Table):
                    continue
                if is_information_schema(source):
                    total += INFORMATION_SCHEMA_BYTES
                    continue
                info = infos.get((source.db, source.name))
                if info is None:
                    continue
                referenced = {c.name for c in scope.columns if c.table == alias}
                total += self._table_read(info, alias, referenced, conditions)
        return total

    def _whole_tables(self, node: exp.Expr) -> int:
        total = 0
        for _table, ref in self.names.warehouse_tables(node):
            info = self._info(ref)
            if info is not None:
                total += self._table_read(info, "", [c.name for c in info.columns], [])
        return total + INFORMATION_SCHEMA_BYTES * sum(
            1 for t in node.find_all(exp.Table) if is_information_schema(t))

    def _table_read(self, info: TableInfo, alias: str, columns: Iterable[str],
                    conditions: Sequence[exp.Expr]) -> int:
        if info.kind == "EXTERNAL":
            return self.external_bytes(info)
        if info.kind == "VIEW":
            if not info.view_query or self._depth >= _MAX_VIEW_DEPTH:
                return 0
            self._depth += 1
            try:
                return self.query(self.parse(info.view_query))
            finally:
                self._depth -= 1
        return _column_bytes(self._surviving(info, conditions, alias), columns)

    def _info(self, ref: TableRef) -> TableInfo | None:
        return self.catalog.table(ref.dataset, ref.table)

    # ---- partition pruning ---------------------------------------------------------------------

    def _surviving(self, info: TableInfo, conditions: Sequence[exp.Expr], alias: str) -> list[PartitionStats]:
        parts = self.catalog.partitions(info.dataset, info.name)
        partitioning = info.partitioning
        if partitioning is None:
            return parts
        filters = [c for c in conditions if _only_partition_column(c, alias, partitioning.column)]
        if not filters:
            return parts
        pruner = _Pruner(partitioning, self.evaluate)
        return [p for p in parts
                if all(pruner.may_match(f, partitioning.bounds(p.partition_id)) for f in filters)]


def _column_bytes(parts: Iterable[PartitionStats], columns: Iterable[str]) -> int:
    wanted = {c.lower() for c in columns}
    return sum(size for p in parts for name, size in p.column_bytes.items() if name in wanted)


def _conjuncts(node: exp.Expr | None) -> list[exp.Expr]:
    if node is None:
        return []
    if isinstance(node, exp.Paren | exp.Where):
        return _conjuncts(node.this)
    if isinstance(node, exp.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _columns_of(node: exp.Expr, alias: str, info: TableInfo, *, own: bool = False,
                exclude: set[str] | None = None) -> list[str]:
    """Columns of ``info`` that ``node`` references through ``alias`` (or unqualified, for the
    statement's own table unless another source has a column of that name)."""
    found = []
    for column in node.find_all(exp.Column):
        qualifier = column.table
        mine = qualifier == alias or (own and not qualifier and column.name.lower() not in (exclude or set()))
        if mine and info.column(column.name) is not None:
            found.append(column.name)
    return found


def _only_partition_column(node: exp.Expr, alias: str, column: str) -> bool:
    if node.find(exp.Query, exp.Subquery, exp.AggFunc, exp.Window) is not None:
        return False
    columns = list(node.find_all(exp.Column))
    return bool(columns) and all(c.name.lower() == column.lower() and c.table in ("", alias) for c in columns)


class _Pruner:
    """Whether a partition ``[start, end)`` may hold rows matching a filter (True when unsure)."""

    _FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ,
             exp.NEQ: exp.NEQ}

    def __init__(self, partitioning: Partitioning, evaluate: Evaluate) -> None:
        self.unit: PartitionUnit = partitioning.unit
        self.evaluate = evaluate

    def may_match(self, node: exp.Expr, bounds: tuple[datetime, datetime] | None) -> bool:
        if isinstance(node, exp.Paren):
            return self.may_match(node.this, bounds)
        if isinstance(node, exp.And):
            return self.may_match(node.left, bounds) and self.may_match(node.right, bounds)
        if isinstance(node, exp.Or):
            return self.may_match(node.left, bounds) or self.may_match(node.right, bounds)
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            return bounds is None if _term(node.this) else True
        inner = node.this if isinstance(node, exp.Not) else None
        if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
            return bounds is not None if _term(inner.this) else True
        if isinstance(node, exp.Between):
            return (self._compare(exp.GTE, node.this, node.args["low"], bounds)
                    and self._compare(exp.LTE, node.this, node.args["high"], bounds))
        if isinstance(node, exp.In) and not node.args.get("query"):
            return any(self._compare(exp.EQ, node.this, value, bounds) for value in node.expressions)
        for kind in self._FLIP:
            if type(node) is kind:
                if _term(node.left):
                    return self._compare(kind, node.left, node.right, bounds)
                if _term(node.right):
                    return self._compare(self._FLIP[kind], node.right, node.left, bounds)
        return True

    def _compare(self, op: type[exp.Expr], term: exp.Expr, constant: exp.Expr,
                 bounds: tuple[datetime, datetime] | None) -> bool:
        granularity = _term(term)
        if granularity is None or constant.find(exp.Column) is not None:
            return True
        if bounds is None:  # the NULL partition: no comparison is true
            return False
        value = self.evaluate(constant)
        if value is None:
            return True
        start, end = bounds
        if granularity != "RAW" and _RANK.get(granularity, -1) >= _RANK[self.unit]:
            return _holds(op, truncate(start, granularity), value)  # type: ignore[arg-type]
        if op is exp.EQ:
            return start <= value < end
        if op is exp.LT:
            return start < value
        if op is exp.LTE:
            return start <= value
        if op in (exp.GT, exp.GTE):
            return value < end
        return True


def _holds(op: type[exp.Expr], left: datetime, right: datetime) -> bool:
    checks: dict[Any, bool] = {exp.EQ: left == right, exp.NEQ: left != right, exp.LT: left < right,
                               exp.LTE: left <= right, exp.GT: left > right, exp.GTE: left >= right}
    return checks.get(op, True)


def _term(node: exp.Expr) -> str | None:
    """How a filter side relates to the partition column: ``RAW`` (the column itself), a unit
    (``DATE(col)`` is ``DAY``), or None when it is something else."""
    if isinstance(node, exp.Paren):
        return _term(node.this)
    if isinstance(node, exp.Column):
        return "RAW"
    inner = node.this if isinstance(node, exp.Func | exp.Cast) else None
    if not isinstance(inner, exp.Column):
        return None
    if isinstance(node, exp.Date | exp.TsOrDsToDate) and not node.args.get("zone"):
        return "DAY"
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.DATE:
        return "DAY"
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc | exp.DatetimeTrunc):
        unit = node.args.get("unit")
        name = (unit.name if unit is not None else "").upper()
        return name if name in _RANK else None
    return None
