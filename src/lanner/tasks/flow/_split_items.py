"""Splitting a stored file into batch files, line by line (Kestra's ``StorageService.split``).

Lines end with ``\\n``, ``\\r\\n`` or ``\\r`` (Java's ``readLine``); each row is written back
followed by ``separator``. Rules, first set wins: ``regexPattern`` (one file per value of the
pattern's first group, other lines dropped), ``bytes`` (a new file once the current one holds
that many bytes), ``partitions`` (rows dealt round-robin, empty files dropped), ``rows``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

_SIZE = re.compile(r"^\s*([0-9]+)\s*([KMGT]?B)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def parse_size(text: str) -> int:
    """``"10KB"`` -> 10240 (Micronaut's readable bytes: 1 KB = 1024 bytes)."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"Invalid size with value '{text}'")
    unit = match.group(2).upper() if match.group(2) else None
    return int(match.group(1)) * _UNITS[unit]


def extension_of(uri: str) -> str:
    name = uri.rsplit("/", 1)[-1]
    return name[name.rfind("."):] if "." in name else ".tmp"


def _rows(source: BinaryIO) -> Iterator[str]:
    text = io.TextIOWrapper(source, encoding="utf-8", newline=None)  # universal newlines
    try:
        for line in text:
            yield line[:-1] if line.endswith("\n") else line
    finally:
        text.detach()  # the caller closes ``source``


class _Files:
    """Batch files created in a directory, in order."""

    def __init__(self, directory: Path, extension: str) -> None:
        self.directory = directory
        self.extension = extension
        self.paths: list[Path] = []
        self._open: list[IO[bytes]] = []

    def new(self) -> IO[bytes]:
        path = self.directory / f"batch-{len(self.paths)}{self.extension}"
        self.paths.append(path)
        handle = path.open("wb")
        self._open.append(handle)
        return handle

    def close(self) -> None:
        for handle in self._open:
            handle.close()
        self._open.clear()


def split_rows(source: BinaryIO, directory: Path, extension: str, separator: str, *,
               rows: int | None = None, max_bytes: int | None = None, partitions: int | None = None,
               pattern: str | None = None) -> list[Path]:
    """The batch files of ``source``, written into ``directory`` (non-empty ones, in order)."""
    files = _Files(directory, extension)
    try:
        if pattern is not None:
            _by_pattern(source, files, separator, re.compile(pattern))
        elif partitions is not None:
            if partitions < 1:
                raise ValueError("`partitions` must be at least 1")
            writers = [files.new() for _ in range(partitions)]
            for index, row in enumerate(_rows(source)):
                writers[index % partitions].write((row + separator).encode("utf-8"))
        else:
            if max_bytes is None and (rows is None or rows < 1):
                raise ValueError("`rows` must be at least 1")
            _sequential(source, files, separator, rows, max_bytes)
    finally:
        files.close()
    return [path for path in files.paths if path.stat().st_size > 0]


def _sequential(source: BinaryIO, files: _Files, separator: str, rows: int | None,
                max_bytes: int | None) -> None:
    current: IO[bytes] | None = None
    size = count = 0
    for row in _rows(source):
        full = size >= max_bytes if max_bytes is not None else count >= (rows or 1)
        if current is None or full:
            current = files.new()
            size = count = 0
        data = (row + separator).encode("utf-8")
        current.write(data)
        size += len(data)
        count += 1


def _by_pattern(source: BinaryIO, files: _Files, separator: str, pattern: re.Pattern[str]) -> None:
    writers: dict[str, IO[bytes]] = {}
    for row in _rows(source):
        match = pattern.search(row)
        if match is None or not match.groups():
            continue
        key = match.group(1) or ""
        writer = writers.get(key)
        if writer is None:
            writer = writers[key] = files.new()
        writer.write((row + separator).encode("utf-8"))
