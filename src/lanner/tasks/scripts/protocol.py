"""Reading a script's output: plain lines become log lines, ``::{json}::`` lines are Kestra's
protocol (kestra-reference §6.3; Kestra 1.x ``PluginUtilsService.parseOut`` + ``TaskLogLineMatcher``).

- ``outputs`` maps are merged into ``vars`` (later keys win);
- ``metrics`` are recorded on the task run (``counter``, ``timer`` in seconds, ``gauge``);
- ``logs`` are re-emitted at their own level;
- a protocol line that is not valid JSON is reported at WARN and ignored.

Plain stdout lines are logged at INFO and plain stderr lines at ERROR, as Kestra 1.x does.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from lanner.plugins.api import RunContext

PROTOCOL_LINE = re.compile(r"^::(\{.*})::$")
_DURATION = TypeAdapter(timedelta)
_METRIC_TYPES = {"counter", "timer", "gauge"}


class LogConsumer:
    """Consumes the lines of one command run (Kestra's ``DefaultLogConsumer``)."""

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self.vars: dict[str, Any] = {}
        self.stdout_count = 0
        self.stderr_count = 0

    def accept(self, line: str, stderr: bool = False) -> None:
        if stderr:
            self.stderr_count += 1
        else:
            self.stdout_count += 1
        match = PROTOCOL_LINE.match(line)
        if match is None:
            self._ctx.logger.log("ERROR" if stderr else "INFO", line)
            return
        try:
            data = json.loads(match.group(1))
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
        except ValueError as exc:
            self._ctx.logger.warn(f"Invalid outputs '{line}': {exc}")
            return
        self._outputs(data.get("outputs"), line)
        self._metrics(data.get("metrics"), line)
        self._logs(data.get("logs"), line)

    def _outputs(self, outputs: Any, line: str) -> None:
        if outputs is None:
            return
        if not isinstance(outputs, dict):
            self._ctx.logger.warn(f"Invalid outputs '{line}': `outputs` must be a JSON object")
            return
        self.vars.update(outputs)

    def _metrics(self, metrics: Any, line: str) -> None:
        if metrics is None:
            return
        for metric in metrics if isinstance(metrics, list) else [metrics]:
            try:
                name, value, kind, tags = _metric(metric)
            except (TypeError, ValueError, KeyError) as exc:
                self._ctx.logger.warn(f"Invalid metric in '{line}': {exc}")
                continue
            self._ctx.metric(name, value, kind, tags)

    def _logs(self, logs: Any, line: str) -> None:
        if logs is None:
            return
        for entry in logs if isinstance(logs, list) else [logs]:
            if not isinstance(entry, dict) or "message" not in entry:
                self._ctx.logger.warn(f"Invalid log '{line}'")
                continue
            self._ctx.logger.log(str(entry.get("level") or "INFO"), str(entry["message"]))


def _metric(metric: Any) -> tuple[str, float, str, dict[str, str]]:
    if not isinstance(metric, dict):
        raise TypeError("a metric must be a JSON object")
    name = str(metric["name"])
    kind = str(metric.get("type") or "counter").lower()
    if kind not in _METRIC_TYPES:
        raise ValueError(f"unknown metric type '{kind}'")
    raw = metric.get("value")
    if isinstance(raw, bool) or raw is None:
        raise ValueError(f"invalid metric value {raw!r}")
    if kind == "timer" and isinstance(raw, str):
        # Jackson reads a timer as a java.time.Duration: a number of seconds or ISO-8601 text.
        try:
            value = _DURATION.validate_python(raw.strip().upper()).total_seconds()
        except ValidationError:
            value = float(raw)
    else:
        value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"invalid metric value {raw!r}: a metric must be a finite number")
    tags = metric.get("tags") or {}
    if not isinstance(tags, dict):
        raise TypeError("metric tags must be a JSON object")
    return name, value, kind, {str(k): str(v) for k, v in tags.items()}
