"""``io.kestra.plugin.scripts.python.Script`` / ``Commands``."""

from __future__ import annotations

from pydantic import Field

from lanner.plugins.api import Prop

from ._base import PythonMixin, ScriptTask


class Script(ScriptTask, PythonMixin):
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


class Commands(ScriptTask, PythonMixin):
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
