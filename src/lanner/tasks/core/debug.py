"""``io.kestra.plugin.core.debug.Return``: render a value and expose it as an output."""

from __future__ import annotations

import time
from typing import Any

from pydantic import Field

from lanner.plugins.api import Prop, RunContext, RunnableTask

from ._support import render_text


class Return(RunnableTask):
    """Render a template and return it as the output ``value``.

    Useful to debug expressions or to compute a value once for later tasks
    (``{{ outputs.<id>.value }}``). The value is logged at DEBUG level; metrics ``length``
    (characters) and ``duration`` (seconds spent rendering) are recorded.
    """

    runs_inline = True
    kestra_type = "io.kestra.plugin.core.debug.Return"
    aliases = ("io.kestra.core.tasks.debugs.Return",)
    examples = (
        """\
id: return_example
namespace: company.team

tasks:
  - id: compute
    type: io.kestra.plugin.core.debug.Return
    format: "{{ flow.id }} started at {{ execution.startDate }}"

  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.compute.value }}"
""",
    )

    format: Prop[str] | None = Field(default=None, description="The template to render. Rendered.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        started = time.perf_counter()
        value = render_text(ctx, self.format)
        ctx.logger.debug(value if value is not None else "null")
        ctx.metric("length", len(value or ""), "counter")
        ctx.metric("duration", time.perf_counter() - started, "timer")
        return {"value": value}
