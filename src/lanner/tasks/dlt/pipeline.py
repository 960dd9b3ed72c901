"""``io.lanner.plugin.dlt.Pipeline``: run a dlt (data load tool) pipeline inside the worker.

The run is dlt's own ``pipeline.run`` taken apart, so the task can hold locks only where needed
and report each step:

1. lock the pipeline's working directory (``<lanner-home>/dlt/<namespace>/<flow>/<pipeline>``:
   its state, incremental cursors and pending packages persist there between executions);
2. sync the state with the destination (a worker that has never run this pipeline restores
   its cursors from the destination's ``_dlt_pipeline_state`` table);
3. load packages an earlier failed run left behind (dlt's at-least-once guarantee);
4. extract, normalize, load the new data; the local BigQuery warehouse is locked only to load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure
from lanner.tasks._config import config_value, lanner_home

from ._http import HttpSettings

DestinationKind = Literal["duckdb", "postgres", "bigquery"]
WriteDisposition = Literal["append", "replace", "merge"]
MergeStrategy = Literal["delete-insert", "upsert", "scd2"]
RefreshMode = Literal["drop_sources", "drop_resources", "drop_data"]
FileFormat = Literal["jsonl", "insert_values", "parquet", "csv"]
_NAME = re.compile(r"[^A-Za-z0-9_]+")

_REST_EXAMPLE = """\
id: crypto_markets
namespace: company.team

tasks:
  - id: load_markets
    type: io.lanner.plugin.dlt.Pipeline
    destination: duckdb
    datasetName: crypto
    restApi:
      client:
        base_url: https://api.coingecko.com/api/v3/
        paginator:
          type: page_number
          base_page: 1
          page_param: page
          total_path: null
          maximum_page: 2
      resources:
        - name: markets
          endpoint:
            path: coins/markets
            params:
              vs_currency: usd
              per_page: 100
            incremental:
              cursor_path: last_updated
              initial_value: "2024-01-01T00:00:00Z"
              lag: 600
          primary_key: [id, last_updated]
          write_disposition: merge
    retry:
      type: exponential
      interval: PT30S
      maxInterval: PT5M
      maxAttempts: 3

triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "@hourly"
"""

_SCRIPT_EXAMPLE = """\
id: numbers_to_postgres
namespace: company.team

tasks:
  - id: load
    type: io.lanner.plugin.dlt.Pipeline
    destination: postgres
    datasetName: demo
    writeDisposition: merge
    primaryKey: id
    args:
      count: 10
    script: |
      import dlt

      @dlt.resource(name="numbers")
      def numbers(count: int = 3):
          yield [{"id": i, "square": i * i} for i in range(count)]
"""


class Pipeline(RunnableTask):
    """Run a dlt (data load tool) pipeline in the worker: a declarative `restApi` source or a Python
    source/resource (`script` or `namespaceFile`) loaded into DuckDB, PostgreSQL (the Lanner-managed
    one by default) or BigQuery (real, or Lanner's local warehouse with `gcp: {mode: local}`).
    State and incremental cursors persist between executions under `lanner-home`. Outputs:
    `rowCount`, `tables` (rows and load ids per table), `loadIds`, `schemaChanges`, `incremental`
    (each resource's cursor), `pipelineName`, `datasetName`, `destination`, and where the data went
    (`database`, `warehouse`, `projectId`)."""

    kestra_type = "io.lanner.plugin.dlt.Pipeline"
    examples = (_REST_EXAMPLE, _SCRIPT_EXAMPLE)

    restApi: dict[str, Any] | None = Field(
        default=None,
        description="A dlt `rest_api` source, as dlt's RESTAPIConfig: `client` (base_url, headers, auth, "
                    "paginator), `resource_defaults`, `resources` (name, endpoint: path, params, "
                    "incremental, data_selector; primary_key, write_disposition, columns...). Rendered.")
    script: str | None = Field(
        default=None, description="Python code defining a dlt source or resource (run in the worker).")
    namespaceFile: str | None = Field(
        default=None, description="Path of a namespace file with Python code, used like `script`.")
    entrypoint: str | None = Field(
        default=None, description="Name of the source, resource or function of the script to run "
                                  "(default: the only one it defines).")
    args: dict[str, Any] | None = Field(
        default=None, description="Keyword arguments for the script's source/resource function (rendered).")
    resources: Prop[list[str]] | None = Field(
        default=None, description="Load only these resources of the source.")
    destination: Prop[DestinationKind] = Field(
        default="duckdb", description="`duckdb`, `postgres` or `bigquery`.")
    url: str | None = Field(
        default=None,
        description="duckdb: the database file (a path or jdbc:duckdb:/path; default "
                    "`<lanner-home>/dlt/<namespace>/<flow>/<pipeline>_warehouse.duckdb`). postgres: a "
                    "JDBC or postgresql:// URL (default: the Lanner-managed PostgreSQL, "
                    "jdbc:postgresql://pgdatabase:5432/ny_taxi, hosts mapping applied).")
    username: str | None = Field(default=None, description="postgres: user name.")
    password: str | None = Field(default=None, description="postgres: password.")
    projectId: str | None = Field(default=None, description="bigquery: project (default: the key's).")
    serviceAccount: str | None = Field(
        default=None, description="bigquery: service-account JSON key (content); ADC when absent.")
    location: str | None = Field(default=None, description="bigquery: dataset location (default US).")
    pipelineName: str | None = Field(
        default=None, description="Name of the dlt pipeline (default: `<flow id>_<task id>`): it keys "
                                  "the working directory and the state stored in the destination.")
    datasetName: str | None = Field(
        default=None, description="Dataset (schema) to load into (default: `<pipeline>_dataset`).")
    writeDisposition: Prop[WriteDisposition] | None = Field(
        default=None, description="Override for every resource: `append`, `replace` or `merge`.")
    mergeStrategy: MergeStrategy | None = Field(
        default=None, description="With `merge`: `delete-insert` (dlt's default), `upsert` or `scd2`.")
    primaryKey: Prop[str | list[str]] | None = Field(
        default=None, description="Column(s) identifying a record: `merge` keeps one row per key.")
    mergeKey: Prop[str | list[str]] | None = Field(
        default=None, description="Column(s) whose matching rows `merge` replaces (e.g. a date).")
    tableName: str | None = Field(
        default=None, description="Table name (when the source has a single resource).")
    schemaContract: str | dict[str, Any] | None = Field(
        default=None, description="dlt schema contract, e.g. `freeze` (a new column fails the run) or "
                                  "`{columns: discard_value}`. Default: evolve (new tables/columns added).")
    refresh: RefreshMode | None = Field(
        default=None, description="Reset before loading: `drop_sources`, `drop_resources` or `drop_data`.")
    loaderFileFormat: FileFormat | None = Field(
        default=None, description="Format of the load files: default `jsonl` for DuckDB and the local "
                                  "BigQuery warehouse (30x faster to load than INSERT statements), "
                                  "dlt's preferred one elsewhere. `parquet` needs pyarrow.")
    http: HttpSettings | None = Field(
        default=None, description="`restApi` requests: `maxAttempts`, `backoffFactor`, `maxRetryDelay`, "
                                  "`timeout`, `respectRetryAfter`.")

    @model_validator(mode="after")
    def _one_source(self) -> Pipeline:
        given = [name for name in ("restApi", "script", "namespaceFile") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("set exactly one source: `restApi`, `script` or `namespaceFile`"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.restApi is not None and (self.entrypoint or self.args):
            raise ValueError("`entrypoint` and `args` apply to `script`/`namespaceFile`, not `restApi`")
        return self

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        from ._runtime import dlt_logs_to, import_dlt, pipeline_lock
        from .run import PipelineRun

        dlt = import_dlt()
        name = self.rendered(ctx, self.pipelineName) or _NAME.sub("_", f"{ctx.flow_id}_{ctx.task_id}")
        if _NAME.search(name):
            raise TaskFailure(f"`pipelineName` {name!r} may hold only letters, digits and `_`")
        directory = pipelines_dir(ctx)
        # not <pipeline>.duckdb: a dataset named like the file (its catalog) confuses DuckDB
        target = self.target(ctx, directory / f"{name}_warehouse.duckdb")
        dataset = self.rendered(ctx, self.datasetName)
        with pipeline_lock(directory / f"{name}.lock", ctx):
            pipeline = dlt.pipeline(pipeline_name=name, pipelines_dir=str(directory),
                                    destination=target.offline, dataset_name=dataset)
            with dlt_logs_to(ctx):
                return PipelineRun(self, ctx, pipeline, target).execute()

    def target(self, ctx: RunContext, default_duckdb: Path) -> Any:
        from . import destinations

        kind = str(ctx.render(self.destination)).strip().lower()
        if kind == "duckdb":
            return destinations.duckdb_target(ctx, self.rendered(ctx, self.url), default_duckdb)
        if kind == "postgres":
            return destinations.postgres_target(ctx, self.rendered(ctx, self.url),
                                                self.rendered(ctx, self.username),
                                                self.rendered(ctx, self.password))
        if kind == "bigquery":
            return destinations.bigquery_target(ctx, self.rendered(ctx, self.projectId),
                                                self.rendered(ctx, self.serviceAccount),
                                                self.rendered(ctx, self.location))
        raise TaskFailure(f"Unknown destination {kind!r}: expected duckdb, postgres or bigquery")

    @staticmethod
    def rendered(ctx: RunContext, value: Any) -> str | None:
        if value is None:
            return None
        text = str(ctx.render(value)).strip()
        return text or None


def pipelines_dir(ctx: RunContext) -> Path:
    """``dlt.pipelines-dir`` of the configuration, else ``<lanner-home>/dlt``; then
    ``<namespace>/<flow>``: one directory per pipeline inside it."""
    configured = config_value(ctx.config, "dlt", "pipelines-dir")
    root = Path(str(configured)).expanduser() if configured else lanner_home(ctx.config) / "dlt"
    return root / ctx.namespace / ctx.flow_id
