"""``io.kestra.plugin.core.flow.WorkingDirectory``: runnable tasks sharing one working directory."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lanner.plugins.api import Branch, Plan, RenderContext, RunnableTask, Task, TaskFailure

from ._base import FlowTask, groups


class NamespaceFiles(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | str = True
    include: list[str] | None = None
    exclude: list[str] | None = None
    ifExists: Literal["OVERWRITE", "FAIL", "WARN", "IGNORE"] = "OVERWRITE"
    folderPerNamespace: bool = False
    namespaces: list[str] | None = None


class WorkingDirectory(FlowTask):
    """Run `tasks` one after another on the same worker, in one shared temporary directory, so that
    a file written by one task can be read by the next. Only runnable tasks may be children.
    `inputFiles` are written into the directory first. `outputFiles`, `namespaceFiles` and
    `cache` are accepted but not supported yet (validation warns): keep files with a child's own
    `outputFiles`."""

    kestra_type = "io.kestra.plugin.core.flow.WorkingDirectory"
    aliases = ("io.kestra.core.tasks.flows.WorkingDirectory",)
    ignored_properties = {
        "outputFiles": "Lanner does not keep a WorkingDirectory's files yet; set `outputFiles` on "
                       "the child task that writes them",
        "namespaceFiles": "Lanner does not copy namespace files into a WorkingDirectory yet; set "
                          "`namespaceFiles` on the child script task",
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
    tasks:
      - id: read
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - cat hello.txt
""",
    )

    tasks: list[Task] = Field(min_length=1, description="Runnable tasks sharing the directory.")
    inputFiles: dict[str, Any] | str | None = Field(
        default=None, description="File name -> content (or kestra:// URI) written before the tasks run.")
    outputFiles: list[str] | None = Field(
        default=None, description="Glob patterns of files to keep (not supported yet: ignored, with a "
                                  "warning).")
    namespaceFiles: NamespaceFiles | None = None
    cache: dict[str, Any] | None = Field(default=None, description="`{patterns, ttl}`: files cached "
                                                                   "between executions.")

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
        return Plan(branches=[Branch(tasks=list(self.tasks))],
                    shared_directory={"inputFiles": dict(files or {})})

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", self.tasks)) + super().child_groups()
