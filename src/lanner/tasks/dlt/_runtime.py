"""dlt inside a worker: imported lazily and quietly, its log lines routed to the execution log,
and one run of a pipeline at a time.

- Telemetry: dlt sends anonymous usage events to dltHub by default. A worker must not phone out
  behind the user's back (and Lanner's tests never reach the internet), so it is off unless the
  environment says otherwise (``RUNTIME__DLTHUB_TELEMETRY=true`` turns it back on).
- Logs: dlt logs through one process-wide ``logging`` logger. A handler routes each record to the
  task run whose thread emitted it (dlt's load step also logs from its pool threads, named after
  the thread that started them; other threads' records go to the only dlt run in progress, if
  there is exactly one). dlt's INFO lines are chatty
  (one per request, per file, per job), so they become DEBUG lines of the task run; dlt's
  warnings and errors keep their level.
- Lock: a pipeline's working directory holds its state and pending packages; two runs of the same
  pipeline at once (two executions on the threads of one worker, or two workers sharing the
  directory) would corrupt it. An exclusive ``flock`` on ``<pipeline>.lock`` serialises them.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from lanner.plugins.api import RunContext, TaskFailure, TaskLogger
from lanner.tasks.gcp.bq_warehouse import FileLock

_TELEMETRY = "RUNTIME__DLTHUB_TELEMETRY"
_LOCK_NOTICE_SECONDS = 5.0
_LOCK_POLL_SECONDS = 0.05
_POOL_THREAD = re.compile(r"dlt-pool-(\d+)-")  # dlt names its pool threads after the thread that made them
_LEVELS = {"DEBUG": "TRACE", "INFO": "DEBUG", "WARNING": "WARN", "ERROR": "ERROR", "CRITICAL": "ERROR"}


def import_dlt() -> ModuleType:
    os.environ.setdefault(_TELEMETRY, "false")
    try:
        import dlt
    except ImportError:  # pragma: no cover - depends on the installation
        raise TaskFailure("The dlt task needs the dlt package: pip install 'dlt[duckdb,postgres]'") from None
    return dlt


class _Router(logging.Handler):
    """Sends dlt's records to the logger of the task run that emitted them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._by_thread: dict[int, TaskLogger] = {}
        self._guard = threading.Lock()

    def attach(self, logger: TaskLogger) -> int:
        ident = threading.get_ident()
        with self._guard:
            self._by_thread[ident] = logger
        return ident

    def detach(self, ident: int) -> None:
        with self._guard:
            self._by_thread.pop(ident, None)

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            target = self._by_thread.get(record.thread or 0)
            pool = _POOL_THREAD.match(record.threadName or "")
            if target is None and pool is not None:
                target = self._by_thread.get(int(pool.group(1)))
            if target is None and len(self._by_thread) == 1:
                target = next(iter(self._by_thread.values()))
        if target is None:
            return
        try:
            message = record.getMessage()
            if record.exc_info and record.levelno >= logging.WARNING:
                message += f" ({record.exc_info[1]})"
            target.log(_LEVELS.get(record.levelname, "INFO"), f"dlt: {message}")
        except Exception:  # a log line must never break a load
            self.handleError(record)


_ROUTER = _Router()


def _dlt_logger() -> logging.Logger:
    from dlt.common import logger as dlt_logger

    current = dlt_logger.LOGGER
    return current if current is not None else logging.getLogger("dlt")


@contextmanager
def dlt_logs_to(ctx: RunContext) -> Iterator[None]:
    """While the block runs, dlt's records from this thread go to ``ctx.logger``. Call it after
    the pipeline object exists: creating the first one (re)configures dlt's logger."""
    logger = _dlt_logger()
    if _ROUTER not in logger.handlers:
        for handler in logger.handlers:  # dlt's own stderr handler keeps to warnings
            if type(handler) is logging.StreamHandler and handler.level < logging.WARNING:
                handler.setLevel(logging.WARNING)
        logger.addHandler(_ROUTER)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    ident = _ROUTER.attach(ctx.logger)
    try:
        yield
    finally:
        _ROUTER.detach(ident)


@contextmanager
def pipeline_lock(path: Path, ctx: RunContext) -> Iterator[None]:
    """Exclusive use of one pipeline's working directory (waits, logging every few seconds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    started = notified = time.monotonic()
    while not lock.try_acquire():
        if ctx.is_killed():
            raise TaskFailure("Killed while waiting for another run of this dlt pipeline to end")
        if time.monotonic() - notified > _LOCK_NOTICE_SECONDS:
            notified = time.monotonic()
            ctx.logger.info(f"Waiting for another run of this dlt pipeline to end ({path}, "
                            f"{notified - started:.0f}s so far)")
        time.sleep(_LOCK_POLL_SECONDS)
    try:
        yield
    finally:
        lock.release()


def json_safe(value: Any) -> Any:
    """dlt state values (pendulum datetimes, Decimals...) as JSON-friendly outputs."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    return str(value)
