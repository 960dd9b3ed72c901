"""Splitting a stored file line by line, as Kestra's ``StorageService.split``: one copy for the
``Split`` task and ``ForEachItem``'s batches.

Lines end with ``\\n``, ``\\r\\n`` or ``\\r`` (Java's ``readLine``); each line is written back
followed by ``separator``. Rules, first set wins: ``pattern`` (one file per value of the
pattern's first capture group, in order of first appearance; other lines dropped),
``max_bytes`` (a new file once the current one holds that many bytes: a file may exceed it by
its last line), ``partitions`` (lines dealt round-robin), ``rows`` (a new file every N lines).
Files left empty are dropped. Errors are ``ValueError`` with a message meant for the user.
"""

from __future__ import annotations

import io
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lanner.plugins.api import RenderContext

_UNITS = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}
# A file per key or partition may mean thousands of files: only this many stay open at once
# (a process usually may open 1024 files, shared by every task running in it).
MAX_OPEN_FILES = 64


@dataclass(frozen=True, slots=True)
class SplitRule:
    rows: int | None = None
    max_bytes: int | None = None
    partitions: int | None = None
    pattern: re.Pattern[str] | None = None


def extension_of(uri: str) -> str:
    """The extension the parts keep: the source file's, else ``.tmp``."""
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    return name[name.rindex("."):] if "." in name else ".tmp"


def lines(handle: IO[bytes]) -> Iterator[str]:
    """The lines of ``handle`` without their ending (universal newlines, as ``readLine``).
    The caller closes ``handle``."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline=None)
    try:
        for line in text:
            yield line[:-1] if line.endswith("\n") else line
    finally:
        text.detach()


def parse_size(text: str) -> int:
    """A size as Micronaut's ``ReadableBytesTypeConverter`` reads it: ``10MB``, ``512KB``, ``1GB``
    (powers of 1024) or a plain number of bytes."""
    value = text.strip().upper()
    factor = 1
    if value[-2:] in _UNITS:
        factor, value = _UNITS[value[-2:]], value[:-2].strip()
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"Invalid size with value '{text}': write a number of bytes, or e.g. 512KB, "
                         "10MB, 1GB")
    return int(value) * factor


def positive(value: Any, what: str) -> int:
    """A whole number of at least 1 (``rows``, ``partitions``), or a ``ValueError`` naming it."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid {what} '{value}': expected a whole number") from None
    if number < 1:
        raise ValueError(f"Invalid {what} '{value}': must be at least 1")
    return number


def compile_pattern(text: str) -> re.Pattern[str]:
    """The ``regexPattern``: valid, and with a capture group (its value names the file)."""
    try:
        pattern = re.compile(text)
    except re.error as error:
        raise ValueError(f"Invalid regexPattern '{text}': {error}") from None
    if pattern.groups == 0:
        raise ValueError(f"regexPattern '{text}' has no capture group: put the part of the line that "
                         "chooses the file in parentheses, e.g. \\[(\\w+)\\]")
    return pattern


def rendered_rule(ctx: RenderContext, *, pattern: Any = None, size: Any = None, partitions: Any = None,
                  rows: Any = None) -> SplitRule | None:
    """The first rule set, in Kestra's order, rendered; None when none is set."""
    from ._support import render_text

    if pattern is not None:
        return SplitRule(pattern=compile_pattern(render_text(ctx, pattern) or ""))
    if size is not None:
        return SplitRule(max_bytes=parse_size(render_text(ctx, size) or ""))
    if partitions is not None:
        return SplitRule(partitions=positive(ctx.render_typed(partitions), "partitions"))
    if rows is not None:
        return SplitRule(rows=positive(ctx.render_typed(rows), "rows"))
    return None


def split_lines(source: Iterator[str], new_path: Callable[[], Path], separator: str,
                rule: SplitRule) -> list[Path]:
    """The files ``source`` was split into (non-empty ones, in creation order); ``new_path``
    names each new file."""
    outputs = _Outputs(new_path)
    try:
        if rule.pattern is not None:
            keys: dict[str, int] = {}
            for line in source:
                match = rule.pattern.search(line)
                if match is None:
                    continue
                key = match.group(1) or ""
                if key not in keys:
                    keys[key] = outputs.new()
                outputs.write(keys[key], line + separator)
        elif rule.partitions is not None:
            files = [outputs.new() for _ in range(rule.partitions)]
            for number, line in enumerate(source):
                outputs.write(files[number % rule.partitions], line + separator)
        else:
            current, size, count = -1, 0, 0
            for line in source:
                full = size >= rule.max_bytes if rule.max_bytes is not None else count >= (rule.rows or 1)
                if current < 0 or full:
                    outputs.close(current)
                    current, size, count = outputs.new(), 0, 0
                size += outputs.write(current, line + separator)
                count += 1
    finally:
        outputs.close_all()
    return [path for path in outputs.paths if path.exists() and path.stat().st_size > 0]


class _Outputs:
    """Numbered output files; at most ``MAX_OPEN_FILES`` open, reopened for appending."""

    def __init__(self, new_path: Callable[[], Path]) -> None:
        self._new_path = new_path
        self.paths: list[Path] = []
        self._open: OrderedDict[int, IO[bytes]] = OrderedDict()

    def new(self) -> int:
        """A file to come: created by its first write (one never written to is left out)."""
        self.paths.append(self._new_path())
        return len(self.paths) - 1

    def write(self, index: int, text: str) -> int:
        handle = self._open.get(index)
        if handle is None:
            if len(self._open) >= MAX_OPEN_FILES:
                self._open.popitem(last=False)[1].close()
            handle = self._open[index] = self.paths[index].open("ab")
        else:
            self._open.move_to_end(index)
        data = text.encode("utf-8")
        handle.write(data)
        return len(data)

    def close(self, index: int) -> None:
        handle = self._open.pop(index, None)
        if handle is not None:
            handle.close()

    def close_all(self) -> None:
        while self._open:
            self._open.popitem()[1].close()
