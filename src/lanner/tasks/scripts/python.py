"""``io.kestra.plugin.scripts.python.Script`` / ``Commands``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext

from ._base import PythonScriptTask, python_command, write_script_file
from .commands import Prepared
from .workdir import render_list


class Script(PythonScriptTask):
    """Run an inline Python script. Outputs: `vars` (sent with `Kestra.outputs({...})`), `exitCode`,
    `outputFiles` (URIs of the files matching `outputFiles`)."""

    kestra_type = "io.kestra.plugin.scripts.python.Script"
    examples = (
        """\
id: python_script
namespace: company.team

tasks:
  - id: hello
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    script: |
      print("Hello from Python")
""",
    )

    script: str = Field(description="The Python code (rendered).")

    def main_commands(self, ctx: RunContext, extra: Mapping[str, Any], workdir: Path,
                      prepared: Prepared) -> list[str]:
        path = write_script_file(ctx, self.script, extra, workdir, ".py")
        return [f"{python_command(prepared)} {path}"]


class Commands(PythonScriptTask):
    """Run shell commands in a Python environment (e.g. `python main.py`)."""

    kestra_type = "io.kestra.plugin.scripts.python.Commands"
    examples = (
        """\
id: python_commands
namespace: company.team

tasks:
  - id: run
    type: io.kestra.plugin.scripts.python.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    inputFiles:
      main.py: print("hello")
    commands:
      - python main.py
""",
    )

    commands: Prop[list[str]] = Field(description="Commands run one after another (rendered).")

    def main_commands(self, ctx: RunContext, extra: Mapping[str, Any], workdir: Path,
                      prepared: Prepared) -> list[str]:
        return render_list(ctx, self.commands, "commands", extra)
