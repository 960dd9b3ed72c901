"""Metrics are written in batches: when an execution ends, when they are a second old, at stop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lanner.model.metric import MetricRecord
from lanner.runtime.work import MetricBuffer


def record(name: str) -> MetricRecord:
    return MetricRecord("ns", "flow", "task", "exec", "run", "counter", name, 1.0, datetime.now(UTC), {})


def test_batches_until_flushed_or_old_enough() -> None:
    written: list[list[str]] = []
    buffer = MetricBuffer(lambda batch: written.append([m.name for m in batch]), max_age=3600, max_size=3)
    buffer.add([record("a")])
    buffer.add([record("b")])
    assert written == []
    buffer.add([record("c")])  # the size limit
    assert written == [["a", "b", "c"]]
    buffer.add([record("d")])
    buffer.flush()
    buffer.flush()  # nothing left: no empty write
    assert written == [["a", "b", "c"], ["d"]]
    aged = MetricBuffer(lambda batch: written.append([m.name for m in batch]), max_age=0.0)
    aged.add([record("e")])
    assert written[-1] == ["e"]


def test_a_failing_store_does_not_raise() -> None:
    def broken(batch: Any) -> None:
        raise RuntimeError("database is locked")

    buffer = MetricBuffer(broken)
    buffer.add([record("a")])
    buffer.flush()  # logged, not raised: metrics never fail an execution
