"""Task metrics: one row per reported value, with the columns their queries filter, group and
sort on (instants in epoch microseconds, as everywhere; tags as JSON)."""

from __future__ import annotations

from lanner.store.sql.migrations import Migration

MIGRATION = Migration(
    version=3,
    name="metrics",
    statements=(
        # ``seq`` keeps the order of arrival (ties of every sort); ``reported_at`` is the
        # metric's timestamp (a column named ``timestamp`` would shadow the SQL type).
        """CREATE TABLE metrics (
            seq {serial_pk},
            execution_id {text} NOT NULL,
            namespace {text} NOT NULL,
            flow_id {text} NOT NULL,
            task_id {text} NOT NULL,
            task_run_id {text} NOT NULL,
            type {text} NOT NULL,
            name {text} NOT NULL,
            value {double} NOT NULL,
            reported_at {bigint} NOT NULL,
            tags {json} NOT NULL)""",
        "CREATE INDEX metrics_by_execution ON metrics (execution_id, seq)",
        # Names, task ids and per-day aggregates are asked per flow.
        "CREATE INDEX metrics_by_flow ON metrics (namespace, flow_id, name, reported_at)",
    ),
)
