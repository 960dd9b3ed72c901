"""``io.kestra.plugin.scripts.node.Script`` / ``Commands``."""

from __future__ import annotations

from pydantic import Field

from lanner.plugins.api import Prop

from ._base import ScriptTask


class Script(ScriptTask):
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


class Commands(ScriptTask):
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
