"""``io.kestra.plugin.core.storage.Split``: cut a file of internal storage into several files.

Follows Kestra's ``StorageService.split``: the file is read line by line (``\\n``, ``\\r\\n`` or
``\\r``) and each line is written followed by ``separator``. The new files keep the extension
of the source file.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure

from ._support import render_text
from .line_split import (
    SplitRule,
    extension_of,
    lines,
    rendered_rule,
    split_lines,
)
from .storage_files import render_uri


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
        extension = extension_of(source)
        separator = render_text(ctx, self.separator) or ""
        try:
            rule = self._rule(ctx)
        except ValueError as error:
            raise TaskFailure(str(error)) from None
        workdir = ctx.working_dir()

        def new_path() -> Path:
            return workdir / f"{uuid.uuid4().hex}{extension}"

        with ctx.storage.open(source) as handle:
            paths = split_lines(lines(handle), new_path, separator, rule)
        return {"uris": [ctx.storage.put_file(path, path.name) for path in paths]}

    def _rule(self, ctx: RunContext) -> SplitRule:
        rule = rendered_rule(ctx, pattern=self.regexPattern, size=self.bytes, partitions=self.partitions,
                             rows=self.rows)
        if rule is not None:
            return rule
        raise ValueError("Invalid configuration with no size, count, rows, nor regexPattern")
