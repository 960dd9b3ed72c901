"""The first schema: flows, executions (+ task runs), logs, kv.

Instants are integer microseconds since the epoch (exact and sortable everywhere); records
are JSON text in the API's shape, with a few columns copied out for filtering and sorting.
"""

from __future__ import annotations

from lanner.store.sql.migrations import Migration

MIGRATION = Migration(
    version=1,
    name="initial",
    statements=(
        # Append-only revisions; ``deleted`` marks the latest revision of a deleted flow.
        """CREATE TABLE flows (
            namespace {text} NOT NULL,
            id {text} NOT NULL,
            revision {int} NOT NULL,
            source {text} NOT NULL,
            updated {bigint} NOT NULL,
            deleted {bool} NOT NULL,
            PRIMARY KEY (namespace, id, revision))""",
        # ``seq`` orders executions created at the same instant; ``header`` is the execution
        # without its task runs.
        """CREATE TABLE executions (
            seq {serial_pk},
            id {text} NOT NULL UNIQUE,
            namespace {text} NOT NULL,
            flow_id {text} NOT NULL,
            state {text} NOT NULL,
            start_date {bigint} NOT NULL,
            end_date {bigint},
            labels {jsonb} NOT NULL,
            header {json} NOT NULL)""",
        "CREATE INDEX executions_by_flow ON executions (namespace, flow_id, state, start_date)",
        "CREATE INDEX executions_by_start ON executions (start_date)",
        "CREATE INDEX executions_by_state ON executions (state)",
        # One row per task run: a state change rewrites one row, not the whole execution.
        """CREATE TABLE task_runs (
            execution_id {text} NOT NULL,
            id {text} NOT NULL,
            position {int} NOT NULL,
            record {json} NOT NULL,
            PRIMARY KEY (execution_id, id))""",
        """CREATE TABLE logs (
            seq {serial_pk},
            execution_id {text} NOT NULL,
            level {int} NOT NULL,
            task_run_id {text},
            task_id {text},
            entry {json} NOT NULL)""",
        "CREATE INDEX logs_by_execution ON logs (execution_id, seq)",
        """CREATE TABLE kv (
            namespace {text} NOT NULL,
            key {text} NOT NULL,
            value {json} NOT NULL,
            type {text} NOT NULL,
            description {text},
            creation_date {bigint} NOT NULL,
            update_date {bigint} NOT NULL,
            expiration_date {bigint},
            PRIMARY KEY (namespace, key))""",
    ),
)
