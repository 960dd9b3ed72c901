"""What a dlt run tells the flow: rows and load packages per table, schema changes, incremental
cursors; and, when it fails, one clear sentence instead of dlt's nested exception text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lanner.plugins.api import TaskFailure

from ._http import LastRequest
from ._runtime import json_safe

_DLT_TABLE_PREFIX = "_dlt"


def is_dlt_table(name: str) -> bool:
    return name.startswith(_DLT_TABLE_PREFIX)


def known_columns(pipeline: Any) -> dict[str, set[str]]:
    """Tables and columns of the pipeline's schemas before this run (to tell what changed)."""
    tables: dict[str, set[str]] = {}
    for schema in pipeline.schemas.values():
        for name, table in schema.tables.items():
            if not is_dlt_table(name):
                tables[name] = set(table.get("columns", {}))
    return tables


@dataclass
class RunRecord:
    """What the steps of one task run did (a run may load packages left by an earlier one)."""

    row_counts: dict[str, int] = field(default_factory=dict)
    load_infos: list[Any] = field(default_factory=list)

    def add_normalize(self, info: Any) -> None:
        for table, rows in (getattr(info, "row_counts", None) or {}).items():
            self.row_counts[table] = self.row_counts.get(table, 0) + int(rows)

    def load_ids(self) -> list[str]:
        return [load_id for info in self.load_infos for load_id in info.loads_ids]

    def packages(self) -> Iterable[Any]:
        for info in self.load_infos:
            yield from info.load_packages


def schema_changes(record: RunRecord, before: Mapping[str, set[str]]) -> list[dict[str, Any]]:
    changes: dict[str, dict[str, Any]] = {}
    for package in record.packages():
        for table, update in (package.schema_update or {}).items():
            if is_dlt_table(table):
                continue
            columns = [c for c in (update.get("columns") or {}) if not is_dlt_table(c)]
            entry = changes.setdefault(table, {"table": table, "created": table not in before,
                                               "newColumns": []})
            known = before.get(table, set())
            entry["newColumns"] += [c for c in columns if c not in known and c not in entry["newColumns"]]
    return [c for c in changes.values() if c["created"] or c["newColumns"]]


def tables_output(record: RunRecord) -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    for table, rows in record.row_counts.items():
        if not is_dlt_table(table):
            tables[table] = {"rows": rows, "loadIds": []}
    for package in record.packages():
        for jobs in (package.jobs or {}).values():
            for job in jobs:
                name = job.job_file_info.table_name
                entry = tables.get(name)
                if entry is not None and package.load_id not in entry["loadIds"]:
                    entry["loadIds"].append(package.load_id)
    return tables


def incremental_cursors(pipeline: Any) -> dict[str, dict[str, Any]]:
    """``{resource: {cursor_path: last_value}}`` from the pipeline state."""
    cursors: dict[str, dict[str, Any]] = {}
    sources = (pipeline.state or {}).get("sources") or {}
    for source in sources.values():
        for resource, state in ((source or {}).get("resources") or {}).items():
            for cursor, values in ((state or {}).get("incremental") or {}).items():
                if isinstance(values, Mapping) and "last_value" in values:
                    cursors.setdefault(resource, {})[cursor] = json_safe(values["last_value"])
    return cursors


def failed_jobs(record: RunRecord) -> list[str]:
    failed = []
    for package in record.packages():
        for job in (package.jobs or {}).get("failed_jobs", []):
            failed.append(f"{job.job_file_info.table_name}: {job.failed_message}")
    return failed


# ---- failures ----------------------------------------------------------------------------------

def _chain(exc: BaseException) -> Sequence[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        inner = getattr(current, "exception", None)  # dlt's PipelineStepFailed keeps the step's error
        current = inner if isinstance(inner, BaseException) else (current.__cause__ or current.__context__)
    return seen


def explain(exc: BaseException, step: str, pipeline_name: str, last: LastRequest | None,
            aftermath: str = "") -> TaskFailure:
    """A ``TaskFailure`` for an exception raised by a dlt step; ``aftermath`` says what became of
    the run's data when it is not the usual (see the end of this function)."""
    chain = _chain(exc)
    for error in chain:
        if isinstance(error, TaskFailure):
            return error
    for error in chain:
        # requests raises simplejson's JSONDecodeError when simplejson is installed (dlt needs it)
        if isinstance(error, json.JSONDecodeError) or type(error).__name__ == "JSONDecodeError":
            where = last.describe() if last is not None else "the source"
            return TaskFailure(f"Malformed JSON from {where}: {error}. Nothing was loaded by this run: "
                               "dlt discards the data of a failed extraction.")
    for error in chain:
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
        if status is not None and status >= 400:
            url = getattr(response, "url", "") or (last.url if last else "")
            reason = getattr(response, "reason", "") or ""
            return TaskFailure(f"The API answered HTTP {status} {reason}".rstrip()
                               + f" to {url} (after dlt's retries); nothing was loaded by this run.")
    root = chain[-1]
    name = type(root).__name__
    text = " ".join(str(root).split()) or name
    if len(text) > 1200:
        text = text[:1200] + " ..."
    if not aftermath and step == "load":
        aftermath = ("The load package stays in the pipeline's working directory: the next run (or a "
                     "retry) loads it before extracting anything new.")
    elif not aftermath and step in ("extract", "sync"):
        aftermath = "Nothing was loaded by this run."
    message = f"dlt pipeline {pipeline_name} failed at the {step} step: {name}: {text}. {aftermath}"
    return TaskFailure(message.rstrip())
