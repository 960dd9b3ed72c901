"""``io.kestra.plugin.scripts.shell.Script`` / ``Commands``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext
from lanner.tasks.core._support import to_text

from ._base import ScriptTask
from .commands import Prepared
from .workdir import render_list


class Script(ScriptTask):
    """Run an inline shell script."""

    kestra_type = "io.kestra.plugin.scripts.shell.Script"
    examples = (
        """\
id: shell_script
namespace: company.team

tasks:
  - id: hello
    type: io.kestra.plugin.scripts.shell.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    script: |
      echo "Hello from $SHELL"
""",
    )

    script: str = Field(description="The shell script (rendered).")

    def main_commands(self, ctx: RunContext, extra: Mapping[str, Any], workdir: Path,
                      prepared: Prepared) -> list[str]:
        # Kestra's ScriptService.scriptCommands: the script runs in the same shell as beforeCommands.
        return [to_text(ctx.render(self.script, extra))]


class Commands(ScriptTask):
    """Run shell commands one after another in the task's working directory. Outputs: `vars`,
    `exitCode`, `outputFiles`."""

    kestra_type = "io.kestra.plugin.scripts.shell.Commands"
    examples = (
        """\
id: shell_commands
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    outputFiles:
      - "*.txt"
    commands:
      - echo "hello" > hello.txt
""",
    )

    commands: Prop[list[str]] = Field(description="Commands run one after another (rendered).")

    def main_commands(self, ctx: RunContext, extra: Mapping[str, Any], workdir: Path,
                      prepared: Prepared) -> list[str]:
        return render_list(ctx, self.commands, "commands", extra)
