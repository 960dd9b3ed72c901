"""``io.kestra.plugin.scripts.shell.Script`` / ``Commands``."""

from __future__ import annotations

from pydantic import Field

from lanner.plugins.api import Prop

from ._base import ScriptTask


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
