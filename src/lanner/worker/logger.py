"""The task logger: each line becomes a ``LogEntry`` handed to the sink at once (live logs)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from lanner.model.execution import LOG_LEVELS, LogEntry, level_rank

from .masking import Masker

LogSink = Callable[[LogEntry], None]

_ALIASES = {"WARNING": "WARN", "FATAL": "ERROR", "CRITICAL": "ERROR"}


class TaskRunLogger:
    """Implements ``lanner.plugins.api.TaskLogger`` for one task-run attempt.

    Secrets registered in the masker are replaced by ``******`` in every message; lines below
    the task's ``logLevel`` are dropped.
    """

    def __init__(
        self,
        sink: LogSink,
        masker: Masker,
        clock: Callable[[], datetime],
        *,
        namespace: str,
        flow_id: str,
        execution_id: str,
        task_id: str,
        task_run_id: str,
        attempt_number: int,
        min_level: str | None = None,
    ) -> None:
        self._sink = sink
        self._masker = masker
        self._clock = clock
        self._min_rank = level_rank(min_level) if min_level else 0
        self._fields = dict(
            namespace=namespace,
            flow_id=flow_id,
            execution_id=execution_id,
            task_id=task_id,
            task_run_id=task_run_id,
            attempt_number=attempt_number,
        )

    def log(self, level: str, message: str) -> None:
        level = _ALIASES.get(level.upper(), level.upper())
        if level not in LOG_LEVELS:
            level = "INFO"
        if level_rank(level) < self._min_rank:
            return
        self._sink(
            LogEntry(
                timestamp=self._clock(),
                level=level,
                message=self._masker.apply(str(message)),
                thread=threading.current_thread().name,
                **self._fields,  # type: ignore[arg-type]
            )
        )

    def trace(self, message: str) -> None:
        self.log("TRACE", message)

    def debug(self, message: str) -> None:
        self.log("DEBUG", message)

    def info(self, message: str) -> None:
        self.log("INFO", message)

    def warn(self, message: str) -> None:
        self.log("WARN", message)

    def warning(self, message: str) -> None:
        self.log("WARN", message)

    def error(self, message: str) -> None:
        self.log("ERROR", message)
