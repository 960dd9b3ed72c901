"""``io.kestra.plugin.scripts.node.Script`` / ``Commands``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext

from ._base import ScriptTask, write_script_file
from .commands import Prepared
from .workdir import render_list


class _NodeTask(ScriptTask):
    default_image = "node"


class Script(_NodeTask):
    """Run an inline Node.js script."""

    kestra_type = "io.kestra.plugin.scripts.node.Script"
    examples = (
        """\
id: node_script
namespace: company.team

tasks:
  - id: hello
    type: io.kestra.plugin.scripts.node.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    script: |
      console.log("Hello from Node");
""",
    )

    script: str = Field(description="The JavaScript code (rendered).")

    def main_commands(self, ctx: RunContext, extra: Mapping[str, Any], workdir: Path,
                      prepared: Prepared) -> list[str]:
        path = write_script_file(ctx, self.script, extra, workdir, ".js")
        return [f"node {path}"]


class Commands(_NodeTask):
    """Run commands in a Node.js environment (e.g. `node main.js`)."""

    kestra_type = "io.kestra.plugin.scripts.node.Commands"
    examples = (
        """\
id: node_commands
namespace: company.team

tasks:
  - id: run
    type: io.kestra.plugin.scripts.node.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    inputFiles:
      main.js: console.log("hello");
    commands:
      - node main.js
""",
    )

    commands: Prop[list[str]] = Field(description="Commands run one after another (rendered).")

    def main_commands(self, ctx: RunContext, extra: Mapping[str, Any], workdir: Path,
                      prepared: Prepared) -> list[str]:
        return render_list(ctx, self.commands, "commands", extra)
