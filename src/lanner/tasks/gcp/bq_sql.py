"""BigQuery SQL as the local warehouse reads it: parsing, table names, translation to DuckDB.

sqlglot parses the BigQuery dialect (backticked ``project.dataset.table`` names, ``"..."``
strings, ``OPTIONS(...)``, ``MERGE``...) and writes DuckDB SQL. This module adds what is specific
to the warehouse: table names are resolved against the default project/dataset and rewritten to
DuckDB's ``"dataset"."table"``; types keep BigQuery's meaning (``INTEGER`` is 64-bit, ``NUMERIC``
is ``DECIMAL(38, 9)``); and what cannot run locally fails with a message naming the construct.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

from lanner.plugins.api import TaskFailure

from .bq_schema import to_duck_type

INFORMATION_SCHEMA = "INFORMATION_SCHEMA"


@dataclass(frozen=True)
class TableRef:
    project: str | None
    dataset: str
    table: str

    def __str__(self) -> str:  # BigQuery's own spelling in messages: project:dataset.table
        where = f"{self.dataset}.{self.table}"
        return f"{self.project}:{where}" if self.project else where

    def api(self) -> dict[str, str | None]:
        return {"project": self.project, "dataset": self.dataset, "table": self.table}


def parse_table_id(text: str, project: str | None, default_dataset: str | None = None) -> TableRef:
    """``project.dataset.table``, ``project:dataset.table``, ``dataset.table`` or ``table``."""
    clean = text.strip().strip("`")
    if ":" in clean:
        head, _, rest = clean.partition(":")
        parts = [head, *rest.split(".")]
    else:
        parts = clean.split(".")
    if len(parts) == 3 and all(parts):
        return TableRef(parts[0], parts[1], parts[2])
    if len(parts) == 2 and all(parts):
        return TableRef(project, parts[0], parts[1])
    if len(parts) == 1 and parts[0] and default_dataset:
        return TableRef(project, default_dataset, parts[0])
    raise TaskFailure(f"Invalid table id {text!r}: expected project.dataset.table or dataset.table")


def parse_script(sql: str) -> list[exp.Expr]:
    """The statements of a BigQuery script (``;``-separated)."""
    try:
        parsed = sqlglot.parse(sql, read="bigquery", error_level=ErrorLevel.RAISE)
        statements = [s for s in parsed if s is not None]
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        where = f" at [{detail.get('line')}:{detail.get('col')}]" if detail.get("line") else ""
        message = str(detail.get("description") or error).split("\n", 1)[0]
        raise TaskFailure(f"Syntax error{where}: {message}") from None
    if not statements:
        raise TaskFailure("The query is empty")
    return statements


def cte_names(statement: exp.Expr) -> set[str]:
    return {cte.alias_or_name for cte in statement.find_all(exp.CTE)}


def is_information_schema(table: exp.Table) -> bool:
    parts = [p.name.upper() for p in table.parts]
    return any(p == INFORMATION_SCHEMA or p.startswith(INFORMATION_SCHEMA + ".") for p in parts)


def information_schema_view(table: exp.Table) -> tuple[str | None, str]:
    """``(dataset or None for region-wide, view name)`` of an ``INFORMATION_SCHEMA`` reference."""
    parts = [p.name for p in table.parts]
    flat: list[str] = []
    for part in parts:
        flat.extend(part.split(".") if part.upper().startswith(INFORMATION_SCHEMA + ".") else [part])
    index = next(i for i, p in enumerate(flat) if p.upper() == INFORMATION_SCHEMA)
    view = flat[index + 1].upper() if index + 1 < len(flat) else ""
    scope = flat[index - 1] if index >= 1 else None
    if scope is not None and scope.lower().startswith("region-"):
        scope = None
    return scope, view


class Names:
    """Resolves table names of statements against the task's project and default dataset."""

    def __init__(self, project: str | None, default_dataset: str | None) -> None:
        self.project = project
        self.default_dataset = default_dataset

    def ref(self, table: exp.Table) -> TableRef:
        parts = [p.name for p in table.parts]
        if len(parts) == 1 and "." in parts[0]:  # a backticked id sqlglot kept whole
            parts = parts[0].split(".")
        if len(parts) >= 3:
            return TableRef(parts[-3], parts[-2], parts[-1])
        if len(parts) == 2:
            return TableRef(self.project, parts[0], parts[1])
        if self.default_dataset:
            return TableRef(self.project, self.default_dataset, parts[0])
        raise TaskFailure(f'Table "{parts[0]}" must be qualified with a dataset (e.g. dataset.table).')

    def warehouse_tables(self, statement: exp.Expr) -> Iterator[tuple[exp.Table, TableRef]]:
        """Every table node naming a warehouse table (CTEs, table functions and
        ``INFORMATION_SCHEMA`` views excluded), with its resolved name."""
        ctes = cte_names(statement)
        for table in list(statement.find_all(exp.Table)):
            if not table.name or isinstance(table.this, exp.Func) or is_information_schema(table):
                continue
            if not table.db and table.name in ctes:
                continue
            yield table, self.ref(table)


def duck_table(ref: TableRef, alias: str | None = None) -> exp.Table:
    table = exp.Table(this=exp.to_identifier(ref.table, quoted=True),
                      db=exp.to_identifier(ref.dataset, quoted=True))
    if alias:
        table.set("alias", exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
    return table


def check_supported(statement: exp.Expr) -> None:
    """Refuse, with the construct's name, what the local warehouse cannot run."""
    if isinstance(statement, exp.Command):
        words = f"{statement.name} {statement.expression or ''}".strip()
        words = " ".join(str(words).split()[:3])
        raise TaskFailure(f"Statement `{words} ...` is not supported by the BigQuery local mode")
    for node in statement.walk():
        name = _unsupported_node(node)
        if name:
            raise TaskFailure(f"{name} is not supported by the BigQuery local mode")


_UNSUPPORTED_TYPES: dict[type[exp.Expr], str] = {
    exp.Declare: "Scripting (DECLARE)", exp.Transaction: "Transactions (BEGIN TRANSACTION)",
    exp.Commit: "Transactions (COMMIT)", exp.Rollback: "Transactions (ROLLBACK)",
    exp.Version: "Time travel (FOR SYSTEM_TIME AS OF)", exp.Export: "EXPORT DATA",
    exp.LoadData: "LOAD DATA",
}


def _unsupported_node(node: exp.Expr) -> str | None:
    for kind, name in _UNSUPPORTED_TYPES.items():
        if isinstance(node, kind):
            return name
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        return f"Function {node.sql('bigquery').split('(', 1)[0]}"
    if type(node).__name__ in ("NetFunc", "KeysFunc", "AeadFunc", "MlFunc"):  # NET.HOST(), ...
        return f"Function {node.sql('bigquery').split('(', 1)[0]}"
    if isinstance(node, exp.Create) and str(node.args.get("kind") or "").upper() in (
            "FUNCTION", "PROCEDURE", "MODEL", "MATERIALIZED VIEW", "TABLE FUNCTION", "SNAPSHOT TABLE"):
        return f"CREATE {node.args['kind']}"
    if isinstance(node, exp.Table) and "*" in node.name:
        return f"Wildcard tables ({node.name}, _TABLE_SUFFIX)"
    if isinstance(node, exp.TemporaryProperty):
        return "Temporary tables (CREATE TEMP TABLE)"
    if isinstance(node, exp.Placeholder | exp.Parameter):
        return "Query parameters (@name)"
    return None


def to_duckdb(statement: exp.Expr, replace_table: Callable[[exp.Table], exp.Expr | None]) -> str:
    """DuckDB SQL of ``statement``; ``replace_table`` gives each table node's replacement."""
    tree = statement.copy()
    for table in list(tree.find_all(exp.Table)):
        new = replace_table(table)
        if new is not None and new is not table:
            table.replace(new)

    def fix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.DataType) and not isinstance(node.parent, exp.DataType):
            return to_duck_type(node)
        if isinstance(node, exp.Insert) and isinstance(node.parent, exp.When) and is_insert_row(node):
            node.set("this", exp.Star())
        return node

    tree = tree.transform(fix)
    try:
        return tree.sql("duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as error:
        raise TaskFailure(f"{str(error).strip()} (BigQuery local mode)") from None


def merge_clauses(node: exp.Merge) -> list[exp.When]:
    """The ``WHEN ... THEN ...`` clauses of a MERGE."""
    whens = node.args.get("whens")
    return [w for w in whens.expressions if isinstance(w, exp.When)] if isinstance(whens, exp.Whens) else []


def is_insert_only(node: exp.Merge) -> bool:
    """Whether a MERGE only inserts rows (every clause is ``WHEN NOT MATCHED THEN INSERT``)."""
    return all(isinstance(w.args.get("then"), exp.Insert) for w in merge_clauses(node))


def merge_as_insert(node: exp.Merge) -> exp.Insert | None:
    """An insert-only MERGE as the equivalent ``INSERT ... SELECT ... WHERE NOT EXISTS``, or None.

    Only for one ``WHEN NOT MATCHED [AND cond] THEN INSERT [(columns)] VALUES (...)`` clause: it
    inserts every source row that has no match in the target as it was before the statement
    (duplicates among the source rows included, as BigQuery does). DuckDB runs that anti-join
    noticeably faster than its general MERGE, and this is the course's load step."""
    clauses = merge_clauses(node)
    if len(clauses) != 1:
        return None
    when = clauses[0]
    insert = when.args.get("then")
    if when.args.get("matched") or when.args.get("source") or not isinstance(insert, exp.Insert) \
            or not isinstance(insert.expression, exp.Tuple):
        return None
    target, source, on = node.this, node.args.get("using"), node.args.get("on")
    if not isinstance(target, exp.Table) or not isinstance(source, exp.Table | exp.Subquery) \
            or not isinstance(on, exp.Expr) or node.args.get("using_cond"):
        return None
    if target.alias_or_name.lower() == source.alias_or_name.lower():
        return None  # one name for both sides: the subquery below could not tell them apart
    condition: exp.Expr = exp.not_(exp.Exists(this=exp.select("1").from_(target.copy()).where(on.copy())))
    if isinstance(when.args.get("condition"), exp.Expr):
        condition = exp.and_(condition, when.args["condition"].copy())
    values = [value.copy() for value in insert.expression.expressions]
    select = exp.select(*values).from_(source.copy()).where(condition)
    table = target.copy()
    table.set("alias", None)
    into: exp.Expr = table
    if isinstance(insert.this, exp.Tuple):
        into = exp.Schema(this=table, expressions=[column.copy() for column in insert.this.expressions])
    elif insert.this is not None:
        return None  # INSERT ROW and other forms keep the general MERGE
    return exp.Insert(this=into, expression=select)


def is_insert_row(node: exp.Insert) -> bool:
    this = node.this
    return isinstance(this, exp.Var | exp.Column | exp.Identifier) and this.name.upper() == "ROW"


_DUCK_FUNCTION = re.compile(r"(Scalar|Aggregate|Table) Function with name \"?([\w.]+)\"? does not exist",
                            re.I)
_DUCK_EXTENSION = re.compile(r"install the required extension '?\"?(\w+)", re.I)
_DUCK_TYPE = re.compile(r"Type with name \"?(\w+)\"? does not exist", re.I)


def explain_duckdb_error(message: str) -> str:
    """A DuckDB error in BigQuery terms when it is about a missing construct."""
    function = _DUCK_FUNCTION.search(message)
    if function:
        return (f"Function {function.group(2).upper()} is not supported by the BigQuery local mode "
                "(DuckDB has no such function)")
    extension = _DUCK_EXTENSION.search(message)
    if extension:
        return (f"This needs DuckDB's '{extension.group(1)}' extension, which the BigQuery local mode "
                "does not install (no network): the construct is not supported locally")
    kind = _DUCK_TYPE.search(message)
    if kind:
        return f"Type {kind.group(1).upper()} is not supported by the BigQuery local mode"
    return message.strip()
