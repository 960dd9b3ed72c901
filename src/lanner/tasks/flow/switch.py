"""``io.kestra.plugin.core.flow.Switch``: run the tasks of the case matching a value."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from lanner.plugins.api import Branch, Plan, RenderContext, Task

from ._base import FlowTask, groups


class Switch(FlowTask):
    """Render `value` and run the tasks of the case whose key equals it exactly, else `defaults`.

    Outputs: `value` (the rendered value) and `defaults` (true when no case matched). With no
    matching case and no `defaults`, the task succeeds without children.
    """

    kestra_type = "io.kestra.plugin.core.flow.Switch"
    aliases = ("io.kestra.core.tasks.flows.Switch",)
    examples = (
        """\
id: switch_example
namespace: company.team

inputs:
  - id: size
    type: SELECT
    values: [small, large]
    defaults: small

tasks:
  - id: by_size
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.size }}"
    cases:
      small:
        - id: small_job
          type: io.kestra.plugin.core.log.Log
          message: A small job
      large:
        - id: large_job
          type: io.kestra.plugin.core.log.Log
          message: A large job
    defaults:
      - id: unknown_size
        type: io.kestra.plugin.core.log.Log
        message: Unknown size
""",
    )

    value: str = Field(description="Expression whose rendered text selects the case.")
    cases: dict[str, list[Task]] | None = Field(default=None, description="Case key -> tasks to run.")
    defaults: list[Task] | None = Field(default=None, description="Tasks run when no case matches.")

    @model_validator(mode="after")
    def _some_task(self) -> Switch:
        if not any(self.cases.values() if self.cases else ()) and not self.defaults:
            raise ValueError("a Switch needs at least one task in `cases` or `defaults`")
        return self

    def plan(self, ctx: RenderContext) -> Plan:
        rendered: Any = ctx.render(self.value)
        text = rendered if isinstance(rendered, str) else str(rendered)
        chosen = (self.cases or {}).get(text)
        outputs = {"value": text, "defaults": chosen is None}
        if chosen is None:
            chosen = self.defaults or []
        return Plan(branches=[Branch(tasks=list(chosen))] if chosen else [], outputs=outputs)

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        pairs = [(f"cases.{key}", tasks) for key, tasks in (self.cases or {}).items()]
        return groups(*pairs, ("defaults", self.defaults)) + super().child_groups()
