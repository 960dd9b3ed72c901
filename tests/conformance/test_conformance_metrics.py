"""MetricStore conformance: round trip, paging and filters of one execution, sorting, names and
task ids of a flow, per-day aggregates, delete with the execution, rollback in a transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.conformance.conformance_builders import T0, at

from lanner.model.metric import MetricAggregate, MetricRecord
from lanner.store.ports import MetricQuery, Stores


def metric(execution_id: str, name: str, value: float, *, task_id: str = "t1", task_run_id: str = "tr1",
           type: str = "counter", seconds: float = 0, flow_id: str = "hello",
           namespace: str = "company.team", tags: dict[str, str] | None = None) -> MetricRecord:
    return MetricRecord(namespace, flow_id, task_id, execution_id, task_run_id, type, name, value,
                        at(seconds), tags or {})


def page(stores: Stores, execution_id: str, **query: object) -> list[tuple[str, float]]:
    found = stores.metrics.for_execution(MetricQuery(execution_id, **query))  # type: ignore[arg-type]
    return [(m.name, m.value) for m in found.results]


def test_append_round_trips_every_field(stores: Stores) -> None:
    stored = [
        metric("e1", "rows", 3, tags={"table": "trips ✓", "kind": "x"}),
        metric("e1", "duration", 1.25, type="timer", task_id="t2", task_run_id="tr2", seconds=1),
    ]
    stores.metrics.append(stored)
    stores.metrics.append([])
    found = stores.metrics.for_execution(MetricQuery("e1"))
    assert found.total == 2
    assert found.results == stored
    assert dict(found.results[0].tags) == {"table": "trips ✓", "kind": "x"}
    assert found.results[0].timestamp == T0


def test_records_are_immutable(stores: Stores) -> None:
    tags = {"a": "1"}
    record = metric("e1", "rows", 1, tags=tags)
    tags["a"] = "changed"
    assert record.tags == {"a": "1"}
    with pytest.raises((AttributeError, TypeError)):
        record.tags["b"] = "2"  # type: ignore[index]


def test_pages_filters_and_sorts_one_execution(stores: Stores) -> None:
    stores.metrics.append([
        metric("e1", "b", 2, task_id="load", task_run_id="r1", seconds=2),
        metric("e1", "a", 5, task_id="extract", task_run_id="r2", seconds=1),
        metric("e1", "c", 1, task_id="load", task_run_id="r3", seconds=3),
        metric("e2", "z", 9),
    ])
    assert page(stores, "e1") == [("a", 5), ("b", 2), ("c", 1)]  # oldest first
    assert page(stores, "e1", size=2, page=2) == [("c", 1)]
    assert stores.metrics.for_execution(MetricQuery("e1", size=2)).total == 3
    assert page(stores, "e1", task_id="load") == [("b", 2), ("c", 1)]
    assert page(stores, "e1", task_run_id="r3") == [("c", 1)]
    assert page(stores, "e1", sort_by="value", sort_desc=True) == [("a", 5), ("b", 2), ("c", 1)]
    assert page(stores, "e1", sort_by="name", sort_desc=True) == [("c", 1), ("b", 2), ("a", 5)]
    assert page(stores, "e1", sort_by="taskId") == [("a", 5), ("b", 2), ("c", 1)]
    assert page(stores, "nope") == []


def test_ties_keep_the_order_of_arrival(stores: Stores) -> None:
    stores.metrics.append([metric("e1", f"m{i}", 1) for i in range(4)])
    assert [n for n, _ in page(stores, "e1")] == ["m0", "m1", "m2", "m3"]
    assert [n for n, _ in page(stores, "e1", sort_by="value", sort_desc=True)] == ["m3", "m2", "m1", "m0"]


def test_unknown_sort_field_is_refused(stores: Stores) -> None:
    with pytest.raises(ValueError, match="cannot sort"):
        stores.metrics.for_execution(MetricQuery("e1", sort_by="value; DROP TABLE metrics"))


def test_names_and_task_ids_of_a_flow(stores: Stores) -> None:
    stores.metrics.append([
        metric("e1", "rows", 1, task_id="load"),
        metric("e2", "rows", 2, task_id="load"),
        metric("e2", "size", 2, task_id="extract"),
        metric("e3", "other", 2, task_id="elsewhere", flow_id="another"),
        metric("e4", "other", 2, task_id="elsewhere", namespace="company"),
    ])
    assert stores.metrics.names("company.team", "hello") == ["rows", "size"]
    assert stores.metrics.names("company.team", "hello", "load") == ["rows"]
    assert stores.metrics.names("company.team", "hello", "missing") == []
    assert stores.metrics.task_ids("company.team", "hello") == ["extract", "load"]
    assert stores.metrics.task_ids("company.team", "unknown") == []


def test_aggregates_per_day_within_the_range(stores: Stores) -> None:
    day = 86_400
    stores.metrics.append([
        metric("e1", "rows", 2, seconds=0),
        metric("e2", "rows", 4, seconds=60, task_id="other"),
        metric("e3", "rows", 10, seconds=day),
        metric("e4", "rows", 100, seconds=3 * day),  # after the range
        metric("e5", "size", 1000, seconds=0),  # another metric
        metric("e6", "rows", 1000, seconds=0, flow_id="another"),
    ])
    midnight = T0.replace(hour=0)
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=2)

    def run(aggregation: str, task_id: str | None = None) -> list[MetricAggregate]:
        return stores.metrics.aggregate("company.team", "hello", "rows", aggregation, start, end, task_id)

    assert run("sum") == [MetricAggregate("rows", 6.0, midnight),
                          MetricAggregate("rows", 10.0, midnight + timedelta(days=1))]
    assert [a.value for a in run("avg")] == [3.0, 10.0]
    assert [a.value for a in run("min")] == [2.0, 10.0]
    assert [a.value for a in run("max")] == [4.0, 10.0]
    assert [a.value for a in run("sum", "t1")] == [2.0, 10.0]
    assert run("sum")[0].date.utcoffset() == timedelta(0)
    # Bounds are inclusive.
    assert [a.value for a in stores.metrics.aggregate(
        "company.team", "hello", "rows", "sum", at(60), at(day))] == [4.0, 10.0]
    assert stores.metrics.aggregate("company.team", "hello", "none", "sum", start, end) == []
    with pytest.raises(ValueError, match="unknown aggregation"):
        run("median")


def test_delete_execution(stores: Stores) -> None:
    stores.metrics.append([metric("e1", "a", 1), metric("e2", "b", 2), metric("e1", "c", 3)])
    assert stores.metrics.delete_execution("e1") == 2
    assert page(stores, "e1") == []
    assert page(stores, "e2") == [("b", 2)]
    assert stores.metrics.delete_execution("e1") == 0


def test_appends_roll_back_with_the_transaction(stores: Stores) -> None:
    stores.metrics.append([metric("e1", "kept", 1)])
    with pytest.raises(RuntimeError), stores.transaction():
        stores.metrics.append([metric("e1", "dropped", 2), metric("e1", "dropped too", 3)])
        stores.metrics.delete_execution("e1")
        raise RuntimeError("boom")
    assert page(stores, "e1") == [("kept", 1)]
