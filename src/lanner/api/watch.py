"""Bridges from runtime threads to the event loop: wait for an execution to settle, stream its
changes and logs as server-sent events (Kestra's ``id: progress`` ... ``id: end``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import contextmanager
from typing import Any

from lanner.api.deps import call
from lanner.api.ports import ApiServices
from lanner.model.execution import Execution, LogEntry, level_rank

KEEP_ALIVE_SECONDS = 15.0
SAFETY_POLL_SECONDS = 5.0  # a missed notification never leaves a client waiting forever


def sse(event_id: str, data: Any) -> str:
    payload = json.dumps(data, ensure_ascii=False, default=str)
    return f"id: {event_id}\ndata: {payload}\n\n"


class _Signal:
    """A thread-safe wake-up for one coroutine."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def set(self) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            self._loop.call_soon_threadsafe(self.event.set)

    async def wait(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        self.event.clear()
        return True


@contextmanager
def _watching(services: ApiServices, execution_id: str, signal: _Signal, logs: bool = False) -> Any:
    def on_change(execution: Execution) -> None:
        if execution.id == execution_id:
            signal.set()

    def on_log(entry: LogEntry) -> None:
        if entry.execution_id == execution_id:
            signal.set()

    stops: list[Callable[[], None]] = [services.watch_executions(on_change)]
    if logs:
        stops.append(services.watch_logs(on_log))
    try:
        yield
    finally:
        for stop in stops:
            stop()


async def wait_settled(services: ApiServices, execution_id: str) -> Execution:
    signal = _Signal()
    with _watching(services, execution_id, signal):
        current = await call(services.get_execution, execution_id)
        while not current.is_settled:
            await signal.wait(SAFETY_POLL_SECONDS)
            current = await call(services.get_execution, execution_id)
        return current


async def follow_execution(services: ApiServices, execution_id: str) -> AsyncIterator[str]:
    """The execution now, then on every change; ``end`` once it has settled."""
    signal = _Signal()
    with _watching(services, execution_id, signal):
        current = await call(services.get_execution, execution_id)
        last: dict[str, Any] | None = None
        while True:
            shown = services.present(current)
            if current.is_settled:
                yield sse("end", shown)
                return
            if shown != last:
                yield sse("progress", shown)
                last = shown
            if not await signal.wait(KEEP_ALIVE_SECONDS):
                yield ": keep-alive\n\n"
            current = await call(services.get_execution, execution_id)


async def follow_logs(services: ApiServices, execution_id: str, min_level: str | None = None,
                      task_run_id: str | None = None, task_id: str | None = None) -> AsyncIterator[str]:
    """Every log line of the execution (past ones first), then ``end`` once it has settled."""
    signal = _Signal()
    minimum = level_rank(min_level) if min_level else None
    with _watching(services, execution_id, signal, logs=True):
        seen = 0
        while True:
            current = await call(services.get_execution, execution_id)
            entries = await call(services.logs, execution_id, None, task_run_id, task_id, seen)
            seen += len(entries)
            for entry in entries:
                if minimum is None or level_rank(entry.level) >= minimum:
                    yield sse("progress", entry.to_api())
            if current.is_settled:
                yield sse("end", {"executionId": execution_id, "state": current.state.current.value})
                return
            if not await signal.wait(KEEP_ALIVE_SECONDS):
                yield ": keep-alive\n\n"
