"""The in-memory ``MetricStore``: the reference behaviour the SQL backends are checked against."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from lanner.model.metric import METRIC_AGGREGATIONS, MetricAggregate, MetricRecord
from lanner.store.journal import Journal
from lanner.store.ports import METRIC_SORT_FIELDS, MetricQuery, Page

_SORT_KEYS: dict[str, Callable[[MetricRecord], Any]] = {
    "timestamp": lambda m: m.timestamp,
    "name": lambda m: m.name,
    "value": lambda m: m.value,
    "type": lambda m: m.type,
    "taskId": lambda m: m.task_id,
}
assert set(_SORT_KEYS) == set(METRIC_SORT_FIELDS)


def day_of(moment: datetime) -> datetime:
    """Midnight UTC of the day ``moment`` falls in (metrics are aggregated per UTC day)."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def combine(values: Sequence[float], aggregation: str) -> float:
    if aggregation == "sum":
        return float(sum(values))
    if aggregation == "avg":
        return float(sum(values)) / len(values)
    if aggregation == "min":
        return float(min(values))
    if aggregation == "max":
        return float(max(values))
    raise ValueError(f"unknown aggregation '{aggregation}' "
                     f"(expected one of {', '.join(METRIC_AGGREGATIONS)})")


class MemoryMetricStore:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._metrics: dict[str, list[MetricRecord]] = {}  # execution id -> in arrival order

    def append(self, entries: Sequence[MetricRecord]) -> None:
        with self._journal.lock:
            for entry in entries:
                found = self._metrics.setdefault(entry.execution_id, [])
                found.append(entry)
                self._journal.record(found.pop)  # type: ignore[arg-type]  # result ignored

    def _every(self) -> Iterable[MetricRecord]:
        with self._journal.lock:
            return [m for found in self._metrics.values() for m in found]

    def for_execution(self, query: MetricQuery) -> Page:
        if query.sort_by not in _SORT_KEYS:
            raise ValueError(f"cannot sort metrics by '{query.sort_by}'")
        with self._journal.lock:
            found = [
                m for m in self._metrics.get(query.execution_id, ())
                if (query.task_run_id is None or m.task_run_id == query.task_run_id)
                and (query.task_id is None or m.task_id == query.task_id)
            ]
        # Ties follow the order of arrival in the sort's direction (as ``ORDER BY x, seq``).
        ordered = sorted(found, key=_SORT_KEYS[query.sort_by])
        if query.sort_desc:
            ordered.reverse()
        start = (max(query.page, 1) - 1) * query.size
        return Page(ordered[start:start + query.size], len(ordered))

    def names(self, namespace: str, flow_id: str, task_id: str | None = None) -> list[str]:
        return sorted({m.name for m in self._every() if m.namespace == namespace and m.flow_id == flow_id
                       and (task_id is None or m.task_id == task_id)})

    def task_ids(self, namespace: str, flow_id: str) -> list[str]:
        return sorted({m.task_id for m in self._every() if m.namespace == namespace and m.flow_id == flow_id})

    def aggregate(self, namespace: str, flow_id: str, name: str, aggregation: str,
                  start: datetime, end: datetime, task_id: str | None = None) -> list[MetricAggregate]:
        if aggregation not in METRIC_AGGREGATIONS:
            combine([], aggregation)  # raises the one message for an unknown aggregation
        per_day: dict[datetime, list[float]] = {}
        for m in self._every():
            if m.namespace == namespace and m.flow_id == flow_id and m.name == name \
                    and (task_id is None or m.task_id == task_id) and start <= m.timestamp <= end:
                per_day.setdefault(day_of(m.timestamp), []).append(m.value)
        return [MetricAggregate(name, combine(values, aggregation), day)
                for day, values in sorted(per_day.items())]

    def delete_execution(self, execution_id: str) -> int:
        with self._journal.lock:
            found = self._metrics.pop(execution_id, None)
            if found is None:
                return 0
            self._journal.record(lambda: self._metrics.__setitem__(execution_id, found))
            return len(found)


__all__ = ["MemoryMetricStore", "combine", "day_of"]
