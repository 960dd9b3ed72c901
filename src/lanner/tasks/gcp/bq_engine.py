"""Runs BigQuery statements on the local warehouse (DuckDB), with BigQuery's semantics.

Each statement is parsed (``bq_sql``), its bytes processed computed from metadata before it runs
(``bq_bytes``), and it is executed as DuckDB SQL in a transaction of its own that also updates
the warehouse's metadata (``bq_catalog``): a statement of a script either happens entirely, with
its statistics, or not at all. A dry run checks every statement (DuckDB's ``EXPLAIN``; DDL runs
and is rolled back) and reports the bytes without reading any row.

References are rewritten on the way: ``project.dataset.table`` becomes ``"dataset"."table"``,
an external table becomes a read of its files, a view its query, an ``INFORMATION_SCHEMA`` view
a query on the metadata (``bq_infoschema``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from lanner.plugins.api import TaskFailure

from ..jdbc._session import RowSet
from .bq_bytes import BytesModel
from .bq_catalog import Catalog
from .bq_ddl import clustering_of, options_of, partitioning_of, table_spec
from .bq_external import external_bytes, reader_sql, resolve_files
from .bq_infoschema import information_schema_sql
from .bq_schema import (
    Column,
    Partitioning,
    TableInfo,
    bq_type_of_duck,
    column_definition,
    duck_type_sql,
    quote,
)
from .bq_sql import (
    Names,
    TableRef,
    check_supported,
    cte_names,
    duck_table,
    explain_duckdb_error,
    is_information_schema,
    is_insert_only,
    merge_as_insert,
    parse_script,
    to_duckdb,
)
from .localbucket import LocalBuckets

FETCH_BATCH = 10_000
_DROP_EXTERNAL = re.compile(r"^\s*EXTERNAL\s+TABLE\s+(IF\s+EXISTS\s+)?(\S+?)\s*;?\s*$", re.I | re.S)


@dataclass
class QueryOptions:
    dry_run: bool = False
    destination: TableRef | None = None
    write_disposition: str | None = None  # WRITE_EMPTY (default for queries) / WRITE_TRUNCATE / WRITE_APPEND
    create_disposition: str | None = None  # CREATE_IF_NEEDED (default) / CREATE_NEVER
    partitioning: Partitioning | None = None  # of a destination table created by the query
    clustering: tuple[str, ...] = ()
    maximum_bytes_billed: int | None = None  # a statement that would bill more fails before running


@dataclass
class StatementResult:
    statement_type: str
    bytes_processed: int = 0
    affected_rows: int | None = None
    target: TableRef | None = None
    rowset: RowSet | None = None
    ddl_operation: str | None = None  # CREATE / REPLACE / SKIP / DROP


class Engine:
    """Statements against one open warehouse connection (see ``bq_warehouse.open_warehouse``)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, catalog: Catalog, buckets: LocalBuckets,
                 names: Names) -> None:
        self.conn = conn
        self.catalog = catalog
        self.buckets = buckets
        self.names = names
        self.dry_run = False
        self.maximum_bytes_billed: int | None = None
        self._constants: dict[str, datetime | None] = {}
        self.bytes = BytesModel(catalog, names, self._evaluate, self._external_bytes, _parse_one)

    # ---- scripts -------------------------------------------------------------------------------

    def run_script(self, sql: str, options: QueryOptions | None = None) -> list[StatementResult]:
        """Run every statement; only the last one's rows are kept (``rowset``), as in BigQuery."""
        options = options or QueryOptions()
        statements = parse_script(sql)
        self.dry_run = options.dry_run
        self.maximum_bytes_billed = options.maximum_bytes_billed
        results: list[StatementResult] = []
        if self.dry_run:
            self.conn.begin()
        try:
            for index, node in enumerate(statements):
                last = index == len(statements) - 1
                try:
                    current = options if last else QueryOptions(
                        options.dry_run, maximum_bytes_billed=options.maximum_bytes_billed)
                    results.append(self.statement(node, current, last))
                except duckdb.Error as error:
                    where = self._where(index, len(statements))
                    raise TaskFailure(where + explain_duckdb_error(str(error))) from None
                except TaskFailure as failure:
                    if len(statements) == 1:
                        raise
                    raise TaskFailure(self._where(index, len(statements)) + str(failure)) from None
        finally:
            if self.dry_run:
                self.conn.rollback()
                self.catalog.forget()
        return results

    def _budget(self, processed: int) -> int:
        from .bq_outputs import billed_bytes

        limit = self.maximum_bytes_billed
        if limit is not None and not self.dry_run and billed_bytes(processed) > limit:
            raise TaskFailure(f"Query exceeded limit for bytes billed: {limit}. {billed_bytes(processed)} or "
                              "higher required.")
        return processed

    @staticmethod
    def _where(index: int, count: int) -> str:
        return f"Statement {index + 1} of {count}: " if count > 1 else ""

    def statement(self, node: exp.Expr, options: QueryOptions, last: bool = True) -> StatementResult:
        if isinstance(node, exp.Command) and node.name.upper() == "DROP":
            match = _DROP_EXTERNAL.match(str(node.expression or ""))
            if match:
                table = sqlglot.parse_one(match.group(2), read="bigquery", into=exp.Table)
                return self._drop_tables("EXTERNAL TABLE", [table], bool(match.group(1)))
        check_supported(node)
        if isinstance(node, exp.Query):
            return self._query(node, options, last)
        if isinstance(node, exp.Create):
            kind = str(node.args.get("kind") or "").upper()
            if kind == "TABLE":
                return self._create_table(node)
            if kind == "VIEW":
                return self._create_view(node)
            if kind == "SCHEMA":
                return self._create_schema(node)
        if isinstance(node, exp.Drop):
            kind = str(node.args.get("kind") or "").upper()
            tables = node.args.get("tables") or [node.this]
            if kind == "SCHEMA":
                return self._drop_schema(node)
            if kind in ("TABLE", "VIEW"):
                return self._drop_tables(kind, tables, bool(node.args.get("exists")))
        if isinstance(node, exp.TruncateTable):
            return self._truncate(node)
        if isinstance(node, exp.Insert | exp.Update | exp.Delete | exp.Merge):
            return self._dml(node)
        words = " ".join(node.sql("bigquery").split()[:2])
        raise TaskFailure(f"Statement `{words} ...` is not supported by the BigQuery local mode")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self.dry_run:  # the whole dry run is one transaction, rolled back at its end
            yield
            return
        self.conn.begin()
        try:
            yield
        except BaseException:
            self.conn.rollback()
            self.catalog.forget()
            raise
        self.conn.commit()

    # ---- name rewriting ------------------------------------------------------------------------

    def duck(self, node: exp.Expr, *, creating: TableRef | None = None) -> str:
        """DuckDB SQL of ``node``; every warehouse table it reads must exist (but ``creating``)."""
        ctes = cte_names(node)

        def replace_table(table: exp.Table) -> exp.Expr | None:
            if is_information_schema(table):
                dataset_and_view = information_schema_sql(self, table)
                return exp.Subquery(this=_parse_one(dataset_and_view, "duckdb"),
                                    alias=exp.TableAlias(this=exp.to_identifier(table.alias or _last(table))))
            if not table.name or isinstance(table.this, exp.Func) or (not table.db and table.name in ctes):
                return None
            ref = self.names.ref(table)
            if ref == creating:
                return duck_table(ref, table.alias or None)
            info = self._require_table(ref)
            if info.kind == "TABLE":
                return duck_table(ref, table.alias or None)
            alias = exp.TableAlias(this=exp.to_identifier(table.alias or ref.table, quoted=True))
            return exp.Subquery(this=_parse_one(self._source_sql(info), "duckdb"), alias=alias)

        return to_duckdb(node, replace_table)

    def _source_sql(self, info: TableInfo, depth: int = 0) -> str:
        if info.kind == "EXTERNAL":
            return reader_sql(info, resolve_files(self.buckets, (info.external or {}).get("uris") or []))
        if depth > 16 or not info.view_query:
            raise TaskFailure(f"View {info.dataset}.{info.name} cannot be expanded")
        return self.duck(_parse_one(info.view_query))

    def _require_table(self, ref: TableRef) -> TableInfo:
        self._require_dataset(ref)
        info = self.catalog.table(ref.dataset, ref.table)
        if info is None:
            raise TaskFailure(f"Not found: Table {ref} was not found in the local warehouse")
        return info

    def _require_dataset(self, ref: TableRef) -> dict[str, Any]:
        dataset = self.catalog.dataset(ref.dataset)
        if dataset is None:
            project = f"{ref.project}:" if ref.project else ""
            raise TaskFailure(f"Not found: Dataset {project}{ref.dataset} was not found in the local "
                              "warehouse (create it first, e.g. with gcp.bigquery.CreateDataset)")
        return dataset

    def _external_bytes(self, info: TableInfo) -> int:
        try:
            return external_bytes(resolve_files(self.buckets, (info.external or {}).get("uris") or []))
        except TaskFailure:
            return 0

    def _evaluate(self, node: exp.Expr) -> datetime | None:
        """A constant of a partition filter as a UTC instant (None when it is not one)."""
        key = node.sql("bigquery")
        if key not in self._constants:
            value: datetime | None = None
            try:
                cast = exp.Cast(this=node.copy(), to=exp.DataType.build("TIMESTAMPTZ"))
                row = self.conn.execute(to_duckdb(exp.select(cast), lambda t: None)).fetchone()
                found = row[0] if row else None
                if isinstance(found, datetime):
                    value = found if found.tzinfo else found.replace(tzinfo=UTC)
            except (duckdb.Error, TaskFailure):
                value = None
            self._constants[key] = value
        return self._constants[key]

    # ---- queries -------------------------------------------------------------------------------

    def _query(self, node: exp.Query, options: QueryOptions, last: bool) -> StatementResult:
        processed = self._budget(self.bytes.query(node))
        sql = self.duck(node)
        if self.dry_run:
            self.conn.execute("EXPLAIN " + sql)
            return StatementResult("SELECT", processed, target=options.destination)
        if options.destination is not None and last:
            self.write_destination(sql, options)
            target = options.destination
            relation = self.conn.execute(f"SELECT * FROM {quote(target.dataset)}.{quote(target.table)}")
            return StatementResult("SELECT", processed, target=target, rowset=_rowset(relation))
        relation = self.conn.execute(sql)
        return StatementResult("SELECT", processed, rowset=_rowset(relation) if last else None)

    def write_destination(self, sql: str, options: QueryOptions) -> int:
        """Write the rows of DuckDB ``sql`` to ``options.destination`` per its dispositions;
        returns how many rows were written."""
        ref = options.destination
        assert ref is not None
        self._require_dataset(ref)
        existing = self.catalog.table(ref.dataset, ref.table)
        disposition = (options.write_disposition or "WRITE_EMPTY").upper()
        with self._transaction():
            if existing is None:
                if (options.create_disposition or "CREATE_IF_NEEDED").upper() == "CREATE_NEVER":
                    raise TaskFailure(f"Not found: Table {ref} (createDisposition is CREATE_NEVER)")
                info = self._materialize(ref, sql, None, options.partitioning, options.clustering, {})
                return sum(p.rows for p in self.catalog.partitions(info.dataset, info.name))
            if existing.kind != "TABLE":
                raise TaskFailure(f"Cannot write to {existing.kind.lower()} table {ref}")
            if disposition == "WRITE_TRUNCATE":
                info = self._materialize(ref, sql, None, existing.partitioning, existing.clustering,
                                         existing.options, replaces=existing)
                return sum(p.rows for p in self.catalog.partitions(info.dataset, info.name))
            since = self.catalog.max_rowid(ref.dataset, ref.table)
            if disposition == "WRITE_EMPTY" and since >= 0:
                raise TaskFailure(f"Already Exists: Table {ref} is not empty (writeDisposition WRITE_EMPTY)")
            target = f"{quote(ref.dataset)}.{quote(ref.table)}"
            row = self.conn.execute(f"INSERT INTO {target} BY NAME {sql}").fetchone()
            self.catalog.recompute_stats(existing, since_rowid=since)
            return int(row[0]) if row else 0

    # ---- DML -----------------------------------------------------------------------------------

    def _dml(self, node: exp.Insert | exp.Update | exp.Delete | exp.Merge) -> StatementResult:
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        if not isinstance(target, exp.Table):
            raise TaskFailure("The statement has no target table")
        ref = self.names.ref(target)
        info = self._require_table(ref)
        if info.kind != "TABLE":
            raise TaskFailure(f"Cannot modify {info.kind.lower()} table {ref}: DML needs a native table")
        kind = type(node).__name__.upper()
        processed = self._budget(self.bytes.statement(node))
        as_insert = merge_as_insert(node) if isinstance(node, exp.Merge) else None
        sql = self.duck(as_insert if as_insert is not None else node)
        if self.dry_run:
            self.conn.execute("EXPLAIN " + sql)
            return StatementResult(kind, processed, target=ref)
        insert_only = isinstance(node, exp.Insert) or (isinstance(node, exp.Merge) and is_insert_only(node))
        with self._transaction():
            since = self.catalog.max_rowid(ref.dataset, ref.table) if insert_only else None
            row = self.conn.execute(sql).fetchone()
            self.catalog.recompute_stats(info, since_rowid=since)
        return StatementResult(kind, processed, int(row[0]) if row and row[0] is not None else 0, ref)

    def _truncate(self, node: exp.TruncateTable) -> StatementResult:
        results = []
        for table in node.expressions:
            ref = self.names.ref(table)
            info = self._require_table(ref)
            if self.dry_run:
                continue
            with self._transaction():
                self.conn.execute(f"DELETE FROM {quote(ref.dataset)}.{quote(ref.table)}")
                self.catalog.recompute_stats(info)
            results.append(ref)
        return StatementResult("TRUNCATE_TABLE", 0, target=results[0] if results else None)

    # ---- DDL -----------------------------------------------------------------------------------

    def _create_table(self, node: exp.Create) -> StatementResult:
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        ref = self.names.ref(target)
        self._require_dataset(ref)
        spec = table_spec(node)
        if spec.unsupported:
            raise TaskFailure(f"{spec.unsupported} is not supported by the BigQuery local mode")
        body = node.expression if isinstance(node.expression, exp.Query) else None
        kind = "CREATE_EXTERNAL_TABLE" if spec.external else (
            "CREATE_TABLE_AS_SELECT" if body is not None else "CREATE_TABLE")
        existing = self.catalog.table(ref.dataset, ref.table)
        if existing is not None and node.args.get("exists"):
            return StatementResult(kind, 0, target=ref, ddl_operation="SKIP")
        if existing is not None and not node.args.get("replace"):
            raise TaskFailure(f"Already Exists: Table {ref}")
        table_options = {k: v for k, v in spec.options.items()
                         if k in ("description", "labels", "friendly_name", "expiration_timestamp",
                                  "require_partition_filter", "partition_expiration_days")}
        if spec.external:
            return self._create_external(ref, spec.columns, spec.options, table_options, existing, kind)
        processed = self._budget(self.bytes.query(body)) if body is not None else 0
        operation = "REPLACE" if existing is not None else "CREATE"
        with self._transaction():
            if body is not None:
                sql = self.duck(body, creating=ref)
                if self.dry_run:
                    sql = f"SELECT * FROM ({sql}) AS _q LIMIT 0"
                self._materialize(ref, sql, spec.columns or None, spec.partition, spec.clustering,
                                  table_options, replaces=existing)
            else:
                self._create_empty(ref, spec.columns, spec.partition, spec.clustering, table_options,
                                   existing)
        return StatementResult(kind, processed, target=ref, ddl_operation=operation)

    def _create_empty(self, ref: TableRef, columns: list[Column], partition: exp.Expr | None,
                      clustering: list[str], options: dict[str, Any], existing: TableInfo | None) -> None:
        if not columns:
            raise TaskFailure(f"CREATE TABLE {ref}: a table needs columns or AS SELECT")
        types = {c.name.lower(): c.type for c in columns}
        partitioning = partitioning_of(partition, types)
        cluster = clustering_of(clustering, types)
        if existing is not None:
            self.catalog.drop_table(ref.dataset, ref.table)
        definition = ", ".join(column_definition(c.name, duck_type_sql(c.type), c.mode == "REQUIRED")
                               for c in columns)
        self.conn.execute(f"CREATE TABLE {quote(ref.dataset)}.{quote(ref.table)} ({definition})")
        now = datetime.now(UTC).timestamp()
        info = TableInfo(ref.dataset, ref.table, "TABLE", tuple(columns), partitioning, cluster, options,
                         created=now, modified=now)
        self.catalog.put_table(info)

    def _materialize(self, ref: TableRef, sql: str, declared: list[Column] | None,
                     partition: exp.Expr | Partitioning | None, clustering: Any,
                     options: dict[str, Any], replaces: TableInfo | None = None) -> TableInfo:
        """``CREATE TABLE ref AS sql`` (replacing ``replaces`` only once the new rows exist, so a
        query may read the table it replaces), sorted by partition and clustering columns."""
        if declared:
            names = ", ".join(quote(c.name) for c in declared)
            casts = ", ".join(f"CAST({quote(c.name)} AS {duck_type_sql(c.type)}) AS {quote(c.name)}"
                              for c in declared)
            sql = f"SELECT {casts} FROM ({sql}) AS _q({names})"
        order_columns = list(clustering or ())
        if isinstance(partition, Partitioning):
            order_columns.insert(0, partition.column)
        elif partition is not None:
            order_columns[:0] = [c.name for c in partition.find_all(exp.Column)][:1]
        order = f" ORDER BY {', '.join(quote(c) for c in order_columns)}" if order_columns else ""
        staging = f"_lanner_new_{ref.table}"
        table_sql = f"{quote(ref.dataset)}.{quote(staging)}"
        self.conn.execute(f"DROP TABLE IF EXISTS {table_sql}")
        # Created from the query's shape (binding only), so that column_definition decides storage.
        described = self.conn.execute(f"DESCRIBE SELECT * FROM ({sql}) AS _s").fetchall()
        definition = ", ".join(column_definition(str(r[0]), str(r[1])) for r in described)
        self.conn.execute(f"CREATE TABLE {table_sql} ({definition})")
        self.conn.execute(f"INSERT INTO {table_sql} SELECT * FROM ({sql}) AS _s{order}")
        by_name = {c.name.lower(): c for c in declared or []}
        columns = tuple(by_name.get(str(r[0]).lower()) or Column(str(r[0]), bq_type_of_duck(str(r[1])))
                        for r in described)
        types = {c.name.lower(): c.type for c in columns}
        partitioning = partition if isinstance(partition, Partitioning) else partitioning_of(partition, types)
        cluster = clustering_of(list(clustering or ()), types)
        if replaces is not None:
            self.catalog.drop_table(ref.dataset, ref.table)
        elif self.catalog.table(ref.dataset, ref.table) is not None:
            raise TaskFailure(f"Already Exists: Table {ref}")
        self.conn.execute(f"ALTER TABLE {table_sql} RENAME TO {quote(ref.table)}")
        now = datetime.now(UTC).timestamp()
        created = replaces.created if replaces is not None and replaces.kind == "TABLE" else now
        info = TableInfo(ref.dataset, ref.table, "TABLE", columns, partitioning, cluster, options,
                         created=created, modified=now)
        self.catalog.put_table(info)
        self.catalog.recompute_stats(info)
        return info

    def _create_external(self, ref: TableRef, columns: list[Column], external: dict[str, Any],
                         options: dict[str, Any], existing: TableInfo | None, kind: str) -> StatementResult:
        from .bq_external import external_format

        if not external.get("uris"):
            raise TaskFailure(f"CREATE EXTERNAL TABLE {ref}: OPTIONS(uris = ['gs://...']) is required")
        external = {**external, "format": external_format(external)}
        uris = external["uris"]
        external["uris"] = [uris] if isinstance(uris, str) else list(uris)
        now = datetime.now(UTC).timestamp()
        info = TableInfo(ref.dataset, ref.table, "EXTERNAL", tuple(columns), options=options,
                         external=external, created=now, modified=now)
        with self._transaction():
            if existing is not None:
                self.catalog.drop_table(ref.dataset, ref.table)
            self.catalog.put_table(info)
        return StatementResult(kind, 0, target=ref, ddl_operation="REPLACE" if existing else "CREATE")

    def _create_view(self, node: exp.Create) -> StatementResult:
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        ref = self.names.ref(target)
        self._require_dataset(ref)
        body = node.expression
        if not isinstance(body, exp.Query):
            raise TaskFailure(f"CREATE VIEW {ref} needs AS SELECT ...")
        existing = self.catalog.table(ref.dataset, ref.table)
        if existing is not None and node.args.get("exists"):
            return StatementResult("CREATE_VIEW", 0, target=ref, ddl_operation="SKIP")
        if existing is not None and not node.args.get("replace"):
            raise TaskFailure(f"Already Exists: Table {ref}")
        described = self.conn.execute(f"DESCRIBE {self.duck(body)}").fetchall()
        columns = tuple(Column(str(r[0]), bq_type_of_duck(str(r[1]))) for r in described)
        query = body.copy()
        for table, table_ref in self.names.warehouse_tables(query):  # views keep absolute names
            table.set("catalog", exp.to_identifier(table_ref.project) if table_ref.project else None)
            table.set("db", exp.to_identifier(table_ref.dataset))
        now = datetime.now(UTC).timestamp()
        properties = node.args.get("properties")
        info = TableInfo(ref.dataset, ref.table, "VIEW", columns, options=options_of(properties),
                         view_query=query.sql("bigquery"), created=now, modified=now)
        with self._transaction():
            if existing is not None:
                self.catalog.drop_table(ref.dataset, ref.table)
            self.catalog.put_table(info)
        operation = "REPLACE" if existing else "CREATE"
        return StatementResult("CREATE_VIEW", 0, target=ref, ddl_operation=operation)

    def _create_schema(self, node: exp.Create) -> StatementResult:
        dataset, project = _schema_name(node.this, self.names.project)
        if self.catalog.dataset(dataset) is not None:
            if node.args.get("exists"):
                return StatementResult("CREATE_SCHEMA", ddl_operation="SKIP")
            raise TaskFailure(f"Already Exists: Dataset {project}:{dataset}")
        options = options_of(node.args.get("properties"))
        with self._transaction():
            self.catalog.put_dataset(dataset, project, options)
        return StatementResult("CREATE_SCHEMA", ddl_operation="CREATE")

    def _drop_schema(self, node: exp.Drop) -> StatementResult:
        dataset, _ = _schema_name((node.args.get("tables") or [node.this])[0], self.names.project)
        if self.catalog.dataset(dataset) is None:
            if node.args.get("exists"):
                return StatementResult("DROP_SCHEMA", ddl_operation="SKIP")
            raise TaskFailure(f"Not found: Dataset {dataset}")
        if self.catalog.tables(dataset) and not node.args.get("cascade"):
            raise TaskFailure(f"Dataset {dataset} is still in use: it has tables "
                              "(use DROP SCHEMA ... CASCADE)")
        with self._transaction():
            self.catalog.drop_dataset(dataset)
        return StatementResult("DROP_SCHEMA", ddl_operation="DROP")

    def _drop_tables(self, kind: str, tables: list[exp.Table], if_exists: bool) -> StatementResult:
        statement_type = "DROP_" + kind.replace(" ", "_")
        dropped = None
        for table in tables:
            ref = self.names.ref(table)
            self._require_dataset(ref)
            if self.catalog.table(ref.dataset, ref.table) is None:
                if if_exists:
                    continue
                raise TaskFailure(f"Not found: Table {ref}")
            with self._transaction():
                self.catalog.drop_table(ref.dataset, ref.table)
            dropped = ref
        return StatementResult(statement_type, target=dropped, ddl_operation="DROP" if dropped else "SKIP")


def _schema_name(target: Any, project: str | None) -> tuple[str, str | None]:
    """``(dataset, project)`` of ``CREATE/DROP SCHEMA [project.]dataset``."""
    if isinstance(target, exp.Table):
        if target.db:
            return target.db, target.catalog or project
        return target.name, project
    raise TaskFailure("CREATE/DROP SCHEMA needs a dataset name")


def _rowset(relation: duckdb.DuckDBPyConnection) -> RowSet:
    columns = [d[0] for d in relation.description or []]

    def batches() -> Iterator[list[Any]]:
        while True:
            batch = relation.fetchmany(FETCH_BATCH)
            if not batch:
                return
            yield batch

    return RowSet(columns, batches())


def _parse_one(sql: str, dialect: str = "bigquery") -> exp.Expr:
    return sqlglot.parse_one(sql, read=dialect)


def _last(table: exp.Table) -> str:
    name = table.name
    return name.rsplit(".", 1)[-1]

