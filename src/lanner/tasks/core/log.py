"""``io.kestra.plugin.core.log.Log``: write messages to the execution's logs."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from lanner.plugins.api import LogLevel, Prop, RunContext, RunnableTask, TaskFailure, is_expression

from ._support import render_text

_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


class Log(RunnableTask):
    """Log a message, or one line per message of a list, at the chosen level.

    Each message is rendered with the run's variables before being logged. The task has no
    outputs.
    """

    runs_inline = True
    kestra_type = "io.kestra.plugin.core.log.Log"
    aliases = ("io.kestra.core.tasks.log.Log",)
    examples = (
        """\
id: log_example
namespace: company.team

inputs:
  - id: name
    type: STRING
    defaults: World

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello, {{ inputs.name }}!"
""",
        """\
id: log_lines
namespace: company.team

tasks:
  - id: several_lines
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message:
      - "First line, execution {{ execution.id }}"
      - Second line
""",
    )

    message: str | list[Any] = Field(
        description="The message to log, or a list of messages (each logged as its own line). Rendered."
    )
    level: Prop[LogLevel] = Field(
        default="INFO", description="The log level: TRACE, DEBUG, INFO, WARN or ERROR."
    )

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        # Prop[...] lets any string through; only an expression may stand for a level.
        if not is_expression(value) and value.upper() not in (*_LEVELS, "WARNING"):
            raise ValueError(f"unknown log level '{value}': expected one of {', '.join(_LEVELS)}")
        return value

    def run(self, ctx: RunContext) -> None:
        level = str(ctx.render(self.level)).upper()
        if level == "WARNING":
            level = "WARN"
        if level not in _LEVELS:
            raise TaskFailure(f"Invalid log level '{level}': expected one of {', '.join(_LEVELS)}")
        messages = self.message if isinstance(self.message, list) else [self.message]
        for message in messages:
            ctx.logger.log(level, render_text(ctx, message) or "")
