"""One run of a ``Pipeline`` task: dlt's steps one by one, each logged, failures explained."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lanner.plugins.api import RunContext, TaskFailure

from ._http import WatchedSession
from .destinations import Target
from .results import (
    RunRecord,
    explain,
    failed_jobs,
    incremental_cursors,
    is_dlt_table,
    known_columns,
    schema_changes,
    tables_output,
)
from .sources import apply_hints, rest_api_source, script_source

if TYPE_CHECKING:
    from .pipeline import Pipeline


class PipelineRun:
    def __init__(self, task: Pipeline, ctx: RunContext, pipeline: Any, target: Target) -> None:
        self.task = task
        self.ctx = ctx
        self.pipeline = pipeline
        self.target = target
        self.record = RunRecord()
        self.session: WatchedSession | None = None
        self.step = "extract"

    def execute(self) -> Mapping[str, Any]:
        ctx, pipeline = self.ctx, self.pipeline
        ctx.logger.info(f"dlt pipeline {pipeline.pipeline_name} -> {self.target.kind} ({self.target.where}), "
                        f"dataset {pipeline.dataset_name}; working directory {pipeline.working_dir}")
        try:
            self._sync_state()
            self._finish_pending()
            source = self._source()
            before = known_columns(pipeline)
            self._extract(source)
            self._normalize()
            self._load()
        except TaskFailure:
            raise
        except Exception as exc:
            last = self.session.last if self.session is not None else None
            aftermath = self._abort() if self.step == "normalize" else ""
            raise explain(exc, self.step, pipeline.pipeline_name, last, aftermath) from exc
        return self._outputs(before)

    # ---- steps ---------------------------------------------------------------------------------

    def _check_killed(self) -> None:
        if self.ctx.is_killed():
            raise TaskFailure(f"Killed before the {self.step} step")

    def _abort(self) -> str:
        """A package that failed to normalize fails the same way every time (a schema contract, a
        value that cannot be coerced): drop it and restore the state to before its extraction,
        so the next run extracts the same records again instead of being stuck on it."""
        try:
            self.pipeline.abort_packages()
        except Exception as exc:  # the failure itself is what the user needs to see first
            self.ctx.logger.warn(f"Could not drop the package that failed to normalize: {exc}")
            return ""
        return ("The data of this run was dropped and the pipeline state (incremental cursors) "
                "restored: nothing was loaded.")

    def _sync_state(self) -> None:
        self.step = "sync"
        with self.target.session() as session:
            self.pipeline.sync_destination(destination=session.destination,
                                           dataset_name=self.pipeline.dataset_name)

    def _finish_pending(self) -> None:
        pipeline = self.pipeline
        if pipeline.list_extracted_load_packages():
            self.ctx.logger.warn("Normalizing data an earlier run extracted but did not normalize")
            self._normalize()
        pending = pipeline.list_normalized_load_packages()
        if pending:
            self.ctx.logger.warn(f"Loading {len(pending)} package(s) an earlier run left unloaded: "
                                 f"{', '.join(pending)}")
            self._load()

    def _source(self) -> Any:
        task, ctx = self.task, self.ctx
        if task.restApi is not None:
            source, self.session = rest_api_source(ctx, task.restApi, task.http, None)
        else:
            if task.script is not None:
                code, origin = task.script, f"the `script` of task {task.id}"
            else:
                path = task.rendered(ctx, task.namespaceFile) or ""
                try:
                    code = ctx.storage.namespace_file(path).decode("utf-8")
                except Exception as exc:
                    raise TaskFailure(f"Cannot read namespace file {path!r}: {exc}") from None
                origin = f"namespace file {path}"
            args = ctx.render_typed(task.args or {})
            source = script_source(ctx, code, origin, task.rendered(ctx, task.entrypoint),
                                   args if isinstance(args, Mapping) else {})
        resources = ctx.render_typed(task.resources) if task.resources is not None else None
        if isinstance(resources, str):
            resources = [resources]
        disposition: Any = ctx.render(task.writeDisposition) if task.writeDisposition else None
        if disposition and task.mergeStrategy:
            disposition = {"disposition": disposition, "strategy": task.mergeStrategy}
        return apply_hints(source, resources=resources, write_disposition=disposition,
                           primary_key=_keys(ctx, task.primaryKey), merge_key=_keys(ctx, task.mergeKey),
                           table_name=task.rendered(ctx, task.tableName))

    def _extract(self, source: Any) -> None:
        self.step = "extract"
        self._check_killed()
        started = time.monotonic()
        info = self.pipeline.extract(source, schema_contract=self.task.schemaContract,
                                     refresh=self.task.refresh,
                                     loader_file_format=self.task.loaderFileFormat or self.target.file_format)
        self.ctx.logger.info(f"Extracted in {time.monotonic() - started:.2f}s"
                             + _describe_extract(info, self.session))

    def _normalize(self) -> None:
        self.step = "normalize"
        self._check_killed()
        started = time.monotonic()
        info = self.pipeline.normalize()
        self.record.add_normalize(info)
        counts = {t: n for t, n in (info.row_counts or {}).items() if not is_dlt_table(t)}
        shown = ", ".join(f"{t}: {n}" for t, n in counts.items()) or "no rows"
        self.ctx.logger.info(f"Normalized in {time.monotonic() - started:.2f}s ({shown})")

    def _load(self) -> None:
        self.step = "load"
        self._check_killed()
        started = time.monotonic()
        pipeline = self.pipeline
        with self.target.session() as session:
            info = pipeline.load(destination=session.destination, dataset_name=pipeline.dataset_name)
            self.record.load_infos.append(info)
            tables = [name for schema in pipeline.schemas.values() for name in schema.data_table_names()]
            session.after_load(pipeline.dataset_name, tables)
        failed = failed_jobs(self.record)
        if failed:
            raise TaskFailure(f"dlt could not load {len(failed)} job(s): " + "; ".join(failed))
        ids = ", ".join(info.loads_ids) or "nothing new"
        self.ctx.logger.info(f"Loaded in {time.monotonic() - started:.2f}s: package(s) {ids}")

    # ---- outputs -------------------------------------------------------------------------------

    def _outputs(self, before: Mapping[str, set[str]]) -> dict[str, Any]:
        ctx, pipeline = self.ctx, self.pipeline
        tables = tables_output(self.record)
        total = sum(t["rows"] for t in tables.values())
        changes = schema_changes(self.record, before)
        for change in changes:
            if change["created"]:
                ctx.logger.info(f"Schema change: new table {change['table']}")
            else:
                ctx.logger.info(f"Schema change: table {change['table']} has new column(s) "
                                f"{', '.join(change['newColumns'])}")
        cursors = incremental_cursors(pipeline)
        for resource, values in cursors.items():
            shown = ", ".join(f"{cursor} = {value}" for cursor, value in values.items())
            ctx.logger.info(f"Incremental cursor of {resource}: {shown}")
        ctx.metric("rows", total)
        for name, table in tables.items():
            ctx.metric("rows", table["rows"], tags={"table": name})
        return {
            "pipelineName": pipeline.pipeline_name, "datasetName": pipeline.dataset_name,
            "destination": self.target.kind, **self.target.outputs,
            "rowCount": total, "tables": tables, "loadIds": self.record.load_ids(),
            "schemaChanges": changes, "incremental": cursors,
        }


def _keys(ctx: RunContext, value: Any) -> Any:
    if value is None:
        return None
    rendered = ctx.render_typed(value)
    if isinstance(rendered, str) and "," in rendered:
        return [part.strip() for part in rendered.split(",") if part.strip()]
    return rendered


def _describe_extract(info: Any, session: WatchedSession | None) -> str:
    if session is None or not session.responses:
        return ""
    return f" ({session.responses} HTTP response(s); the last: {session.last.describe()})"
