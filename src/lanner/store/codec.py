"""How records become rows: JSON text, epoch-microsecond instants, and execution headers.

Shared by every SQL dialect (and by tests), so a Postgres backend stores the very same JSON.
Writing JSON goes through ``orjson`` when it is installed (about 5x faster on task-run records)
and falls back to the standard library otherwise; both produce the same compact UTF-8 text.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from uuid import UUID

from lanner.model.execution import Execution, LogEntry, TaskRun, iso

_orjson: Any
try:  # pragma: no cover - which branch runs depends on the environment
    _orjson = importlib.import_module("orjson")
except ImportError:  # pragma: no cover
    _orjson = None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _default(value: Any) -> Any:
    """Values JSON lacks, written as Kestra's Jackson writes them (instants as ISO text...)."""
    if isinstance(value, datetime):
        return iso(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, PurePath | UUID):
        return str(value)
    raise TypeError(f"a value of type {type(value).__name__} cannot be stored as JSON")


def _dumps_stdlib(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_default)


if _orjson is not None:
    _orjson_dumps = _orjson.dumps
    # Same output as the stdlib path: orjson's own datetime/dataclass forms are turned off.
    _ORJSON_OPTIONS = _orjson.OPT_PASSTHROUGH_DATETIME | _orjson.OPT_PASSTHROUGH_DATACLASS

    def dumps(value: Any) -> str:
        """Compact JSON text. Values orjson refuses (huge ints, non-str keys) use the stdlib."""
        try:
            text: str = _orjson_dumps(value, default=_default, option=_ORJSON_OPTIONS).decode()
            return text
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return _dumps_stdlib(value)

else:  # pragma: no cover
    dumps = _dumps_stdlib

# Reading stays on the stdlib: orjson turns integers beyond 64 bits into floats, and reads are
# not on the hot path (the runtime keeps running executions in memory).
loads = json.loads


def iso_duration(value: timedelta) -> str:
    """``java.time.Duration.toString``: PT24H, PT1M30S, PT0.5S, PT0S."""
    micros = value // _MICROSECOND
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, fraction = divmod(rest, 1_000_000)
    text = "PT"
    if hours:
        text += f"{sign}{hours}H"
    if minutes:
        text += f"{sign}{minutes}M"
    if seconds or fraction or text == "PT":
        text += f"{sign}{seconds}"
        if fraction:
            text += "." + f"{fraction:06d}".rstrip("0")
        text += "S"
    return text


def to_micros(moment: datetime) -> int:
    """An instant as integer microseconds since the epoch (exact, sortable in any database)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def opt_micros(moment: datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


def opt_from_micros(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


def header_json(execution: Execution) -> str:
    """The execution without its task runs (they live in their own rows).

    ``header_record`` would build every task run's API form only to drop it, so the task runs
    are emptied first: saving a 100-task execution stays O(1) in the number of task runs.
    """
    data = replace(execution, task_runs=()).header_record()
    if execution.original_created_date is None:
        # The API form fills originalCreatedDate with the start date; keep "unset" lossless.
        data["metadata"]["originalCreatedDate"] = None
    return dumps(data)


def execution_from_rows(header: str, task_run_records: list[str]) -> Execution:
    runs = tuple(TaskRun.from_record(loads(record)) for record in task_run_records)
    return Execution.from_record(loads(header), runs)


def task_run_json(run: TaskRun) -> str:
    return dumps(run.to_record())


def labels_json(execution: Execution) -> str:
    return dumps([{"key": label.key, "value": label.value} for label in execution.labels])


def log_json(entry: LogEntry) -> str:
    return dumps(entry.to_api())


def log_from_json(text: str) -> LogEntry:
    return LogEntry.from_api(loads(text))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def escape_like(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (escape character: backslash)."""
    return f"%{_escape(text)}%"


def child_namespaces_like(namespace: str) -> str:
    """A LIKE pattern matching the namespaces below ``namespace`` (``a.b`` -> ``a.b.%``).

    SQLite's LIKE ignores ASCII case, which is harmless here: namespaces are lower case."""
    return f"{_escape(namespace)}.%"
