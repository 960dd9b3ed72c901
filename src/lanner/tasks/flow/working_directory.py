"""``io.kestra.plugin.core.flow.WorkingDirectory``: runnable tasks sharing one working directory.

The engine plans it (children one after another, ``inputFiles`` and ``outputFiles`` rendered
into the plan); the file work runs on the worker, through the ``SharedDirectoryOwner`` hooks:
``prepare_directory`` when the first child needs the directory, ``collect_directory`` after the
last child ran (Kestra's ``preExecuteTasks``/``postExecuteTasks``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from pydantic import Field, model_validator

from lanner.plugins.api import (
    Branch,
    Plan,
    Prop,
    RenderContext,
    RunContext,
    RunnableTask,
    Task,
    TaskFailure,
    inside,
)
from lanner.tasks.core.files_service import collect_output_files, matching_files, materialise_input_files
from lanner.tasks.scripts._base import NamespaceFiles
from lanner.tasks.scripts.workdir import copy_namespace_files, render_list

from ._base import FlowTask, groups


class WorkingDirectory(FlowTask):
    """Run `tasks` one after another in one shared temporary directory, so that a file written by
    one task can be read by the next. Only runnable tasks may be children. Before the first child
    runs, the flow's `namespaceFiles` (when enabled) and then `inputFiles` are written into the
    directory; after the last child ran, the files matching `outputFiles` are stored and become
    this task's output `outputFiles` (relative path -> `kestra:///` URI), so later tasks read
    them with `{{ outputs.<id>.outputFiles['name'] }}`. `cache` is not supported yet
    (validation warns). The directory is removed when the task ends."""

    kestra_type = "io.kestra.plugin.core.flow.WorkingDirectory"
    aliases = ("io.kestra.core.tasks.flows.WorkingDirectory",)
    ignored_properties = {
        "cache": "Lanner does not cache WorkingDirectory files between executions yet",
    }
    examples = (
        """\
id: working_directory_example
namespace: company.team

tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      hello.txt: Hello
    outputFiles:
      - greeting.txt
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - cat hello.txt > greeting.txt
          - echo ", World" >> greeting.txt

  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ read(outputs.wdir.outputFiles['greeting.txt']) }}"
""",
    )

    tasks: list[Task] = Field(min_length=1, description="Runnable tasks sharing the directory.")
    inputFiles: dict[str, Any] | str | None = Field(
        default=None, description="File name -> content (or kestra:// URI) written before the tasks run.")
    outputFiles: Prop[list[str]] | None = Field(
        default=None, description="Glob patterns (relative to the directory, rendered) of files stored "
                                  "after the last task ran: output `outputFiles` maps each relative "
                                  "path to its `kestra:///` URI (empty when nothing matches).")
    namespaceFiles: NamespaceFiles | None = Field(
        default=None, description="Copy the flow's namespace files into the directory before the first "
                                  "task runs (same settings as on script tasks).")
    cache: dict[str, Any] | None = Field(default=None, description="`{patterns, ttl}`: files cached "
                                                                   "between executions (not supported "
                                                                   "yet: ignored, with a warning).")

    @model_validator(mode="after")
    def _runnable_only(self) -> WorkingDirectory:
        bad = [task.id for task in self.tasks if not isinstance(task, RunnableTask)]
        if bad:
            raise ValueError("Only runnable tasks are allowed as children of a WorkingDirectory task, "
                             f"not: {', '.join(bad)}")
        return self

    def plan(self, ctx: RenderContext) -> Plan:
        files = ctx.render(self.inputFiles) if self.inputFiles is not None else {}
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                raise TaskFailure(f"Invalid inputFiles: expected a JSON map, got '{files}'") from None
        if not isinstance(files, Mapping):
            raise TaskFailure("Invalid inputFiles: expected a map of file name to content or URI")
        setup: dict[str, Any] = {"inputFiles": dict(files or {})}
        if self.outputFiles is not None:
            setup["outputFiles"] = _inside_patterns(render_list(ctx, self.outputFiles, "outputFiles"))
        return Plan(branches=[Branch(tasks=list(self.tasks))], shared_directory=setup)

    # --- on the worker (SharedDirectoryOwner) -----------------------------------------------

    def prepare_directory(self, ctx: RunContext, setup: Mapping[str, Any]) -> None:
        # Kestra's order: namespace files first, then inputFiles (which may overwrite them).
        copy_namespace_files(ctx, self.namespaceFiles, ctx.working_dir())
        materialise_input_files(ctx, setup.get("inputFiles") or {})

    def collect_directory(self, ctx: RunContext, setup: Mapping[str, Any]) -> Mapping[str, Any] | None:
        patterns = setup.get("outputFiles")
        if patterns is None:
            return None
        workdir = ctx.working_dir()
        for path in matching_files(workdir, list(patterns)):
            inside(workdir, path.relative_to(workdir).as_posix())  # a symlink may point outside
        return {"outputFiles": collect_output_files(ctx, list(patterns))}

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", self.tasks)) + super().child_groups()


def _inside_patterns(patterns: list[str]) -> list[str]:
    """Refuse, before any child runs, patterns that would reach outside the directory."""
    for pattern in patterns:
        if ".." in PurePosixPath(pattern.strip()).parts:
            raise TaskFailure(f"Invalid outputFiles pattern '{pattern}': it must stay inside the "
                              "working directory")
    return patterns
