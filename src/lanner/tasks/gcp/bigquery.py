"""``io.kestra.plugin.gcp.bigquery.*``: BigQuery tasks.

Each task runs against Google BigQuery (``google-cloud-bigquery``, ``bq_cloud``) or, with the
configuration ``gcp: {mode: local}``, against a local DuckDB warehouse that speaks BigQuery's SQL
(``bq_local``; see ``bq_engine`` for what it supports and ``bq_bytes`` for how it reports bytes
processed). This module holds the schemas (the tasks' properties) and picks the backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any, Literal

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, TaskFailure

from ._base import IfExists, LocatedGcpTask

WriteDisposition = Literal["WRITE_TRUNCATE", "WRITE_APPEND", "WRITE_EMPTY"]
CreateDisposition = Literal["CREATE_IF_NEEDED", "CREATE_NEVER"]
FetchType = Literal["FETCH", "FETCH_ONE", "STORE", "NONE"]


class _BigQueryTask(LocatedGcpTask):
    """Runs the backend's function named after the task type (``query``, ``create_dataset``...)."""

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        from .auth import gcp_mode

        name = "".join("_" + c.lower() if c.isupper() else c for c in type(self).__name__).lstrip("_")
        module = ".bq_local" if gcp_mode(ctx) == "local" else ".bq_cloud"
        backend: ModuleType = importlib.import_module(module, __package__)
        result: Mapping[str, Any] = getattr(backend, name)(self, ctx)
        return result

    def project(self, ctx: RunContext) -> str | None:
        """``projectId``, else the service account's (checked and masked in every mode)."""
        return self.google_credentials(ctx)[1]


class Query(_BigQueryTask):
    """Run a BigQuery SQL job (scripts with several statements allowed). Outputs: `jobId`, `rows`,
    `row`, `size`, `uri` (per `fetchType`), `destinationTable`, `totalBytesProcessed` (dry runs too)."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.Query"
    examples = (
        """\
id: bq_query
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: my-project
    sql: SELECT 1 AS one
    fetchType: FETCH_ONE
""",
    )

    sql: str | None = Field(default=None, description="The SQL (rendered).")
    legacySql: bool = False
    fetchType: Prop[FetchType] = "NONE"
    fetch: bool | None = Field(default=None, description="Deprecated: use `fetchType`.")
    fetchOne: bool | None = Field(default=None, description="Deprecated: use `fetchType`.")
    store: bool | None = Field(default=None, description="Deprecated: use `fetchType`.")
    destinationTable: str | None = None
    writeDisposition: WriteDisposition | None = None
    createDisposition: CreateDisposition | None = None
    defaultDataset: str | None = None
    priority: Literal["INTERACTIVE", "BATCH"] = "INTERACTIVE"
    dryRun: bool = False
    jobTimeout: str | None = None
    labels: dict[str, str] | None = None
    maximumBytesBilled: int | None = None
    timePartitioningField: str | None = None
    timePartitioningType: Literal["DAY", "HOUR", "MONTH", "YEAR"] | None = None
    rangePartitioningField: str | None = None
    rangePartitioningStart: int | None = None
    rangePartitioningEnd: int | None = None
    rangePartitioningInterval: int | None = None
    clusteringFields: list[str] | None = None
    schemaUpdateOptions: list[str] | None = None
    allowLargeResults: bool | None = None
    useQueryCache: bool | None = None
    flattenResults: bool | None = None
    useLegacySql: bool | None = None
    maxResults: int | None = None
    retryAuto: dict[str, Any] | None = None
    retryReasons: list[str] | None = None
    retryMessages: list[str] | None = None

    def fetch_type(self, ctx: RunContext) -> FetchType:
        """``fetchType``, or the deprecated ``store`` / ``fetchOne`` / ``fetch`` flags."""
        if self.store:
            return "STORE"
        if self.fetchOne:
            return "FETCH_ONE"
        if self.fetch:
            return "FETCH"
        value = str(ctx.render(self.fetchType) or "NONE").strip().upper()
        if value not in ("FETCH", "FETCH_ONE", "STORE", "NONE"):
            raise TaskFailure(f"Invalid fetchType {value!r}: expected FETCH, FETCH_ONE, STORE or NONE")
        return value  # type: ignore[return-value]


class _Dataset(_BigQueryTask):
    name: str = Field(description="The dataset id.")
    friendlyName: str | None = None
    description: str | None = None
    labels: dict[str, str] | None = None
    acl: list[dict[str, Any]] | None = None
    defaultTableLifetime: int | None = None
    defaultPartitionExpirationMs: int | None = None
    defaultEncryptionConfiguration: dict[str, Any] | None = None


class CreateDataset(_Dataset):
    """Create a dataset (`ifExists`: ERROR, UPDATE or SKIP). Outputs: `dataset`, `project`, `location`..."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.CreateDataset"
    examples = (
        """\
id: bq_create_dataset
namespace: company.team

tasks:
  - id: dataset
    type: io.kestra.plugin.gcp.bigquery.CreateDataset
    projectId: my-project
    name: zoomcamp
    ifExists: SKIP
""",
    )

    ifExists: IfExists = "ERROR"


class DeleteDataset(_BigQueryTask):
    """Delete a dataset (with its tables when `deleteContents`)."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.DeleteDataset"
    examples = (
        """\
id: bq_delete_dataset
namespace: company.team

tasks:
  - id: drop
    type: io.kestra.plugin.gcp.bigquery.DeleteDataset
    projectId: my-project
    name: zoomcamp
    deleteContents: true
""",
    )

    name: str = Field(description="The dataset id.")
    deleteContents: bool = False


class CreateTable(_BigQueryTask):
    """Create a table from a `tableDefinition`."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.CreateTable"
    examples = (
        """\
id: bq_create_table
namespace: company.team

tasks:
  - id: table
    type: io.kestra.plugin.gcp.bigquery.CreateTable
    projectId: my-project
    dataset: zoomcamp
    table: trips
    tableDefinition:
      type: TABLE
      schema:
        fields:
          - name: id
            type: INT64
""",
    )

    dataset: str
    table: str
    tableDefinition: dict[str, Any] | None = None
    friendlyName: str | None = None
    description: str | None = None
    labels: dict[str, str] | None = None
    requirePartitionFilter: bool | None = None
    encryptionConfiguration: dict[str, Any] | None = None
    expirationDuration: str | None = None
    ifExists: IfExists | None = None


class DeleteTable(_BigQueryTask):
    """Delete a table (or one partition with `table$YYYYMMDD`)."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.DeleteTable"
    examples = (
        """\
id: bq_delete_table
namespace: company.team

tasks:
  - id: drop
    type: io.kestra.plugin.gcp.bigquery.DeleteTable
    projectId: my-project
    dataset: zoomcamp
    table: trips
""",
    )

    dataset: str
    table: str


class _Load(_BigQueryTask):
    destinationTable: str = Field(description="`dataset.table` (or `project.dataset.table`) to load into.")
    format: Literal["CSV", "JSON", "AVRO", "PARQUET", "ORC"] | None = None
    csvOptions: dict[str, Any] | None = None
    avroOptions: dict[str, Any] | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    autodetect: bool | None = None
    writeDisposition: WriteDisposition | None = None
    createDisposition: CreateDisposition | None = None
    ignoreUnknownValues: bool | None = None
    maxBadRecords: int | None = None
    clusteringFields: list[str] | None = None
    schemaUpdateOptions: list[str] | None = None
    timePartitioningField: str | None = None
    timePartitioningType: Literal["DAY", "HOUR", "MONTH", "YEAR"] | None = None
    labels: dict[str, str] | None = None
    dryRun: bool = False


class Load(_Load):
    """Load a file of internal storage into a table. Outputs: `rows`, `jobId`, `destinationTable`."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.Load"
    examples = (
        """\
id: bq_load
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.core.http.Download
    uri: https://example.com/data.csv
  - id: load
    type: io.kestra.plugin.gcp.bigquery.Load
    projectId: my-project
    from: "{{ outputs.download.uri }}"
    destinationTable: zoomcamp.data
    format: CSV
    autodetect: true
""",
    )

    from_: str = Field(alias="from", description="kestra:// URI of the file to load.")


class LoadFromGcs(_Load):
    """Load `gs://` files into a table. Outputs: `rows`, `jobId`, `destinationTable`."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.LoadFromGcs"
    examples = (
        """\
id: bq_load_from_gcs
namespace: company.team

tasks:
  - id: load
    type: io.kestra.plugin.gcp.bigquery.LoadFromGcs
    projectId: my-project
    from:
      - gs://my-bucket/data.csv
    destinationTable: zoomcamp.data
    format: CSV
""",
    )

    from_: list[str] = Field(alias="from", description="`gs://` URIs of the files to load.")


class ExtractToGcs(_BigQueryTask):
    """Export a table to `gs://` files. Outputs: `jobId`, `sourceTable`, `destinationUris`, `fileCounts`."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.ExtractToGcs"
    examples = (
        """\
id: bq_extract
namespace: company.team

tasks:
  - id: extract
    type: io.kestra.plugin.gcp.bigquery.ExtractToGcs
    projectId: my-project
    sourceTable: my-project.zoomcamp.trips
    destinationUris:
      - gs://my-bucket/trips-*.csv
    format: CSV
""",
    )

    sourceTable: str
    destinationUris: list[str]
    compression: str | None = None
    fieldDelimiter: str | None = None
    format: str | None = None
    printHeader: bool | None = None
    useAvroLogicalTypes: bool | None = None
    jobTimeoutMs: int | None = None
    labels: dict[str, str] | None = None


class TableMetadata(_BigQueryTask):
    """Read a table's metadata. Output: `table` (schema, size, partitioning...)."""

    kestra_type = "io.kestra.plugin.gcp.bigquery.TableMetadata"
    examples = (
        """\
id: bq_table_metadata
namespace: company.team

tasks:
  - id: meta
    type: io.kestra.plugin.gcp.bigquery.TableMetadata
    projectId: my-project
    dataset: zoomcamp
    table: trips
""",
    )

    dataset: str
    table: str
    ifNotExists: Literal["ERROR", "SKIP"] = "ERROR"
