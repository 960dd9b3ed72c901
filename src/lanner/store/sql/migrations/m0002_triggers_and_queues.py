"""Trigger contexts and claimed ticks; the job queue (workers) and event queue (executors).

Instants are epoch microseconds, as in the first migration. A claimed job has a ``worker_id``
and a ``lease_until``; an execution whose events an executor holds has an ``event_leases`` row.
"""

from __future__ import annotations

from lanner.store.sql.migrations import Migration

MIGRATION = Migration(
    version=2,
    name="triggers_and_queues",
    statements=(
        # One row per trigger of a flow; ``state`` is the rest of ``TriggerState`` as JSON.
        """CREATE TABLE triggers (
            namespace {text} NOT NULL,
            flow_id {text} NOT NULL,
            trigger_id {text} NOT NULL,
            state {json} NOT NULL,
            updated {bigint},
            PRIMARY KEY (namespace, flow_id, trigger_id))""",
        # The key is the point: inserting a (trigger, fire time) twice fails, so however many
        # schedulers evaluate a trigger, one of them emits each tick.
        """CREATE TABLE trigger_ticks (
            namespace {text} NOT NULL,
            flow_id {text} NOT NULL,
            trigger_id {text} NOT NULL,
            fire_date {bigint} NOT NULL,
            execution_id {text} NOT NULL,
            CONSTRAINT trigger_ticks_once UNIQUE (namespace, flow_id, trigger_id, fire_date))""",
        "CREATE INDEX trigger_ticks_by_date ON trigger_ticks (fire_date)",
        """CREATE TABLE jobs (
            seq {serial_pk},
            id {text} NOT NULL UNIQUE,
            kind {text} NOT NULL,
            execution_id {text} NOT NULL,
            task_run_id {text},
            payload {json} NOT NULL,
            worker_group {text},
            attempts {int} NOT NULL,
            enqueued {bigint} NOT NULL,
            lease_until {bigint},
            worker_id {text})""",
        # Partial indexes: claimers scan only unclaimed jobs, the reaper only leased ones.
        "CREATE INDEX jobs_queued ON jobs (seq) WHERE worker_id IS NULL",
        "CREATE INDEX jobs_leased ON jobs (lease_until) WHERE worker_id IS NOT NULL",
        "CREATE INDEX jobs_by_execution ON jobs (execution_id)",
        """CREATE TABLE events (
            seq {serial_pk},
            execution_id {text} NOT NULL,
            event {json} NOT NULL,
            enqueued {bigint} NOT NULL)""",
        "CREATE INDEX events_by_execution ON events (execution_id, seq)",
        """CREATE TABLE event_leases (
            execution_id {text} PRIMARY KEY,
            executor_id {text} NOT NULL,
            lease_until {bigint} NOT NULL)""",
    ),
    extra={
        # Label filters are JSONB containment (``@>``): a GIN index answers them.
        "postgresql": (
            "CREATE INDEX executions_labels ON executions USING GIN (labels jsonb_path_ops)",
        ),
    },
)
