"""JobQueue conformance: claims under leases, heartbeats, completion, re-queueing, groups,
and concurrent claimers that never share a job."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from tests.conformance.conformance_builders import at
from tests.conformance.conftest import Backend

from lanner.errors import ConflictError
from lanner.model.ids import new_id
from lanner.store.ports import Job, Stores

LEASE = 30.0


class Boom(Exception):
    pass


def job(execution_id: str = "exec1", group: str | None = None, **payload: object) -> Job:
    return Job(id=new_id(), kind="run_task", execution_id=execution_id, task_run_id=new_id(),
               payload=payload or {"task": "hello", "nested": {"list": [1, "two", None]}},
               worker_group=group, enqueued=at(0))


def test_claim_hands_out_jobs_oldest_first_under_a_lease(stores: Stores) -> None:
    jobs = [job(n=i) for i in range(5)]
    stores.jobs.enqueue(jobs[:3])
    stores.jobs.enqueue(jobs[3:])
    first = stores.jobs.claim("w1", 2, LEASE, now=at(10))
    assert first == [replace(j, attempts=1, worker_id="w1", lease_until=at(40)) for j in jobs[:2]]
    second = stores.jobs.claim("w2", 10, LEASE, now=at(11))
    assert [j.id for j in second] == [j.id for j in jobs[2:]]
    assert {j.worker_id for j in second} == {"w2"}
    assert stores.jobs.claim("w3", 10, LEASE, now=at(12)) == []
    assert stores.jobs.claim("w3", 0, LEASE) == []


def test_enqueue_stamps_a_missing_enqueue_time_and_ignores_lease_fields(stores: Stores) -> None:
    loose = replace(job(), enqueued=None, worker_id="ghost", lease_until=at(99))
    stores.jobs.enqueue([loose])
    stored = stores.jobs.get(loose.id)
    assert stored is not None and stored.enqueued is not None
    assert stored.worker_id is None and stored.lease_until is None
    assert stores.jobs.get("missing") is None


def test_an_existing_id_is_a_conflict(stores: Stores) -> None:
    first = job()
    stores.jobs.enqueue([first])
    fresh = job()
    with pytest.raises(ConflictError):
        stores.jobs.enqueue([fresh, first])
    assert stores.jobs.get(fresh.id) is None  # all or nothing
    with pytest.raises(ConflictError):
        stores.jobs.enqueue([fresh, fresh])
    assert stores.jobs.get(fresh.id) is None


def test_worker_groups(stores: Stores) -> None:
    plain, gpu, spark = job(), job(group="gpu"), job(group="spark")
    stores.jobs.enqueue([plain, gpu, spark])
    assert [j.id for j in stores.jobs.claim("w", 10, LEASE, groups=["gpu"])] == [gpu.id]
    assert stores.jobs.claim("w", 10, LEASE, groups=[]) == []
    assert [j.id for j in stores.jobs.claim("w", 10, LEASE, groups=[None])] == [plain.id]
    assert [j.id for j in stores.jobs.claim("w", 10, LEASE)] == [spark.id]


def test_groups_may_include_jobs_without_a_group(stores: Stores) -> None:
    plain, gpu, spark = job(), job(group="gpu"), job(group="spark")
    stores.jobs.enqueue([plain, gpu, spark])
    assert [j.id for j in stores.jobs.claim("w", 10, LEASE, groups=[None, "gpu"])] == [plain.id, gpu.id]


def test_complete(stores: Stores) -> None:
    a, b = job(), job()
    stores.jobs.enqueue([a, b])
    stores.jobs.claim("w1", 2, LEASE)
    assert stores.jobs.complete(a.id) is True
    assert stores.jobs.complete(a.id) is False
    assert stores.jobs.complete(b.id, worker_id="w2") is False  # not its job
    assert stores.jobs.complete(b.id, worker_id="w1") is True
    assert stores.jobs.get(a.id) is None and stores.jobs.get(b.id) is None


def test_an_expired_lease_puts_the_job_back(stores: Stores) -> None:
    lost, kept = job(), job()
    stores.jobs.enqueue([lost, kept])
    stores.jobs.claim("dead", 1, LEASE, now=at(0))
    stores.jobs.claim("alive", 1, LEASE, now=at(0))
    assert stores.jobs.requeue_expired(at(30)) == 0  # a lease runs until its end, inclusive
    assert stores.jobs.heartbeat("alive", [kept.id], LEASE, now=at(25)) == [kept.id]
    assert stores.jobs.requeue_expired(at(31)) == 1
    assert stores.jobs.requeue_expired(at(31)) == 0

    again = stores.jobs.claim("rescuer", 5, LEASE, now=at(32))
    assert [(j.id, j.attempts, j.worker_id) for j in again] == [(lost.id, 2, "rescuer")]
    # The dead worker, back from the grave, has lost its job.
    assert stores.jobs.heartbeat("dead", [lost.id], LEASE, now=at(33)) == []
    assert stores.jobs.complete(lost.id, worker_id="dead") is False
    assert stores.jobs.complete(lost.id, worker_id="rescuer") is True


def test_heartbeat_extends_only_the_workers_own_leases(stores: Stores) -> None:
    mine, theirs = job(), job()
    stores.jobs.enqueue([mine, theirs])
    stores.jobs.claim("w1", 1, LEASE, now=at(0))
    stores.jobs.claim("w2", 1, LEASE, now=at(0))
    assert stores.jobs.heartbeat("w1", [theirs.id, mine.id, "unknown"], 100, now=at(20)) == [mine.id]
    assert stores.jobs.get(mine.id).lease_until == at(120)  # type: ignore[union-attr]
    assert stores.jobs.get(theirs.id).lease_until == at(30)  # type: ignore[union-attr]
    assert stores.jobs.heartbeat("w1", [], 100) == []
    assert stores.jobs.requeue_expired(at(100)) == 1  # theirs


def test_discard_queued_keeps_claimed_jobs(stores: Stores) -> None:
    running, queued, other = job("e1"), job("e1"), job("e2")
    stores.jobs.enqueue([running, queued, other])
    stores.jobs.claim("w", 1, LEASE)
    assert stores.jobs.discard_queued("e1") == 1
    assert stores.jobs.get(running.id) is not None
    assert stores.jobs.get(queued.id) is None
    assert stores.jobs.get(other.id) is not None


def test_enqueue_with_a_failed_transaction_leaves_nothing(stores: Stores) -> None:
    with pytest.raises(Boom), stores.transaction():
        stores.jobs.enqueue([job(), job()])
        raise Boom
    assert stores.jobs.claim("w", 10, LEASE) == []


def test_concurrent_claimers_never_share_a_job(backend: Backend) -> None:
    """Four workers with their own connections (as four processes would have) drain 200 jobs."""
    jobs = [job(f"e{i % 7}", n=i) for i in range(200)]
    backend.stores.jobs.enqueue(jobs)
    workers = [backend.open() for _ in range(4)]
    claimed: list[list[str]] = [[] for _ in workers]
    start = threading.Barrier(len(workers))

    def work(index: int) -> None:
        queue = workers[index].jobs
        start.wait()
        while batch := queue.claim(f"w{index}", 3, LEASE):
            for one in batch:
                claimed[index].append(one.id)
                assert queue.complete(one.id, worker_id=f"w{index}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [job_id for ids in claimed for job_id in ids]
    assert len(every) == len(set(every)) == 200
    assert set(every) == {j.id for j in jobs}


def test_wait_for_jobs_wakes_on_enqueue(backend: Backend) -> None:
    stores = backend.stores
    assert stores.jobs.wait_for_jobs(0.01) is False  # nothing yet: times out
    # Postgres notifies every process; SQLite and memory wake waiters of this process.
    producer = backend.open() if backend.name == "postgres" else stores
    producer.jobs.enqueue([job()])
    assert stores.jobs.wait_for_jobs(10) is True
    assert stores.jobs.wait_for_jobs(0.01) is False  # that signal was used up


def test_a_rolled_back_enqueue_wakes_no_one(stores: Stores) -> None:
    assert stores.jobs.wait_for_jobs(0.01) is False
    with pytest.raises(Boom), stores.transaction():
        stores.jobs.enqueue([job()])
        raise Boom
    assert stores.jobs.wait_for_jobs(0.2) is False
