"""Streams of CSV/TEXT data as the loaders use them: cut at record boundaries, counted, timed.

``record_blocks`` turns a stream of decompressed chunks into blocks of about ``block_bytes``
that each end at a record boundary (never inside a quoted CSV field), so each block can go to a
different ``COPY`` stream; every block knows the file line it starts at, so an error that
PostgreSQL reports by the line of one stream can be told by the line of the file.
``Progress`` counts rows and bytes and logs a line every few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

PROGRESS_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Block:
    data: bytes
    first_line: int  # line of the file (1 = the first line, a header if there is one)
    lines: int  # line feeds in ``data``


def record_blocks(chunks: Iterable[bytes], *, block_bytes: int, skip_header: bool,
                  quote: bytes | None) -> Iterator[Block]:
    """Blocks of whole records, the header line left out when ``skip_header``.

    ``quote`` is the CSV quote character (a line feed between quotes is data, not the end of a
    record; a doubled quote keeps the count even); None for PostgreSQL's TEXT format, where a
    line feed is data only after a backslash. A final record without a line feed gets one.
    """
    pending: list[bytes] = []
    size = 0
    line = 1
    header_left = skip_header
    for chunk in chunks:
        if not chunk:
            continue
        pending.append(chunk)
        size += len(chunk)
        if header_left:
            joined = b"".join(pending)
            end = _header_end(joined, quote)
            if end < 0:
                pending, size = [joined], len(joined)
                continue
            header_left = False
            line += joined.count(b"\n", 0, end)
            rest = joined[end:]
            pending, size = ([rest], len(rest)) if rest else ([], 0)
        if size < block_bytes:
            continue
        joined = b"".join(pending)
        cut = _last_boundary(joined, quote)
        if cut <= 0:  # one record longer than a block: read on
            pending, size = [joined], len(joined)
            continue
        block = joined[:cut]
        lines = block.count(b"\n")
        yield Block(block, line, lines)
        line += lines
        rest = joined[cut:]
        pending, size = ([rest], len(rest)) if rest else ([], 0)
    if pending and not header_left:
        block = b"".join(pending)
        if not block.endswith(b"\n"):
            block += b"\n"
        yield Block(block, line, block.count(b"\n"))


def _header_end(data: bytes, quote: bytes | None) -> int:
    """The offset just after the first record of ``data``, or -1 when it is not complete yet."""
    start = 0
    while True:
        feed = data.find(b"\n", start)
        if feed < 0:
            return -1
        if _is_boundary(data, feed, quote):
            return feed + 1
        start = feed + 1


def _last_boundary(data: bytes, quote: bytes | None) -> int:
    """The offset just after the last line feed of ``data`` that ends a record (0 if none).

    ``data`` starts at a record boundary. Most data has no quote at all: one ``count`` of the
    quotes before the last line feed then settles it.
    """
    feed = data.rfind(b"\n")
    while feed >= 0:
        if _is_boundary(data, feed, quote):
            return feed + 1
        feed = data.rfind(b"\n", 0, feed)
    return 0


def _is_boundary(data: bytes, feed: int, quote: bytes | None) -> bool:
    if quote is None:
        return feed == 0 or data[feed - 1] != 0x5C  # a backslash before it makes it data
    return data.count(quote, 0, feed) % 2 == 0


def parallel_safe(fmt: str, quote: str | None, escape: str | None) -> bool:
    """Whether records can be found by counting quotes: CSV whose escape is its quote (the
    default), or TEXT. BINARY, or CSV with another escape character, is loaded in one stream."""
    if fmt == "TEXT":
        return True
    if fmt != "CSV":
        return False
    return escape is None or escape == (quote or '"')


class Progress:
    """Rows and bytes of one load; ``log`` is called with a line every ``interval`` seconds.

    Rows are counted from line feeds (a header line is subtracted), so they are exact for files
    without quoted line feeds; the final line takes the database's own count.
    """

    def __init__(self, log: Callable[[str], None], *, header_lines: int = 0,
                 interval: float = PROGRESS_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._log = log
        self._clock = clock
        self._interval = interval
        self._header = header_lines
        self.started = clock()
        self._next = self.started + interval
        self.bytes = 0
        self.lines = 0

    @property
    def rows(self) -> int:
        return max(self.lines - self._header, 0)

    def add(self, data: bytes, lines: int | None = None) -> None:
        self.bytes += len(data)
        self.lines += data.count(b"\n") if lines is None else lines
        now = self._clock()
        if now >= self._next:
            self._next = now + self._interval
            self._log("Progress: " + self.describe(self.rows, now))

    def describe(self, rows: int, now: float | None = None) -> str:
        seconds = max((self._clock() if now is None else now) - self.started, 1e-6)
        megabytes = self.bytes / 1e6
        return (f"{rows:,} rows, {megabytes:,.1f} MB in {seconds:.1f} s "
                f"({megabytes / seconds:,.1f} MB/s, {rows / seconds:,.0f} rows/s)")

    def seconds(self) -> float:
        return self._clock() - self.started

    def counted(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """``chunks`` unchanged, counted on the way."""
        for chunk in chunks:
            self.add(chunk)
            yield chunk
