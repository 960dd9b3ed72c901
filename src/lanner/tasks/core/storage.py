"""``io.kestra.plugin.core.storage.*``: the execution's files in internal storage."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, RunnableTask

from ._support import render_bool
from .files_service import collect_output_files, input_files, materialise_input_files


class PurgeCurrentExecutionFiles(RunnableTask):
    """Delete every internal-storage file of the current execution.

    Removes task outputs, input files and trigger files stored under the execution's prefix;
    later tasks can no longer read them. Output ``uris``: the deleted file URIs.
    """

    kestra_type = "io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles"
    aliases = ("io.kestra.core.tasks.storages.PurgeExecution", "io.kestra.plugin.core.storage.PurgeExecution")
    examples = (
        """\
id: purge_execution_files
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/json/user_events.json

  - id: purge
    type: io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles
""",
    )

    includeChildExecutions: Prop[bool] = Field(
        default=False,
        description="Also purge files of child executions (not supported yet: ignored with a warning).",
    )
    includeStates: Prop[bool] = Field(
        default=False, description="Also purge state files (Lanner has none: ignored)."
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        if render_bool(ctx, self.includeChildExecutions):
            ctx.logger.warn(
                "includeChildExecutions is not supported yet: only this execution's files are purged"
            )
        uris = ctx.storage.delete_execution_files()
        ctx.logger.debug(f"Purged {len(uris)} file(s)")
        return {"uris": uris}


class LocalFiles(RunnableTask):
    """Create files in the task's working directory and/or send files from it to internal storage.

    Deprecated in Kestra in favour of ``inputFiles``/``outputFiles`` on script tasks and
    WorkingDirectory. ``inputs`` maps file names to contents (a ``kestra://`` URI is downloaded,
    any other string written verbatim); ``outputs`` are globs relative to the working directory
    whose matches are stored, output ``uris`` mapping each relative path to its URI.
    Note: in Lanner each task run has its own working directory, so files created here are only
    visible to this task.
    """

    kestra_type = "io.kestra.plugin.core.storage.LocalFiles"
    aliases = ("io.kestra.core.tasks.storages.LocalFiles",)
    examples = (
        """\
id: local_files
namespace: company.team

tasks:
  - id: files
    type: io.kestra.plugin.core.storage.LocalFiles
    inputs:
      hello.txt: "Hello World\\n"
    outputs:
      - "*.txt"
""",
    )

    inputs: dict[str, Any] | str | None = Field(
        default=None,
        description="Files to create: a map (or JSON object) of file name to content or `kestra://` URI.",
    )
    outputs: list[str] | str | None = Field(
        default=None, description="Globs of working-directory files to store in internal storage. Rendered."
    )

    def run(self, ctx: RunContext) -> dict[str, Any]:
        if self.inputs is not None:
            materialise_input_files(ctx, input_files(ctx, self.inputs, what="inputs"))
        uris: dict[str, str] = {}
        if self.outputs is not None:
            uris = collect_output_files(ctx, _globs(ctx, self.outputs))
        return {"uris": uris}


def _globs(ctx: RunContext, raw: list[str] | str) -> list[str]:
    rendered = ctx.render_typed(raw)
    if isinstance(rendered, str):
        try:
            parsed = json.loads(rendered)
        except ValueError:
            parsed = [rendered]
        rendered = parsed if isinstance(parsed, list) else [rendered]
    return [str(item) for item in rendered]
