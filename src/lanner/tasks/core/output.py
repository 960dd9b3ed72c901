"""``io.kestra.plugin.core.output.OutputValues``: expose rendered values as outputs."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from lanner.plugins.api import RunContext, RunnableTask


class OutputValues(RunnableTask):
    """Render values (strings, numbers, lists, maps) and expose them as the output ``values``.

    Strings are rendered, recursively inside lists and maps; other values are kept as is.
    Read them later with ``{{ outputs.<id>.values.<key> }}``.
    """

    runs_inline = True
    kestra_type = "io.kestra.plugin.core.output.OutputValues"
    aliases = ("io.kestra.core.tasks.outputs.OutputValues",)
    examples = (
        """\
id: outputs_example
namespace: company.team

tasks:
  - id: output_values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      taskrun_data: "{{ task.id }} > {{ taskrun.startDate }}"
      number_value: 42
      array_value: [first, second]

  - id: log_values
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.output_values.values.taskrun_data }}"
""",
    )

    values: dict[str, Any] | None = Field(default=None, description="The values to output. Rendered.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        return {"values": ctx.render(self.values or {})}
