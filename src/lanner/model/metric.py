"""Stored task metrics: Kestra's ``MetricEntry`` (what ``GET /metrics/{executionId}`` returns) and
the per-day aggregates of ``GET /metrics/aggregates/...``.

A task reports a metric while it runs (``ctx.metric(name, value, type, tags)``, or a script's
``::{"metrics": [...]}::`` line); the runtime stamps it with the task run's identifiers and
stores it. Types are kept as the task reported them: Kestra's ``counter`` and ``timer`` (a
duration in seconds), and ``gauge``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from lanner.model.execution import iso, parse_iso

METRIC_AGGREGATIONS = ("sum", "avg", "min", "max")


@dataclass(frozen=True, slots=True)
class MetricRecord:
    """One metric value reported by one task run (immutable, tags included)."""

    namespace: str
    flow_id: str
    task_id: str
    execution_id: str
    task_run_id: str
    type: str  # counter | timer | gauge
    name: str
    value: float
    timestamp: datetime
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A frozen dataclass still hands out its dict: freeze a private copy instead.
        object.__setattr__(self, "tags", MappingProxyType(dict(self.tags)))

    def to_api(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "taskId": self.task_id,
            "executionId": self.execution_id,
            "taskRunId": self.task_run_id,
            "type": self.type,
            "name": self.name,
            "value": self.value,
            "timestamp": iso(self.timestamp),
            "tags": dict(self.tags),
        }

    @staticmethod
    def from_api(data: Mapping[str, Any]) -> MetricRecord:
        timestamp = parse_iso(data["timestamp"])
        assert timestamp is not None
        return MetricRecord(
            namespace=data["namespace"],
            flow_id=data["flowId"],
            task_id=data["taskId"],
            execution_id=data["executionId"],
            task_run_id=data["taskRunId"],
            type=data["type"],
            name=data["name"],
            value=float(data["value"]),
            timestamp=timestamp,
            tags={str(k): str(v) for k, v in (data.get("tags") or {}).items()},
        )


@dataclass(frozen=True, slots=True)
class MetricAggregate:
    """One metric of a flow aggregated over one UTC day (``date`` is that day's midnight)."""

    name: str
    value: float
    date: datetime

    def to_api(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "date": iso(self.date)}
