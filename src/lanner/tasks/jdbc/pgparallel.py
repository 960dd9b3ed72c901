"""CopyIn over several connections at once (``parallelism: N``): one COPY stream per connection.

PostgreSQL parses a COPY stream on one core. The decompressed source is cut into blocks of whole
records (``linestream.record_blocks``); N writer threads, each with its own connection and COPY,
take the next block from one bounded queue, so a slower stream simply takes fewer blocks and
memory stays at a few blocks whatever the file size.

All or nothing: every stream runs in its own transaction, and they are committed only after all
of them finished; a bad row, a lost connection, a failed download or a kill rolls all of them
back. The N commits are not one atomic step, so flows that must never see half a load load into
a staging table first (as the bundled taxi blueprints do).
"""

from __future__ import annotations

import bisect
import contextlib
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lanner.plugins.api import RunContext, TaskFailure

from ._pg import connect, describe, psycopg_module
from ._session import cancel_on_kill
from .linestream import Block, Progress

if TYPE_CHECKING:
    from .postgresql import CopyIn

_PUT_POLL_SECONDS = 0.2
_LINE = re.compile(r"(COPY [^,\n]+, line )(\d+)")


class _Aborted(Exception):
    """Raised inside a writer's COPY to send CopyFail when another part of the load failed."""


class _Outcome:
    """The first failure of a load; what fails after it (the other streams aborting) is its echo."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.writer: _Stream | None = None
        self._lock = threading.Lock()

    def fail(self, error: BaseException, writer: _Stream | None = None) -> None:
        with self._lock:
            if not self.stop.is_set():
                self.error, self.writer = error, writer
            self.stop.set()


@dataclass
class _Stream:
    """One writer: its connection, and where each block it sent starts (stream line -> file line)."""

    connection: Any
    stream_lines: list[int] = field(default_factory=list)
    file_lines: list[int] = field(default_factory=list)
    next_line: int = 1
    rows: int = 0

    def sent(self, block: Block) -> None:
        self.stream_lines.append(self.next_line)
        self.file_lines.append(block.first_line)
        self.next_line += block.lines

    def file_line(self, stream_line: int) -> int | None:
        index = bisect.bisect_right(self.stream_lines, stream_line) - 1
        if index < 0:
            return None
        return self.file_lines[index] + stream_line - self.stream_lines[index]


def parallel_copy_in(ctx: RunContext, task: CopyIn, statement: str, blocks: Iterator[Block],
                     streams: int, progress: Progress) -> int:
    """Send ``blocks`` over ``streams`` COPY streams; the number of rows loaded."""
    psycopg = psycopg_module()
    table = str(ctx.render(task.table) or "the table")  # as the user will recognise it in errors
    work: queue.Queue[Block | None] = queue.Queue(maxsize=2 * streams)
    outcome = _Outcome()
    stop = outcome.stop
    writers: list[_Stream] = []
    try:
        for _ in range(streams):
            writers.append(_Stream(connect(ctx, task, autocommit=False)))
        threads = [threading.Thread(target=_write, args=(writer, statement, work, outcome),
                                    name=f"lanner-copy-{index}", daemon=True)
                   for index, writer in enumerate(writers)]
        for thread in threads:
            thread.start()

        def cancel() -> None:
            stop.set()
            for writer in writers:
                with contextlib.suppress(Exception):
                    writer.connection.cancel_safe()

        try:
            with cancel_on_kill(ctx, cancel):
                for block in blocks:
                    if stop.is_set() or ctx.is_killed():
                        break
                    progress.add(block.data, block.lines)
                    _put(work, block, stop)
        except BaseException as error:
            outcome.fail(error)
            raise
        finally:
            if stop.is_set() or ctx.is_killed():
                stop.set()
                _drain(work)
            for _ in threads:
                work.put(None)  # never blocks: the queue holds 2N and was drained on failure
            for thread in threads:
                thread.join()
        if ctx.is_killed():
            raise TaskFailure("Killed: the load was cancelled, nothing was kept")
        if outcome.error is not None:
            raise TaskFailure(_failure(table, outcome, psycopg))
        for index, writer in enumerate(writers):
            try:
                writer.connection.commit()
            except psycopg.Error as error:
                kept = f"; {index} of {streams} streams were already committed" if index else ""
                raise TaskFailure(f"COPY into {table} failed at commit: "
                                  f"{describe(error)}{kept}") from None
        return sum(writer.rows for writer in writers)
    finally:
        for writer in writers:
            with contextlib.suppress(Exception):
                writer.connection.rollback()  # a no-op after the commit
            with contextlib.suppress(Exception):
                writer.connection.close()


def _put(work: queue.Queue[Block | None], block: Block, stop: threading.Event) -> None:
    while True:
        try:
            work.put(block, timeout=_PUT_POLL_SECONDS)
            return
        except queue.Full:
            if stop.is_set():
                return


def _drain(work: queue.Queue[Block | None]) -> None:
    with contextlib.suppress(queue.Empty):
        while True:
            work.get_nowait()


def _write(writer: _Stream, statement: str, work: queue.Queue[Block | None], outcome: _Outcome) -> None:
    """One COPY stream: blocks from ``work`` until its end mark (None). Each writer takes exactly
    one end mark, whatever happens, so the producer's N marks end the N writers."""
    stop = outcome.stop
    ended = False
    try:
        with writer.connection.cursor() as cursor:
            with cursor.copy(statement) as copy:
                while (block := work.get()) is not None:
                    if stop.is_set():
                        raise _Aborted
                    writer.sent(block)
                    copy.write(block.data)
                ended = True
                if stop.is_set():
                    raise _Aborted  # leaving the block with an error sends CopyFail
            writer.rows = max(cursor.rowcount, 0)
    except BaseException as error:
        outcome.fail(error, writer)
        while not ended:  # let the producer finish putting, then end
            ended = work.get() is None


def _failure(table: str, outcome: _Outcome, psycopg: Any) -> str:
    error, writer = outcome.error, outcome.writer
    if isinstance(error, psycopg.Error) and writer is not None:
        message = describe(error) or str(error)

        def in_file(match: re.Match[str]) -> str:
            line = writer.file_line(int(match.group(2)))
            return match.group(1) + (str(line) if line is not None else match.group(2)) + " of the file"

        message = _LINE.sub(in_file, message)
    else:
        message = f"{type(error).__name__}: {error}"
    return f"COPY into {table} failed: {message}"
