"""EventQueue conformance: events claimed by execution (never two executors on one execution),
in push order, acked, released, re-delivered after a lease ends."""

from __future__ import annotations

import json
import threading

import pytest
from tests.conformance.conformance_builders import at
from tests.conformance.conftest import Backend

from lanner.store.ports import QueuedEvent, Stores

LEASE = 30.0


class Boom(Exception):
    pass


def event(name: str, **extra: object) -> str:
    return json.dumps({"type": name, **extra})


def names(events: list[QueuedEvent]) -> list[tuple[str, str]]:
    return [(e.execution_id, json.loads(e.event)["type"]) for e in events]


def test_push_and_claim_in_push_order(stores: Stores) -> None:
    ids = [stores.events.push("e1", event("a"), now=at(0)), stores.events.push("e2", event("b"), now=at(1)),
           stores.events.push("e1", event("c", detail={"x": [1, None]}), now=at(2))]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert stores.events.pending() == 3
    assert stores.events.pending("e1") == 2
    batch = stores.events.claim_batch("x1", 10, LEASE, now=at(5))
    assert names(batch) == [("e1", "a"), ("e2", "b"), ("e1", "c")]
    assert [e.id for e in batch] == ids
    assert batch[2].event == event("c", detail={"x": [1, None]})
    assert batch[0].enqueued == at(0)


def test_a_held_execution_is_not_handed_to_another_executor(stores: Stores) -> None:
    stores.events.push("e1", event("a"))
    first = stores.events.claim_batch("x1", 10, LEASE)
    stores.events.push("e1", event("b"))  # arrives while x1 works on e1
    stores.events.push("e2", event("c"))
    assert names(stores.events.claim_batch("x2", 10, LEASE)) == [("e2", "c")]
    assert stores.events.claim_batch("x1", 10, LEASE) == []  # x1 is not handed e1 twice either
    assert stores.events.ack([e.id for e in first], "x1") == 1
    assert names(stores.events.claim_batch("x2", 10, LEASE)) == [("e1", "b")]


def test_ack_removes_events_and_releases_only_its_own_leases(stores: Stores) -> None:
    stores.events.push("e1", event("a"))
    batch = stores.events.claim_batch("x1", 10, LEASE)
    stores.events.push("e1", event("b"))
    assert stores.events.ack([], "x1") == 0
    assert stores.events.ack([e.id for e in batch], "somebody-else") == 1
    assert stores.events.claim_batch("x2", 10, LEASE) == []  # x1 still holds e1
    stores.events.release("x1", ["e1"])
    assert names(stores.events.claim_batch("x2", 10, LEASE)) == [("e1", "b")]
    assert stores.events.ack([batch[0].id]) == 0  # already gone
    assert stores.events.pending() == 1


def test_ack_without_an_executor_releases_the_lease(stores: Stores) -> None:
    stores.events.push("e1", event("a"))
    batch = stores.events.claim_batch("x1", 10, LEASE)
    stores.events.push("e1", event("b"))
    assert stores.events.ack([e.id for e in batch]) == 1
    assert names(stores.events.claim_batch("x2", 10, LEASE)) == [("e1", "b")]


def test_release_gives_events_back_unacked(stores: Stores) -> None:
    stores.events.push("e1", event("a"))
    stores.events.claim_batch("x1", 10, LEASE)
    stores.events.release("x2", ["e1"])  # not x2's: nothing happens
    assert stores.events.claim_batch("x2", 10, LEASE) == []
    stores.events.release("x1", ["e1"])
    assert names(stores.events.claim_batch("x2", 10, LEASE)) == [("e1", "a")]


def test_an_ended_lease_redelivers_the_events(stores: Stores) -> None:
    stores.events.push("e1", event("a"))
    stores.events.push("e2", event("b"))
    stores.events.claim_batch("dead", 1, LEASE, now=at(0))  # e1
    stores.events.claim_batch("alive", 1, LEASE, now=at(0))  # e2
    assert stores.events.heartbeat("alive", ["e2", "e1", "e9"], LEASE, now=at(20)) == ["e2"]
    assert stores.events.claim_batch("other", 10, LEASE, now=at(30)) == []  # inclusive end
    assert names(stores.events.claim_batch("other", 10, LEASE, now=at(31))) == [("e1", "a")]
    assert stores.events.heartbeat("dead", ["e1"], LEASE, now=at(32)) == []
    assert stores.events.heartbeat("alive", [], LEASE) == []


def test_limit_takes_each_executions_oldest_events(stores: Stores) -> None:
    for name, execution_id in [("a1", "a"), ("b1", "b"), ("a2", "a"), ("c1", "c"), ("b2", "b"), ("a3", "a")]:
        stores.events.push(execution_id, event(name))
    first = stores.events.claim_batch("x1", 3, LEASE)
    assert names(first) == [("a", "a1"), ("b", "b1"), ("a", "a2")]
    # c was not in x1's batch, so it is free; a and b are held by x1.
    assert names(stores.events.claim_batch("x2", 3, LEASE)) == [("c", "c1")]
    stores.events.ack([e.id for e in first], "x1")
    assert names(stores.events.claim_batch("x2", 10, LEASE)) == [("b", "b2"), ("a", "a3")]
    assert stores.events.claim_batch("x2", 0, LEASE) == []


def test_a_rolled_back_push_leaves_nothing(stores: Stores) -> None:
    assert stores.events.wait_for_events(0.01) is False
    with pytest.raises(Boom), stores.transaction():
        stores.events.push("e1", event("a"))
        raise Boom
    assert stores.events.pending() == 0
    assert stores.events.claim_batch("x", 10, LEASE) == []
    assert stores.events.wait_for_events(0.2) is False


def test_wait_for_events_wakes_on_push(backend: Backend) -> None:
    stores = backend.stores
    assert stores.events.wait_for_events(0.01) is False
    producer = backend.open() if backend.name == "postgres" else stores
    producer.events.push("e1", event("a"))
    assert stores.events.wait_for_events(10) is True


def test_concurrent_executors_keep_each_execution_in_order(backend: Backend) -> None:
    """Two pushers and four executors (own connections, as processes). No execution is ever
    held by two executors at once, and each execution's events are handled once, in order."""
    executions = [f"exec{i}" for i in range(12)]
    per_execution = 15
    handles = [backend.open() for _ in range(6)]
    pushers, executors = handles[:2], handles[2:]
    lock = threading.Lock()
    active: set[str] = set()
    handled: dict[str, list[int]] = {e: [] for e in executions}
    violations: list[str] = []
    pushed = threading.Event()
    start = threading.Barrier(len(handles))

    def push(index: int) -> None:
        start.wait()
        for n in range(per_execution):
            for execution_id in executions[index::2]:
                pushers[index].events.push(execution_id, json.dumps({"n": n}))

    def execute(index: int) -> None:
        queue, me = executors[index].events, f"x{index}"
        start.wait()
        while True:
            done = pushed.is_set()  # read before claiming: an empty claim after it means the end
            batch = queue.claim_batch(me, 4, LEASE)
            if not batch:
                if done:
                    return
                queue.wait_for_events(0.01)
                continue
            held = {e.execution_id for e in batch}
            with lock:
                violations.extend(sorted(held & active))
                active.update(held)
                for e in batch:
                    handled[e.execution_id].append(json.loads(e.event)["n"])
            with lock:
                active.difference_update(held)
            queue.ack([e.id for e in batch], me)

    threads = [threading.Thread(target=push, args=(i,)) for i in range(2)]
    threads += [threading.Thread(target=execute, args=(i,)) for i in range(4)]
    for thread in threads[:2]:
        thread.start()
    for thread in threads[2:]:
        thread.start()
    for thread in threads[:2]:
        thread.join()
    pushed.set()
    for thread in threads[2:]:
        thread.join()
    assert violations == []
    assert handled == {e: list(range(per_execution)) for e in executions}
    assert backend.stores.events.pending() == 0
