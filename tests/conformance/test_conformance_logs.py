"""LogStore conformance: order, level/task filters, following with ``after``, delete."""

from __future__ import annotations

import threading

from tests.conformance.conformance_builders import log

from lanner.store.ports import Stores


def test_append_keeps_order_and_round_trips(stores: Stores) -> None:
    first = [log("e1", "one", seconds=5), log("e1", "two", "DEBUG", "t1", "tr1", seconds=1)]
    stores.logs.append(first)
    stores.logs.append([log("e1", "three ✓ multi\nline", "ERROR", seconds=0)])
    got = stores.logs.for_execution("e1")
    assert [entry.message for entry in got] == ["one", "two", "three ✓ multi\nline"]
    assert got[:2] == first


def test_append_nothing(stores: Stores) -> None:
    stores.logs.append([])
    assert stores.logs.for_execution("e1") == []


def test_min_level_filters_by_rank(stores: Stores) -> None:
    levels = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
    stores.logs.append([log("e1", level, level) for level in levels])
    for index, level in enumerate(levels):
        found = stores.logs.for_execution("e1", min_level=level)
        assert [entry.level for entry in found] == levels[index:]


def test_filter_by_task_run_and_task(stores: Stores) -> None:
    stores.logs.append([
        log("e1", "flow level"),
        log("e1", "a1", task_id="a", task_run_id="ra1"),
        log("e1", "b1", task_id="b", task_run_id="rb1"),
        log("e1", "a2", "WARN", task_id="a", task_run_id="ra2"),
    ])
    assert [e.message for e in stores.logs.for_execution("e1", task_id="a")] == ["a1", "a2"]
    assert [e.message for e in stores.logs.for_execution("e1", task_run_id="ra2")] == ["a2"]
    assert [e.message for e in stores.logs.for_execution("e1", task_id="a", min_level="WARN")] == ["a2"]


def test_after_skips_what_was_already_read(stores: Stores) -> None:
    stores.logs.append([log("e1", f"m{i}") for i in range(5)])
    assert [e.message for e in stores.logs.for_execution("e1", after=3)] == ["m3", "m4"]
    assert stores.logs.for_execution("e1", after=5) == []
    stores.logs.append([log("e1", "m5")])
    assert [e.message for e in stores.logs.for_execution("e1", after=5)] == ["m5"]


def test_executions_are_separate_and_delete(stores: Stores) -> None:
    stores.logs.append([log("e1", "x"), log("e2", "y"), log("e1", "z")])
    assert stores.logs.delete_execution("e1") == 2
    assert stores.logs.for_execution("e1") == []
    assert [e.message for e in stores.logs.for_execution("e2")] == ["y"]
    assert stores.logs.delete_execution("e1") == 0


def test_concurrent_appends_from_threads(stores: Stores) -> None:
    def write(worker: int) -> None:
        for i in range(50):
            stores.logs.append([log("e1", f"{worker}-{i}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    messages = [e.message for e in stores.logs.for_execution("e1")]
    assert len(messages) == 200
    for worker in range(4):  # each writer's lines stay in its order
        mine = [m for m in messages if m.startswith(f"{worker}-")]
        assert mine == [f"{worker}-{i}" for i in range(50)]


def test_search_across_executions_by_namespace_flow_level_and_text(stores: Stores) -> None:
    from dataclasses import replace

    from tests.conformance.conformance_builders import execution

    from lanner.store.ports import LogQuery

    for execution_id, namespace in (("e1", "company.team"), ("e2", "company.team.sub"), ("e3", "other")):
        stores.executions.create(replace(execution(namespace), id=execution_id))
        stores.logs.append([
            replace(log(execution_id, f"started {execution_id}", seconds=1), namespace=namespace),
            replace(log(execution_id, f"Boom in {execution_id}", "ERROR", seconds=2), namespace=namespace),
        ])
    everything = stores.logs.search(LogQuery(size=100))
    assert everything.total == 6
    assert everything.results[0].timestamp >= everything.results[-1].timestamp  # newest first
    team = stores.logs.search(LogQuery(namespace="company.team", size=100))
    assert {e.execution_id for e in team.results} == {"e1", "e2"}
    errors = stores.logs.search(LogQuery(min_level="ERROR", text="boom", size=100))
    assert sorted(e.execution_id for e in errors.results) == ["e1", "e2", "e3"]
    page = stores.logs.search(LogQuery(page=2, size=4))
    assert page.total == 6 and len(page.results) == 2
    # The text is looked for in the message only, not in the rest of the entry.
    assert stores.logs.search(LogQuery(text="company.team", size=100)).total == 0
    assert stores.logs.search(LogQuery(text="ERROR", size=100)).total == 0
    assert stores.logs.search(LogQuery(text="50%_", size=100)).total == 0  # LIKE wildcards are literal
