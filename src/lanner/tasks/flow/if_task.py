"""``io.kestra.plugin.core.flow.If``: run ``then`` or ``else`` depending on a condition."""

from __future__ import annotations

from pydantic import Field

from lanner.plugins.api import Branch, Plan, RenderContext, Task

from ._base import FlowTask, groups


class If(FlowTask):
    """Evaluate `condition` once and run the `then` tasks when it is true, else the `else` tasks.

    The condition is rendered and tested with Kestra's truthiness: it is false when it renders to
    an empty string, `false`, `0` or `-0` (or nothing). With a false condition and no `else`, the
    task succeeds without children. The result is kept as the output `evaluationResult`.
    """

    kestra_type = "io.kestra.plugin.core.flow.If"
    aliases = ("io.kestra.core.tasks.flows.If",)
    examples = (
        """\
id: if_example
namespace: company.team

inputs:
  - id: taxi
    type: SELECT
    values: [yellow, green]
    defaults: yellow

tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.taxi == 'yellow' }}"
    then:
      - id: when_yellow
        type: io.kestra.plugin.core.log.Log
        message: A yellow taxi
    else:
      - id: when_green
        type: io.kestra.plugin.core.log.Log
        message: A green taxi
""",
    )

    condition: str | bool = Field(description="Expression rendered once; its truthiness picks the branch.")
    then: list[Task] = Field(min_length=1, description="Tasks run when the condition is true.")
    else_: list[Task] | None = Field(default=None, alias="else",
                                     description="Tasks run when the condition is false.")

    def plan(self, ctx: RenderContext) -> Plan:
        result = ctx.render_bool(self.condition)
        chosen = self.then if result else self.else_
        branches = [Branch(tasks=list(chosen))] if chosen else []
        return Plan(branches=branches, outputs={"evaluationResult": result})

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("then", self.then), ("else", self.else_)) + super().child_groups()
