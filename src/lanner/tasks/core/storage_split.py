"""``io.kestra.plugin.core.storage.Split``: cut a file of internal storage into several files.

Follows Kestra's ``StorageService.split``: the file is read line by line (``\\n``, ``\\r\\n`` or
``\\r``) and each line is written followed by ``separator``. The new files keep the extension
of the source file.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure

from ._support import render_text
from .storage_files import render_uri

_UNITS = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}


def parse_bytes(text: str) -> int:
    """A size as Micronaut's ``ReadableBytesTypeConverter`` reads it: ``10MB``, ``512KB``,
    ``1GB`` (powers of 1024) or a plain number of bytes."""
    value = text.strip().upper()
    factor = 1
    if value[-2:] in _UNITS:
        factor, value = _UNITS[value[-2:]], value[:-2]
    try:
        return int(value) * factor
    except ValueError:
        raise TaskFailure(f"Invalid size with value '{text}'") from None


def _lines(handle: IO[bytes]) -> Iterator[str]:
    # Universal newlines, as Java's BufferedReader.readLine: the line ending is dropped.
    with io.TextIOWrapper(handle, encoding="utf-8", newline=None) as text:
        for line in text:
            yield line[:-1] if line.endswith("\n") else line


class Split(RunnableTask):
    """Split a file of internal storage into several files (output ``uris``, in order).

    Set exactly one way to split; when several are set, the first of this order wins:
    ``regexPattern`` (lines grouped by the value of the pattern's first capture group, one
    file per value in order of first appearance; lines that do not match are dropped),
    ``bytes`` (a new file once the current one reached that size: ``10MB``, ``512KB``, ``1024``),
    ``partitions`` (that many files, lines dealt round-robin; empty files are left out) or
    ``rows`` (a new file every that many lines).
    """

    kestra_type = "io.kestra.plugin.core.storage.Split"
    aliases = ("io.kestra.core.tasks.storages.Split",)
    examples = (
        """\
id: split_by_rows
namespace: company.team

tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: |
      line 1
      line 2
      line 3
    extension: .txt

  - id: split
    type: io.kestra.plugin.core.storage.Split
    from: "{{ outputs.write.uri }}"
    rows: 2

  - id: each_part
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.split.uris }}"
""",
        """\
id: split_by_key
namespace: company.team

tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: |
      [INFO] started
      [ERROR] boom
      [INFO] done
    extension: .log

  - id: split
    type: io.kestra.plugin.core.storage.Split
    from: "{{ outputs.write.uri }}"
    regexPattern: "\\\\[(\\\\w+)\\\\]"
""",
    )

    from_: Prop[str] = Field(alias="from", description="The `kestra://` URI of the file to split. Rendered.")
    bytes: Prop[str] | None = Field(
        default=None, description="Maximum size of each file: `10MB`, `512KB`, `1GB` or a number of bytes. "
        "A file may exceed it by its last line."
    )
    partitions: Prop[int] | None = Field(default=None, description="Number of files to create (round-robin).")
    rows: Prop[int] | None = Field(default=None, description="Number of lines per file.")
    regexPattern: Prop[str] | None = Field(
        default=None, description="A regular expression with a capture group: lines are grouped by the "
        "value it captures. Rendered."
    )
    separator: Prop[str] = Field(default="\n", description="Written after each line. Rendered.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        source = render_uri(ctx, self.from_, "from")
        extension = _extension(source)
        separator = render_text(ctx, self.separator) or ""
        parts = _Parts(ctx.working_dir(), extension)
        with ctx.storage.open(source) as handle:
            lines = _lines(handle)
            if self.regexPattern is not None:
                paths = parts.by_key(lines, separator, _pattern(render_text(ctx, self.regexPattern) or ""))
            elif self.bytes is not None:
                limit = parse_bytes(render_text(ctx, self.bytes) or "")
                paths = parts.sequential(lines, separator, lambda size, _rows: size >= limit)
            elif self.partitions is not None:
                paths = parts.round_robin(lines, separator, _positive(ctx, self.partitions, "partitions"))
            elif self.rows is not None:
                count = _positive(ctx, self.rows, "rows")
                paths = parts.sequential(lines, separator, lambda _size, rows: rows >= count)
            else:
                raise TaskFailure("Invalid configuration with no size, count, rows, nor regexPattern")
        return {"uris": [ctx.storage.put_file(path, path.name) for path in paths]}


def _extension(uri: str) -> str:
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    return name[name.rindex("."):] if "." in name else ".tmp"


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as error:
        raise TaskFailure(f"Invalid regexPattern '{text}': {error}") from None


def _positive(ctx: RunContext, value: Any, what: str) -> int:
    rendered = ctx.render_typed(value)
    try:
        number = int(rendered)
    except (TypeError, ValueError):
        raise TaskFailure(f"Invalid {what} '{rendered}': expected a whole number") from None
    if number < 1:
        raise TaskFailure(f"Invalid {what} '{rendered}': must be at least 1")
    return number


class _Parts:
    """The files being written in the working directory, in creation order."""

    def __init__(self, workdir: Path, extension: str) -> None:
        self._workdir = workdir
        self._extension = extension
        self.paths: list[Path] = []

    def _new(self, files: ExitStack) -> IO[bytes]:
        path = self._workdir / f"{uuid.uuid4().hex}{self._extension}"
        self.paths.append(path)
        return files.enter_context(path.open("wb"))

    def sequential(self, lines: Iterator[str], separator: str,
                   is_full: Callable[[int, int], bool]) -> list[Path]:
        """A new file when ``is_full(bytes written, rows written)`` of the current one."""
        with ExitStack() as files:
            out: IO[bytes] | None = None
            size = rows = 0
            for line in lines:
                if out is None or is_full(size, rows):
                    if out is not None:
                        out.close()
                    out, size, rows = self._new(files), 0, 0
                data = (line + separator).encode("utf-8")
                out.write(data)
                size += len(data)
                rows += 1
        return self.paths

    def round_robin(self, lines: Iterator[str], separator: str, count: int) -> list[Path]:
        with ExitStack() as files:
            outs = [self._new(files) for _ in range(count)]
            for number, line in enumerate(lines):
                outs[number % count].write((line + separator).encode("utf-8"))
        return [path for path in self.paths if path.stat().st_size > 0]

    def by_key(self, lines: Iterator[str], separator: str, pattern: re.Pattern[str]) -> list[Path]:
        with ExitStack() as files:
            outs: dict[str, IO[bytes]] = {}
            for line in lines:
                match = pattern.search(line)
                if match is None or pattern.groups == 0:
                    continue
                key = match.group(1)
                if key not in outs:
                    outs[key] = self._new(files)
                outs[key].write((line + separator).encode("utf-8"))
        return [path for path in self.paths if path.stat().st_size > 0]
