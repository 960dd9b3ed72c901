"""The job queue: one row per job; a claim stamps ``worker_id`` and ``lease_until``.

A claim is ONE statement: pick the oldest unclaimed rows (Postgres: ``FOR UPDATE SKIP LOCKED``,
so concurrent claimers take different rows instead of waiting; SQLite: inside ``BEGIN
IMMEDIATE``, claimers simply take turns), stamp them and return them. The picked rows are a
MATERIALIZED common table expression so that the database evaluates the pick exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lanner.store.clock import lease_end, utc_now
from lanner.store.codec import dumps, from_micros, loads, opt_from_micros, to_micros
from lanner.store.ports import Job
from lanner.store.sql.database import Database, Row
from lanner.store.sql.notify import Notifier, write_and_notify
from lanner.store.wakeup import JOBS_CHANNEL

_COLUMNS = (
    "id, kind, execution_id, task_run_id, payload, worker_group, attempts, enqueued, lease_until, worker_id"
)
_IN_CHUNK = 500


def _job(row: Row) -> Job:
    return Job(
        id=row[0],
        kind=row[1],
        execution_id=row[2],
        task_run_id=row[3],
        payload=loads(row[4]),
        worker_group=row[5],
        attempts=int(row[6]),
        enqueued=from_micros(row[7]),
        lease_until=opt_from_micros(row[8]),
        worker_id=row[9],
    )


def _group_filter(groups: Sequence[str | None] | None) -> tuple[str, list[Any]]:
    if groups is None:
        return "", []
    named = [group for group in groups if group is not None]
    conditions = [f"worker_group IN ({', '.join('?' * len(named))})"] if named else []
    if len(named) < len(groups):
        conditions.append("worker_group IS NULL")
    if not conditions:
        return " AND 1 = 0", []
    return f" AND ({' OR '.join(conditions)})", list(named)


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[start : start + _IN_CHUNK] for start in range(0, len(ids), _IN_CHUNK)]


class SqlJobQueue:
    def __init__(self, db: Database, notifier: Notifier) -> None:
        self._db = db
        self._notifier = notifier

    def enqueue(self, jobs: Sequence[Job]) -> None:
        if not jobs:
            return
        now = to_micros(utc_now())
        rows = [
            (job.id, job.kind, job.execution_id, job.task_run_id, dumps(dict(job.payload)), job.worker_group,
             job.attempts, to_micros(job.enqueued) if job.enqueued else now)
            for job in jobs
        ]
        chunks = [rows[start : start + _IN_CHUNK] for start in range(0, len(rows), _IN_CHUNK)]
        if len(chunks) == 1:  # one statement: atomic by itself, no BEGIN/COMMIT round trips
            self._insert(chunks[0])
            return
        with self._db.transaction():
            for chunk in chunks:
                self._insert(chunk)

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        write_and_notify(
            self._db, self._notifier,
            "INSERT INTO jobs (id, kind, execution_id, task_run_id, payload, worker_group, attempts,"
            f" enqueued) VALUES {', '.join(['(?, ?, ?, ?, ?, ?, ?, ?)'] * len(rows))} RETURNING seq",
            [value for row in rows for value in row], JOBS_CHANNEL,
        )

    def claim(self, worker_id: str, limit: int, lease_seconds: float,
              groups: Sequence[str | None] | None = None, *, now: datetime | None = None) -> list[Job]:
        if limit <= 0:
            return []
        until = to_micros(lease_end(now or utc_now(), lease_seconds))
        group_sql, group_params = _group_filter(groups)
        # One statement, atomic by itself: no BEGIN/COMMIT round trips.
        rows = self._db.query(
            "WITH picked AS MATERIALIZED (SELECT seq FROM jobs"
            f" WHERE worker_id IS NULL{group_sql} ORDER BY seq LIMIT ?{self._db.dialect.skip_locked})"
            " UPDATE jobs SET worker_id = ?, lease_until = ?, attempts = attempts + 1"
            f" WHERE seq IN (SELECT seq FROM picked) RETURNING seq, {_COLUMNS}",
            [*group_params, limit, worker_id, until],
        )
        return [_job(row[1:]) for row in sorted(rows, key=lambda row: int(row[0]))]

    def heartbeat(self, worker_id: str, job_ids: Sequence[str], lease_seconds: float, *,
                  now: datetime | None = None) -> list[str]:
        until = to_micros(lease_end(now or utc_now(), lease_seconds))
        kept: set[str] = set()
        for chunk in _chunks(list(job_ids)):  # each chunk is one atomic statement
            rows = self._db.query(
                "UPDATE jobs SET lease_until = ?"
                f" WHERE worker_id = ? AND id IN ({', '.join('?' * len(chunk))}) RETURNING id",
                [until, worker_id, *chunk],
            )
            kept.update(row[0] for row in rows)
        return [job_id for job_id in job_ids if job_id in kept]

    def complete(self, job_id: str, worker_id: str | None = None) -> bool:
        if worker_id is None:
            return self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)) > 0
        return self._db.execute("DELETE FROM jobs WHERE id = ? AND worker_id = ?", (job_id, worker_id)) > 0

    def requeue_expired(self, now: datetime) -> int:
        rows = write_and_notify(
            self._db, self._notifier,
            "UPDATE jobs SET worker_id = NULL, lease_until = NULL"
            " WHERE worker_id IS NOT NULL AND lease_until < ? RETURNING seq",
            (to_micros(now),), JOBS_CHANNEL,
        )
        return len(rows)

    def get(self, job_id: str) -> Job | None:
        row = self._db.query_one(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        return None if row is None else _job(row)

    def discard_queued(self, execution_id: str) -> int:
        return self._db.execute(
            "DELETE FROM jobs WHERE execution_id = ? AND worker_id IS NULL", (execution_id,)
        )

    def wait_for_jobs(self, timeout: float) -> bool:
        return self._notifier.wait(JOBS_CHANNEL, timeout)
