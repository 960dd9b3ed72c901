"""The BigQuery tasks against Google BigQuery, through ``google-cloud-bigquery``.

Credentials come from ``auth.credentials`` (the task's ``serviceAccount`` key, impersonation,
or Application Default Credentials). ``gcp.bigquery.endpoint`` in the configuration (or
``BIGQUERY_EMULATOR_HOST``) points the client at another BigQuery REST endpoint, an emulator or
a recording; without a key, an endpoint is called anonymously.

Google's errors become task failures with BigQuery's own message (never the key: requests and
errors do not carry it, only the OAuth token derived from it).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lanner.plugins.api import RunContext, TaskFailure

from .._config import config_value
from ..jdbc._session import RowSet, collect
from .bq_outputs import human_bytes, query_metrics, schema_columns
from .bq_sql import TableRef, parse_table_id

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


def _bigquery() -> Any:
    """``google.cloud.bigquery``, imported when used and seen as untyped: its type information
    would make mypy resolve the whole ``google.cloud`` namespace from it, and then lose the
    untyped ``google.cloud.storage`` that the GCS tasks import."""
    return importlib.import_module("google.cloud.bigquery")


def endpoint(ctx: RunContext) -> str | None:
    configured = config_value(ctx.config or {}, "gcp", "bigquery", "endpoint")
    if configured:
        return str(configured).rstrip("/")
    host = os.environ.get("BIGQUERY_EMULATOR_HOST")
    if host:
        return host.rstrip("/") if "://" in host else f"http://{host}"
    return None


def open_client(task: _BigQueryTask, ctx: RunContext) -> tuple[Any, str]:
    from google.auth.credentials import AnonymousCredentials
    bigquery = _bigquery()

    url = endpoint(ctx)
    creds, project = task.google_credentials(ctx) if (task.serviceAccount or not url) else (None, None)
    project = task.rendered(ctx, task.projectId) or project
    if not project:
        raise TaskFailure("No Google Cloud project: set `projectId` (or use a service-account key that has "
                          "a project_id).")
    options = {"api_endpoint": url} if url else None
    anonymous: Any = AnonymousCredentials  # untyped library class
    client = bigquery.Client(project=project, credentials=creds or (anonymous() if url else None),
                             location=task.rendered(ctx, task.location), client_options=options)
    return client, project


@contextmanager
def _client(task: _BigQueryTask, ctx: RunContext) -> Iterator[tuple[Any, str]]:
    from google.api_core import exceptions as google_errors
    from google.auth import exceptions as auth_errors

    client, project = open_client(task, ctx)
    try:
        yield client, project
    except google_errors.GoogleAPIError as error:
        raise TaskFailure(_message(error)) from None
    except auth_errors.GoogleAuthError as error:
        raise TaskFailure(f"Google Cloud authentication failed: {type(error).__name__}: "
                          f"{_first_line(error)}") from None
    finally:
        close: Any = client.close  # untyped
        close()


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [""])[0][:500]


def _message(error: Exception) -> str:
    """BigQuery's message of an API error, with its reason (``notFound``, ``duplicate``...)."""
    code = getattr(error, "code", None)
    errors = getattr(error, "errors", None) or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    detail = str(first.get("message") or getattr(error, "message", None) or _first_line(error))
    detail = re.sub(r"^(GET|POST|PUT|PATCH|DELETE) \S+: ", "", detail)
    reasons = sorted({str(e.get("reason")) for e in errors if isinstance(e, dict) and e.get("reason")})
    prefix = f"BigQuery error {code}" if code else "BigQuery error"
    return f"{prefix}{' (' + ', '.join(reasons) + ')' if reasons else ''}: {detail}"


def _table_id(ref: TableRef) -> str:
    return f"{ref.project}.{ref.dataset}.{ref.table}"


# ---- Query -------------------------------------------------------------------------------------

def query(task: Query, ctx: RunContext) -> Mapping[str, Any]:
    bigquery = _bigquery()

    sql = task.rendered(ctx, task.sql)
    if not sql:
        raise TaskFailure("`sql` is required")
    fetch_type = task.fetch_type(ctx)
    with _client(task, ctx) as (client, project):
        config = bigquery.QueryJobConfig(use_legacy_sql=bool(task.legacySql or task.useLegacySql),
                                         priority=task.priority)
        if task.dryRun:
            config.dry_run = True
        if task.labels:
            config.labels = ctx.render(task.labels)
        if task.maximumBytesBilled is not None:
            config.maximum_bytes_billed = task.maximumBytesBilled
        if task.useQueryCache is not None:
            config.use_query_cache = task.useQueryCache
        destination = task.rendered(ctx, task.destinationTable)
        if destination:
            config.destination = _table_id(parse_table_id(destination, project))
            config.write_disposition = task.writeDisposition
            config.create_disposition = task.createDisposition
            if task.allowLargeResults is not None:
                config.allow_large_results = task.allowLargeResults
            if task.flattenResults is not None:
                config.flatten_results = task.flattenResults
        default_dataset = task.rendered(ctx, task.defaultDataset)
        if default_dataset:
            qualified = default_dataset if "." in default_dataset else f"{project}.{default_dataset}"
            config.default_dataset = qualified
        if task.timePartitioningField or task.timePartitioningType:
            config.time_partitioning = bigquery.TimePartitioning(
                type_=task.timePartitioningType or "DAY", field=task.timePartitioningField)
        if task.rangePartitioningField:
            config.range_partitioning = bigquery.RangePartitioning(
                field=task.rangePartitioningField, range_=bigquery.PartitionRange(
                    start=task.rangePartitioningStart, end=task.rangePartitioningEnd,
                    interval=task.rangePartitioningInterval))
        if task.clusteringFields:
            config.clustering_fields = list(task.clusteringFields)
        if task.schemaUpdateOptions:
            config.schema_update_options = list(task.schemaUpdateOptions)
        job = client.query(sql, job_config=config, location=task.rendered(ctx, task.location))
        outputs: dict[str, Any] = {"jobId": job.job_id}
        if not task.dryRun:
            ctx.logger.debug(f"Query job {job.job_id} started")
            result = job.result(timeout=_seconds(task.jobTimeout))
            if fetch_type != "NONE":
                columns = [f.name for f in result.schema or []]
                batches = ([list(row.values()) for row in page] for page in result.pages)
                outputs.update(collect(ctx, RowSet(columns, batches), fetch_type, None))
        total = int(job.total_bytes_processed or 0)
        outputs["totalBytesProcessed"] = total
        table = job.destination
        if table is not None:
            outputs["destinationTable"] = {"project": table.project, "dataset": table.dataset_id,
                                           "table": table.table_id}
    ctx.logger.info(f"{'Dry run: the query will process' if task.dryRun else 'Query processed'} "
                    f"{human_bytes(total)} ({total} bytes)")
    query_metrics(ctx, total, job.num_dml_affected_rows, job.statement_type or "SELECT", outputs.get("size"))
    return outputs


def _seconds(duration: str | None) -> float | None:
    if not duration:
        return None
    from ..core._support import parse_duration

    return parse_duration(duration, "jobTimeout").total_seconds()


# ---- datasets ----------------------------------------------------------------------------------

def create_dataset(task: CreateDataset, ctx: RunContext) -> Mapping[str, Any]:
    from google.api_core.exceptions import NotFound
    bigquery = _bigquery()

    name = task.rendered(ctx, task.name)
    if not name:
        raise TaskFailure("`name` (the dataset id) is required")
    with _client(task, ctx) as (client, project):
        wanted = bigquery.Dataset(f"{project}.{name}")
        wanted.location = task.rendered(ctx, task.location)
        wanted.friendly_name = task.rendered(ctx, task.friendlyName)
        wanted.description = task.rendered(ctx, task.description)
        if task.labels:
            wanted.labels = ctx.render(task.labels)
        if task.defaultTableLifetime is not None:
            wanted.default_table_expiration_ms = task.defaultTableLifetime
        if task.defaultPartitionExpirationMs is not None:
            wanted.default_partition_expiration_ms = task.defaultPartitionExpirationMs
        try:
            existing = client.get_dataset(wanted.reference)
        except NotFound:
            existing = None
        if existing is None:
            dataset = client.create_dataset(wanted)
        elif task.ifExists == "ERROR":
            raise TaskFailure(f"Already Exists: Dataset {project}:{name}")
        elif task.ifExists == "UPDATE":
            fields = [f for f in ("friendly_name", "description", "labels", "default_table_expiration_ms",
                                  "default_partition_expiration_ms") if getattr(wanted, f)]
            dataset = client.update_dataset(wanted, fields) if fields else existing
        else:
            dataset = existing
    return {"dataset": dataset.dataset_id, "project": dataset.project, "friendlyName": dataset.friendly_name,
            "description": dataset.description, "location": dataset.location}


def delete_dataset(task: DeleteDataset, ctx: RunContext) -> Mapping[str, Any]:
    name = task.rendered(ctx, task.name)
    if not name:
        raise TaskFailure("`name` (the dataset id) is required")
    with _client(task, ctx) as (client, project):
        client.delete_dataset(f"{project}.{name}", delete_contents=task.deleteContents)
    return {"dataset": name, "project": project}


# ---- tables ------------------------------------------------------------------------------------

def _ref(task: Any, ctx: RunContext, project: str) -> TableRef:
    dataset, table = task.rendered(ctx, task.dataset), task.rendered(ctx, task.table)
    if not dataset or not table:
        raise TaskFailure("`dataset` and `table` are required")
    return TableRef(project, dataset, table)


def _schema(fields: Any) -> list[Any]:
    bigquery = _bigquery()

    out = []
    for field in fields or []:
        kind = str(field.get("type") or "STRING").upper()
        sub = _schema(field.get("fields")) if field.get("fields") else ()
        out.append(bigquery.SchemaField(str(field["name"]), kind, mode=str(field.get("mode") or "NULLABLE"),
                                        description=field.get("description"), fields=sub))
    schema_columns(fields or [])  # the same validation as the local mode
    return out


def create_table(task: CreateTable, ctx: RunContext) -> Mapping[str, Any]:
    from google.api_core.exceptions import Conflict
    bigquery = _bigquery()

    definition = ctx.render(task.tableDefinition) if task.tableDefinition else {}
    with _client(task, ctx) as (client, project):
        ref = _ref(task, ctx, project)
        table = bigquery.Table(_table_id(ref), schema=_schema((definition.get("schema") or {}).get("fields")))
        kind = str(definition.get("type") or "TABLE").upper()
        standard = definition.get("standardTableDefinition") or {}
        partitioning = standard.get("timePartitioning") or definition.get("timePartitioning")
        if partitioning:
            table.time_partitioning = bigquery.TimePartitioning(
                type_=str(partitioning.get("type") or "DAY"), field=partitioning.get("field"))
        clustering = (standard.get("clustering") or definition.get("clustering") or {}).get("fields")
        if clustering:
            table.clustering_fields = list(clustering)
        if kind == "VIEW":
            table.view_query = (definition.get("viewDefinition") or {}).get("query")
        elif kind == "EXTERNAL":
            external = definition.get("externalTableDefinition") or {}
            config = bigquery.ExternalConfig(str(external.get("formatType") or "CSV").upper())
            config.source_uris = list(external.get("sourceUris") or [])
            if external.get("ignoreUnknownValues") is not None:
                config.ignore_unknown_values = external["ignoreUnknownValues"]
            table.external_data_configuration = config
        table.description = task.rendered(ctx, task.description)
        table.friendly_name = task.rendered(ctx, task.friendlyName)
        if task.labels:
            table.labels = ctx.render(task.labels)
        if task.requirePartitionFilter is not None:
            table.require_partition_filter = task.requirePartitionFilter
        try:
            created = client.create_table(table)
        except Conflict:
            if (task.ifExists or "ERROR") == "ERROR":
                raise TaskFailure(f"Already Exists: Table {ref}") from None
            created = client.get_table(table.reference)
            if task.ifExists == "UPDATE":
                fields = [f for f in ("description", "friendly_name", "labels", "schema")
                          if getattr(table, f)]
                created = client.update_table(table, fields) if fields else created
        return table_output(created)


def delete_table(task: DeleteTable, ctx: RunContext) -> Mapping[str, Any]:
    with _client(task, ctx) as (client, project):
        ref = _ref(task, ctx, project)
        client.delete_table(_table_id(ref))
    return {"projectId": project, "datasetId": ref.dataset, "table": ref.table}


def table_metadata(task: TableMetadata, ctx: RunContext) -> Mapping[str, Any]:
    from google.api_core.exceptions import NotFound

    with _client(task, ctx) as (client, project):
        ref = _ref(task, ctx, project)
        try:
            return table_output(client.get_table(_table_id(ref)))
        except NotFound:
            if task.ifNotExists == "SKIP":
                ctx.logger.info(f"Table {ref} does not exist: skipped (ifNotExists SKIP)")
                return {}
            raise


def _instant(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def table_output(table: Any) -> dict[str, Any]:
    """Kestra's table output (``AbstractTable.Output``) of a BigQuery table."""
    definition: dict[str, Any] = {"type": table.table_type or "TABLE",
                                  "schema": {"fields": [f.to_api_repr() for f in table.schema or []]}}
    if table.table_type in (None, "TABLE"):
        standard: dict[str, Any] = {"numBytes": table.num_bytes, "numRows": table.num_rows}
        if table.time_partitioning is not None:
            standard["timePartitioning"] = {"type": table.time_partitioning.type_,
                                            "field": table.time_partitioning.field}
        if table.clustering_fields:
            standard["clustering"] = {"fields": list(table.clustering_fields)}
        definition["standardTableDefinition"] = standard
    elif table.table_type == "VIEW":
        definition["viewDefinition"] = {"query": table.view_query}
    elif table.external_data_configuration is not None:
        external = table.external_data_configuration
        definition["externalTableDefinition"] = {"sourceUris": list(external.source_uris or []),
                                                 "formatType": external.source_format,
                                                 "ignoreUnknownValues": external.ignore_unknown_values}
    return {
        "projectId": table.project, "datasetId": table.dataset_id, "table": table.table_id,
        "friendlyName": table.friendly_name, "description": table.description, "labels": table.labels or None,
        "requirePartitionFilter": table.require_partition_filter, "creationTime": _instant(table.created),
        "lastModifiedTime": _instant(table.modified), "numBytes": table.num_bytes, "numRows": table.num_rows,
        "location": table.location, "definition": definition,
    }


# ---- loads and extracts ------------------------------------------------------------------------

def _load_config(task: _Load, ctx: RunContext) -> Any:
    bigquery = _bigquery()

    fmt = (task.rendered(ctx, task.format) or "CSV").upper()
    config = bigquery.LoadJobConfig(source_format="NEWLINE_DELIMITED_JSON" if fmt == "JSON" else fmt)
    csv = ctx.render(task.csvOptions) if task.csvOptions else {}
    if fmt == "CSV":
        if csv.get("skipLeadingRows") is not None:
            config.skip_leading_rows = int(csv["skipLeadingRows"])
        for key, attribute in (("fieldDelimiter", "field_delimiter"), ("quote", "quote_character"),
                               ("allowJaggedRows", "allow_jagged_rows"), ("encoding", "encoding"),
                               ("allowQuotedNewLines", "allow_quoted_newlines")):
            if csv.get(key) is not None:
                setattr(config, attribute, csv[key])
    schema = ctx.render(task.schema_) if task.schema_ else None
    if schema:
        config.schema = _schema(schema.get("fields") if isinstance(schema, dict) else schema)
    for prop, attribute in (("autodetect", "autodetect"), ("writeDisposition", "write_disposition"),
                            ("createDisposition", "create_disposition"), ("maxBadRecords", "max_bad_records"),
                            ("ignoreUnknownValues", "ignore_unknown_values")):
        value = getattr(task, prop)
        if value is not None:
            setattr(config, attribute, value)
    if task.timePartitioningField or task.timePartitioningType:
        config.time_partitioning = bigquery.TimePartitioning(type_=task.timePartitioningType or "DAY",
                                                             field=task.timePartitioningField)
    if task.clusteringFields:
        config.clustering_fields = list(task.clusteringFields)
    if task.schemaUpdateOptions:
        config.schema_update_options = list(task.schemaUpdateOptions)
    if task.labels:
        config.labels = ctx.render(task.labels)
    return config


def _load_result(job: Any, ref: TableRef, ctx: RunContext) -> Mapping[str, Any]:
    job.result()
    rows = int(job.output_rows or 0)
    ctx.metric("rows", rows)
    ctx.logger.info(f"Loaded {rows} rows into {ref}")
    return {"jobId": job.job_id, "rows": rows, "destinationTable": ref.api()}


def load(task: Load, ctx: RunContext) -> Mapping[str, Any]:
    source = task.rendered(ctx, task.from_)
    if not source:
        raise TaskFailure("`from` is required: the kestra:// URI of the file to load")
    with _client(task, ctx) as (client, project):
        ref = parse_table_id(task.rendered(ctx, task.destinationTable) or "", project)
        with ctx.storage.open(source) as data:
            job = client.load_table_from_file(data, _table_id(ref), job_config=_load_config(task, ctx),
                                              location=task.rendered(ctx, task.location))
        return _load_result(job, ref, ctx)


def load_from_gcs(task: LoadFromGcs, ctx: RunContext) -> Mapping[str, Any]:
    rendered = ctx.render_typed(task.from_)
    uris = [str(u) for u in (rendered if isinstance(rendered, list) else [rendered]) if u]
    if not uris:
        raise TaskFailure("`from` is required: gs:// URIs of the files to load")
    with _client(task, ctx) as (client, project):
        ref = parse_table_id(task.rendered(ctx, task.destinationTable) or "", project)
        job = client.load_table_from_uri(uris, _table_id(ref), job_config=_load_config(task, ctx),
                                         location=task.rendered(ctx, task.location))
        return _load_result(job, ref, ctx)


def extract_to_gcs(task: ExtractToGcs, ctx: RunContext) -> Mapping[str, Any]:
    bigquery = _bigquery()

    extract_config: Any = bigquery.ExtractJobConfig  # untyped
    config = extract_config()
    for prop, attribute in (("compression", "compression"), ("fieldDelimiter", "field_delimiter"),
                            ("format", "destination_format"), ("printHeader", "print_header"),
                            ("useAvroLogicalTypes", "use_avro_logical_types")):
        value = getattr(task, prop)
        if value is not None:
            setattr(config, attribute, ctx.render(value))
    if task.labels:
        config.labels = ctx.render(task.labels)
    uris = [str(ctx.render(u)) for u in task.destinationUris]
    with _client(task, ctx) as (client, project):
        ref = parse_table_id(task.rendered(ctx, task.sourceTable) or "", project)
        job = client.extract_table(_table_id(ref), uris, job_config=config,
                                   location=task.rendered(ctx, task.location))
        job.result(timeout=task.jobTimeoutMs / 1000 if task.jobTimeoutMs else None)
        counts = list(job.destination_uri_file_counts or [])
    return {"jobId": job.job_id, "sourceTable": ref.api(), "destinationUris": uris, "fileCounts": counts}

