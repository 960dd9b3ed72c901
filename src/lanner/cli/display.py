"""What ``lanner run`` shows while a flow runs: coloured logs and a live task list."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, TextIO

from lanner.model.execution import Execution, LogEntry, level_rank

LEVEL_STYLES = {"TRACE": "dim", "DEBUG": "cyan", "INFO": "green", "WARN": "yellow", "ERROR": "bold red"}
STATE_STYLES = {
    "SUCCESS": "green", "WARNING": "yellow", "FAILED": "bold red", "KILLED": "red",
    "RUNNING": "blue", "CREATED": "dim", "SKIPPED": "dim", "RETRYING": "magenta",
    "PAUSED": "magenta", "QUEUED": "dim", "CANCELLED": "red", "KILLING": "red",
}


def silence(stream: TextIO) -> None:
    """Send what is still written to ``stream`` to /dev/null: its reader closed the pipe, and
    the flow runs on to its end (its state is stored; the exit code still says how it ended)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file: nothing more to do
        pass


class RunDisplay:
    """Thread-safe sink for runtime listeners. Plain lines when not on a terminal."""

    def __init__(self, stream: TextIO, min_level: str = "DEBUG", live: bool | None = None) -> None:
        from rich.console import Console

        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        # rich's default raises SystemExit, which would end the runtime thread that logs:
        # `lanner run flow.yaml | head` must not stop the flow halfway.
        self.console.on_broken_pipe = lambda: silence(stream)  # type: ignore[method-assign]
        self.min_rank = level_rank(min_level)
        self.use_live = self.console.is_terminal if live is None else live
        self._lock = threading.Lock()
        self._execution: Execution | None = None
        self._live: Any = None
        self._started = time.monotonic()

    def __enter__(self) -> RunDisplay:
        if self.use_live:
            from rich.live import Live

            self._live = Live(self._table(), console=self.console, refresh_per_second=8,
                              transient=True, get_renderable=self._table)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()

    def log(self, entry: LogEntry) -> None:
        if level_rank(entry.level) < self.min_rank:
            return
        from rich.text import Text

        stamp = entry.timestamp.strftime("%H:%M:%S.%f")[:-3]
        line = Text()
        line.append(f"{stamp} ", style="dim")
        line.append(f"{entry.level:<5} ", style=LEVEL_STYLES.get(entry.level, ""))
        if entry.task_id:
            line.append(f"[{entry.task_id}] ", style="bold")
        line.append(entry.message)
        with self._lock:
            self.console.print(line)

    def change(self, execution: Execution) -> None:
        self._execution = execution

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, show_header=False, padding=(0, 1))
        execution = self._execution
        if execution is None:
            table.add_row("starting...")
            return table
        for run in execution.task_runs[-12:]:
            state = run.state.current.value
            name = run.task_id + (f" ({run.value})" if run.value else "")
            table.add_row(f"[{STATE_STYLES.get(state, '')}]{state:<9}[/]", name,
                          f"{run.state.duration(_now()) or 0:.1f}s")
        hidden = len(execution.task_runs) - 12
        if hidden > 0:
            table.add_row("", f"... and {hidden} earlier task runs", "")
        return table


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def print_summary(execution: Execution, stream: TextIO = sys.stdout) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, highlight=False, soft_wrap=True)
    outputs = [(run.task_id + (f"[{run.value}]" if run.value else ""), run.outputs)
               for run in execution.task_runs if run.outputs]
    if outputs:
        table = Table(title="Outputs", show_lines=False, title_justify="left")
        table.add_column("task")
        table.add_column("outputs", overflow="fold")
        import json

        for name, values in outputs:
            table.add_row(name, json.dumps(values, default=str, ensure_ascii=False))
        console.print(table)
    if execution.outputs:
        import json

        console.print(f"Flow outputs: {json.dumps(execution.outputs, default=str, ensure_ascii=False)}")
    state = execution.state.current.value
    duration = execution.state.duration() or 0.0
    console.print(f"Execution [bold]{execution.id}[/] [{STATE_STYLES.get(state, '')}]{state}[/] "
                  f"in {duration:.2f}s ({len(execution.task_runs)} task runs)")
