"""The BigQuery tasks in local mode: the same properties and outputs, on the local warehouse.

Datasets are DuckDB schemas of one warehouse file (``gcp.local.warehouse``, else
``$LANNER_HOME/gcp/warehouse.duckdb``); ``gs://`` URIs are files of the local buckets
(``gcp.local.storage-dir``). Every task logs one line saying it runs locally.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lanner.plugins.api import RunContext, TaskFailure

from ..jdbc._session import cancel_on_kill, collect
from .auth import local_notice
from .bq_definition import definition_ddl, table_output
from .bq_engine import Engine, QueryOptions
from .bq_external import reader_sql, sql_string
from .bq_outputs import (
    destination_partitioning,
    human_bytes,
    load_columns,
    load_external_options,
    query_metrics,
)
from .bq_schema import NULL_PARTITION, TableInfo, quote
from .bq_sql import Names, TableRef, parse_table_id
from .bq_warehouse import open_warehouse, warehouse_path
from .localbucket import local_buckets, parse_gs_uri

if TYPE_CHECKING:
    from .bigquery import (
        CreateDataset,
        CreateTable,
        DeleteDataset,
        DeleteTable,
        ExtractToGcs,
        Load,
        LoadFromGcs,
        Query,
        TableMetadata,
        _BigQueryTask,
        _Load,
    )


def job_id() -> str:
    return f"job_local_{uuid.uuid4().hex}"


@contextmanager
def _engine(task: _BigQueryTask, ctx: RunContext, project: str | None,
            default_dataset: str | None = None) -> Iterator[Engine]:
    path = warehouse_path(ctx)
    local_notice(ctx, "BigQuery", f"the local DuckDB warehouse {path}")
    with open_warehouse(ctx, path) as (conn, catalog), cancel_on_kill(ctx, conn.interrupt):
        yield Engine(conn, catalog, local_buckets(ctx), Names(project, default_dataset))


def query(task: Query, ctx: RunContext) -> Mapping[str, Any]:
    sql = task.rendered(ctx, task.sql)
    if not sql:
        raise TaskFailure("`sql` is required")
    if task.legacySql or task.useLegacySql:
        raise TaskFailure("Legacy SQL is not supported by the BigQuery local mode: use standard SQL "
                          "(legacySql: false)")
    fetch_type = task.fetch_type(ctx)
    project = task.project(ctx)
    default_dataset = task.rendered(ctx, task.defaultDataset)
    if default_dataset and "." in default_dataset:
        default_dataset = default_dataset.split(".")[-1].split(":")[-1]
    destination_text = task.rendered(ctx, task.destinationTable)
    destination = parse_table_id(destination_text, project, default_dataset) if destination_text else None
    options = QueryOptions(
        dry_run=task.dryRun, destination=destination, write_disposition=task.writeDisposition,
        create_disposition=task.createDisposition,
        partitioning=destination_partitioning(task.timePartitioningField, task.timePartitioningType),
        clustering=tuple(task.clusteringFields or ()), maximum_bytes_billed=task.maximumBytesBilled)
    outputs: dict[str, Any] = {"jobId": job_id()}
    with _engine(task, ctx, project, default_dataset) as engine:
        results = engine.run_script(sql, options)
        last = results[-1]
        if last.rowset is not None:
            if fetch_type != "NONE" and not task.dryRun:
                outputs.update(collect(ctx, last.rowset, fetch_type, None))
            else:
                last.rowset.close()
    total = sum(r.bytes_processed for r in results)
    outputs["totalBytesProcessed"] = total
    target = destination or last.target
    if target is not None:
        outputs["destinationTable"] = target.api()
    verb = "will process" if task.dryRun else "processed"
    ctx.logger.info(f"{'Dry run: the query' if task.dryRun else 'Query'} {verb} {human_bytes(total)} "
                    f"({total} bytes, BigQuery's on-demand billing model, computed locally)")
    affected = sum(r.affected_rows or 0 for r in results)
    query_metrics(ctx, total, affected if any(r.affected_rows is not None for r in results) else None,
                  last.statement_type if len(results) == 1 else "SCRIPT", outputs.get("size"))
    return outputs


# ---- datasets ----------------------------------------------------------------------------------

def create_dataset(task: CreateDataset, ctx: RunContext) -> Mapping[str, Any]:
    project = task.project(ctx)
    name = task.rendered(ctx, task.name)
    if not name:
        raise TaskFailure("`name` (the dataset id) is required")
    wanted = {"location": task.rendered(ctx, task.location) or "US",
              "friendlyName": task.rendered(ctx, task.friendlyName),
              "description": task.rendered(ctx, task.description),
              "labels": ctx.render(task.labels) if task.labels else None,
              "defaultTableLifetime": task.defaultTableLifetime,
              "defaultPartitionExpirationMs": task.defaultPartitionExpirationMs}
    with _engine(task, ctx, project) as engine:
        catalog = engine.catalog
        existing = catalog.dataset(name)
        engine.conn.begin()
        if existing is None:
            info = catalog.put_dataset(name, project, wanted)
            ctx.logger.info(f"Dataset {project}:{name} created")
        elif task.ifExists == "ERROR":
            engine.conn.rollback()
            raise TaskFailure(f"Already Exists: Dataset {project}:{name}")
        elif task.ifExists == "UPDATE":
            kept = {k: v for k, v in existing.items()
                    if k not in ("dataset", "project", "created", "modified")}
            merged = {**kept, **{k: v for k, v in wanted.items() if v is not None}}
            info = catalog.put_dataset(name, existing.get("project") or project, merged)
            ctx.logger.info(f"Dataset {project}:{name} updated")
        else:
            info = existing
            ctx.logger.info(f"Dataset {project}:{name} already exists: skipped (ifExists SKIP)")
        engine.conn.commit()
    return {"dataset": name, "project": info.get("project") or project,
            "friendlyName": info.get("friendlyName"), "description": info.get("description"),
            "location": info.get("location") or "US"}


def delete_dataset(task: DeleteDataset, ctx: RunContext) -> Mapping[str, Any]:
    project = task.project(ctx)
    name = task.rendered(ctx, task.name)
    if not name:
        raise TaskFailure("`name` (the dataset id) is required")
    with _engine(task, ctx, project) as engine:
        if engine.catalog.dataset(name) is None:
            raise TaskFailure(f"Not found: Dataset {project}:{name}")
        if engine.catalog.tables(name) and not task.deleteContents:
            raise TaskFailure(f"Dataset {project}:{name} is still in use: it has tables "
                              "(set deleteContents: true)")
        engine.conn.begin()
        engine.catalog.drop_dataset(name)
        engine.conn.commit()
    return {"dataset": name, "project": project}


# ---- tables ------------------------------------------------------------------------------------

def _table_ref(task: Any, ctx: RunContext, project: str | None) -> TableRef:
    dataset = task.rendered(ctx, task.dataset)
    table = task.rendered(ctx, task.table)
    if not dataset or not table:
        raise TaskFailure("`dataset` and `table` are required")
    return TableRef(project, dataset, table)


def create_table(task: CreateTable, ctx: RunContext) -> Mapping[str, Any]:
    project = task.project(ctx)
    ref = _table_ref(task, ctx, project)
    definition = ctx.render(task.tableDefinition) if task.tableDefinition else {}
    options = {"description": task.rendered(ctx, task.description),
               "friendly_name": task.rendered(ctx, task.friendlyName),
               "labels": ctx.render(task.labels) if task.labels else None,
               "require_partition_filter": task.requirePartitionFilter}
    if_exists = task.ifExists or "ERROR"
    with _engine(task, ctx, project) as engine:
        existing = engine.catalog.table(ref.dataset, ref.table)
        if existing is not None and if_exists == "SKIP":
            ctx.logger.info(f"Table {ref} already exists: skipped (ifExists SKIP)")
        elif existing is not None and if_exists == "ERROR":
            raise TaskFailure(f"Already Exists: Table {ref}")
        else:
            engine.run_script(definition_ddl(ref, definition, options, replace=existing is not None))
        info = engine.catalog.table(ref.dataset, ref.table)
        assert info is not None
        return table_output(info, project, engine.catalog.partitions(ref.dataset, ref.table))


def delete_table(task: DeleteTable, ctx: RunContext) -> Mapping[str, Any]:
    project = task.project(ctx)
    ref = _table_ref(task, ctx, project)
    name, _, decorator = ref.table.partition("$")
    with _engine(task, ctx, project) as engine:
        info = engine.catalog.table(ref.dataset, name)
        if info is None:
            raise TaskFailure(f"Not found: Table {TableRef(project, ref.dataset, name)}")
        engine.conn.begin()
        if decorator:
            if info.partitioning is None:
                engine.conn.rollback()
                raise TaskFailure(f"Table {ref.dataset}.{name} is not partitioned: no partition {decorator}")
            column = quote(info.partitioning.column)
            bounds = info.partitioning.bounds(decorator)
            # A range on the column (not the formatted id of every row): DuckDB can skip row groups.
            if decorator == NULL_PARTITION:
                where, parameters = f"{column} IS NULL", []
            elif bounds is None:
                engine.conn.rollback()
                raise TaskFailure(f"Invalid partition decorator {decorator!r} for {ref.dataset}.{name}, "
                                  f"partitioned by {info.partitioning.unit}: write e.g. "
                                  f"{name}${info.partitioning.example_id()}")
            else:
                where = f"{column} >= ? AND {column} < ?"
                parameters = [bound.replace(tzinfo=None) for bound in bounds]
            engine.conn.execute(f"DELETE FROM {quote(ref.dataset)}.{quote(name)} WHERE {where}", parameters)
            engine.catalog.recompute_stats(info)
        else:
            engine.catalog.drop_table(ref.dataset, name)
        engine.conn.commit()
    return {"projectId": project, "datasetId": ref.dataset, "table": ref.table}


def table_metadata(task: TableMetadata, ctx: RunContext) -> Mapping[str, Any]:
    project = task.project(ctx)
    ref = _table_ref(task, ctx, project)
    with _engine(task, ctx, project) as engine:
        info = engine.catalog.table(ref.dataset, ref.table)
        if info is None:
            if task.ifNotExists == "SKIP":
                ctx.logger.info(f"Table {ref} does not exist: skipped (ifNotExists SKIP)")
                return {}
            raise TaskFailure(f"Not found: Table {ref}")
        return table_output(info, project, engine.catalog.partitions(ref.dataset, ref.table))


# ---- loads and extracts ------------------------------------------------------------------------

def load(task: Load, ctx: RunContext) -> Mapping[str, Any]:
    source = task.rendered(ctx, task.from_)
    if not source:
        raise TaskFailure("`from` is required: the kestra:// URI of the file to load")
    target = Path(tempfile.mkdtemp(prefix="bq-load-", dir=ctx.working_dir())) / "data"
    fmt = (task.rendered(ctx, task.format) or "CSV").upper()
    target = target.with_suffix(".parquet" if fmt == "PARQUET" else ".json" if "JSON" in fmt else ".csv")
    ctx.storage.download(source, target)
    return _load(task, ctx, [target])


def load_from_gcs(task: LoadFromGcs, ctx: RunContext) -> Mapping[str, Any]:
    from .bq_external import resolve_files

    rendered = ctx.render_typed(task.from_)
    uris = [str(u) for u in (rendered if isinstance(rendered, list) else [rendered]) if u]
    if not uris:
        raise TaskFailure("`from` is required: gs:// URIs of the files to load")
    return _load(task, ctx, resolve_files(local_buckets(ctx), uris))


def _load(task: _Load, ctx: RunContext, files: list[Path]) -> Mapping[str, Any]:
    project = task.project(ctx)
    ref = parse_table_id(task.rendered(ctx, task.destinationTable) or "", project)
    external = load_external_options(task, ctx)
    options = QueryOptions(
        dry_run=task.dryRun, destination=ref, write_disposition=task.writeDisposition or "WRITE_APPEND",
        create_disposition=task.createDisposition,
        partitioning=destination_partitioning(task.timePartitioningField, task.timePartitioningType),
        clustering=tuple(task.clusteringFields or ()))
    with _engine(task, ctx, project) as engine:
        existing = engine.catalog.table(ref.dataset, ref.table)
        columns = load_columns(task, ctx, existing)
        source = TableInfo(ref.dataset, ref.table, "EXTERNAL", columns, external=external)
        sql = reader_sql(source, files)
        if task.dryRun:
            engine.conn.execute("EXPLAIN " + sql)
            rows = 0
        else:
            rows = engine.write_destination(sql, options)
    ctx.metric("rows", rows)
    ctx.logger.info(f"Loaded {rows} rows into {ref}")
    return {"jobId": job_id(), "rows": rows, "destinationTable": ref.api()}


_EXTRACT_FORMATS = {"CSV": "CSV", "NEWLINE_DELIMITED_JSON": "JSON", "JSON": "JSON", "PARQUET": "PARQUET"}


def extract_to_gcs(task: ExtractToGcs, ctx: RunContext) -> Mapping[str, Any]:
    project = task.project(ctx)
    ref = parse_table_id(task.rendered(ctx, task.sourceTable) or "", project)
    uris = [str(ctx.render(u)) for u in task.destinationUris]
    fmt_name = (task.rendered(ctx, task.format) or "CSV").upper()
    if fmt_name not in _EXTRACT_FORMATS:
        raise TaskFailure(f"Extract format {fmt_name} is not supported by the BigQuery local mode "
                          f"(supported: {', '.join(_EXTRACT_FORMATS)})")
    fmt = _EXTRACT_FORMATS[fmt_name]
    compression = (task.rendered(ctx, task.compression) or "NONE").upper()
    settings = [f"FORMAT {fmt}"]
    if fmt == "CSV":
        header = "true" if task.printHeader is None or task.printHeader else "false"
        delimiter = (task.rendered(ctx, task.fieldDelimiter) or ",").replace("'", "''")
        settings += [f"HEADER {header}", f"DELIMITER '{delimiter}'"]
    if compression == "GZIP":
        settings.append("COMPRESSION gzip")
    elif compression == "SNAPPY" and fmt == "PARQUET":
        settings.append("COMPRESSION snappy")
    buckets = local_buckets(ctx)
    written = []
    with _engine(task, ctx, project) as engine:
        info = engine.catalog.table(ref.dataset, ref.table)
        if info is None:
            raise TaskFailure(f"Not found: Table {ref}")
        if info.kind != "TABLE":
            raise TaskFailure(f"Cannot extract {info.kind.lower()} table {ref}: extract needs a native table")
        if len(uris) > 1:
            ctx.logger.warn("Local mode writes the whole table to the first destination URI")
        bucket, name = parse_gs_uri(uris[0])
        name = name.replace("*", "000000000000", 1)
        local = Path(tempfile.mkdtemp(prefix="bq-extract-", dir=ctx.working_dir())) / "part"
        engine.conn.execute(f"COPY (SELECT * FROM {quote(ref.dataset)}.{quote(ref.table)}) TO "
                            f"{sql_string(str(local))} ({', '.join(settings)})")
        buckets.upload(bucket, name, local)
        written.append(f"gs://{bucket}/{name}")
    return {"jobId": job_id(), "sourceTable": ref.api(), "destinationUris": written, "fileCounts": [1]}

