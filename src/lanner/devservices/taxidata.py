"""Synthetic NYC TLC trip files, shaped like the DataTalksClub ``nyc-tlc-data`` release.

The course flows ``wget`` ``{taxi}/{taxi}_tripdata_{yyyy-MM}.csv.gz`` from GitHub. Offline, Lanner
serves files made here instead: same headers and column order as the real 2019/2020 files, values
in realistic ranges, the same oddities (empty dispatch fields, a few timestamps outside the month,
exact duplicate rows), deterministic for a seed, and fast (chunks of vectorised numpy, streamed to
disk, gzip at level 1 on a second thread so compression overlaps generation).
"""

from __future__ import annotations

import contextlib
import gzip as gzip_module
import os
import queue
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lanner.errors import ConfigurationError

TAXIS = ("yellow", "green")
DEFAULT_ROWS = 100_000
DEFAULT_SEED = 2019
DEFAULT_DUPLICATES_PER_10K = 3.0
CHUNK_ROWS = 1 << 17  # fixed: the chunking is part of what a seed reproduces
RELEASE_FILE = re.compile(
    r"^(?P<taxi>yellow|green)_tripdata_(?P<year>\d{4})-(?P<month>\d{2})\.csv(?P<gz>\.gz)?$")


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    rows: int  # data rows, the header line not counted
    duplicate_rows: int  # rows that are exact copies of an earlier row
    bytes: int  # size on disk


def file_name(taxi: str, year: int, month: int, *, gzip: bool = True) -> str:
    return f"{taxi}_tripdata_{year:04d}-{month:02d}.csv" + (".gz" if gzip else "")


def parse_month(text: str) -> tuple[int, int]:
    """``"2019-01"`` -> ``(2019, 1)``."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ConfigurationError(f"'{text}' is not a month; expected YYYY-MM, e.g. 2019-01")
    return int(match.group(1)), int(match.group(2))


def header(taxi: str) -> str:
    from lanner.devservices.taxirows import COLUMNS

    return ",".join(COLUMNS[taxi])


def generate(taxi: str, year: int, month: int, rows: int = DEFAULT_ROWS, *, out: Path,
             seed: int = DEFAULT_SEED, duplicates_per_10k: float = DEFAULT_DUPLICATES_PER_10K,
             gzip: bool = True, compresslevel: int = 1) -> GeneratedFile:
    """Write one month of ``taxi`` trips.

    ``out`` is a directory (the file gets its release name inside it) or a path ending in
    ``.csv``/``.gz``. The file appears atomically (written aside, then renamed), so a server may
    hand it out while another one is being generated.
    """
    if taxi not in TAXIS:
        raise ConfigurationError(f"unknown taxi '{taxi}'; expected one of {', '.join(TAXIS)}")
    if not 1 <= month <= 12:
        raise ConfigurationError(f"month must be 1..12, got {month}")
    if rows < 0 or duplicates_per_10k < 0:
        raise ConfigurationError("rows and duplicates_per_10k must not be negative")
    out = Path(out)
    path = out if out.suffix in (".csv", ".gz") else out / file_name(taxi, year, month, gzip=gzip)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        with open(partial, "wb") as raw, contextlib.ExitStack() as closing:
            sink: _Sink = raw
            if gzip:  # mtime=0 and a fixed name: the same seed gives the same bytes
                sink = closing.enter_context(gzip_module.GzipFile(
                    filename=path.name, mode="wb", fileobj=raw, mtime=0, compresslevel=compresslevel))
            with _BackgroundWriter(sink) as writer:
                writer.write((header(taxi) + "\n").encode())
                duplicates = _write_rows(writer, taxi, year, month, rows, seed, duplicates_per_10k)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return GeneratedFile(path=path, rows=rows, duplicate_rows=duplicates, bytes=path.stat().st_size)


def _write_rows(writer: _BackgroundWriter, taxi: str, year: int, month: int, rows: int, seed: int,
                duplicates_per_10k: float) -> int:
    import numpy as np

    from lanner.devservices import taxirows

    plan = taxirows.plan_for(taxi, year, month)
    dates = taxirows.MonthDates(year, month)
    streams = np.random.SeedSequence([seed, TAXIS.index(taxi), year, month])
    rate = duplicates_per_10k / 10_000
    written = duplicates = 0
    for chunk_seed in streams.spawn((rows + CHUNK_ROWS - 1) // CHUNK_ROWS):
        n = min(CHUNK_ROWS, rows - written)
        # Spread duplicates over the file in proportion to rows, exactly round(rows * rate) in all.
        wanted = round((written + n) * rate) - round(written * rate)
        wanted = min(wanted, taxirows.max_duplicates(n))
        segments = taxirows.synthesise(plan, dates, np.random.default_rng(chunk_seed), n,
                                       force_out_of_month=written == 0 and rows >= 1000,
                                       duplicates=wanted)
        writer.write(taxirows.render(segments, n))
        written += n
        duplicates += wanted
    return duplicates


class _Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


class _BackgroundWriter:
    """Compress and write on a second thread: zlib and file I/O release the GIL."""

    def __init__(self, sink: _Sink) -> None:
        self._sink = sink
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=3)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="taxidata-writer", daemon=True)

    def __enter__(self) -> _BackgroundWriter:
        self._thread.start()
        return self

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def _drain(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._sink.write(data)
                except BaseException as exc:  # re-raised on the producer's thread
                    self._error = exc

    def __exit__(self, *exc: object) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def release_path(root: Path, taxi: str, year: int, month: int, *, gzip: bool = True) -> Path:
    """Where the GitHub release keeps a file: ``{root}/{taxi}/{taxi}_tripdata_{yyyy-MM}.csv.gz``."""
    return Path(root) / taxi / file_name(taxi, year, month, gzip=gzip)


def generate_release(root: Path, taxis: Iterable[str], months: Iterable[tuple[int, int] | str],
                     rows: int = DEFAULT_ROWS, *, seed: int = DEFAULT_SEED, gzip: bool = True,
                     duplicates_per_10k: float = DEFAULT_DUPLICATES_PER_10K) -> list[GeneratedFile]:
    """Lay files out like the release, ready for :class:`~lanner.devservices.dataserver.DataServer`."""
    wanted = [parse_month(m) if isinstance(m, str) else m for m in months]
    return [generate(taxi, year, month, rows, out=release_path(root, taxi, year, month, gzip=gzip),
                     seed=seed, gzip=gzip, duplicates_per_10k=duplicates_per_10k)
            for taxi in taxis for year, month in wanted]
