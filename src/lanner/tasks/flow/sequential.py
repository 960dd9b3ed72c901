"""``io.kestra.plugin.core.flow.Sequential``: run a group of tasks one after another."""

from __future__ import annotations

from pydantic import Field

from lanner.plugins.api import Branch, Plan, RenderContext, Task

from ._base import FlowTask, groups


class Sequential(FlowTask):
    """Run `tasks` one after another, as a group with its own `errors` and `finally` handlers."""

    kestra_type = "io.kestra.plugin.core.flow.Sequential"
    aliases = ("io.kestra.core.tasks.flows.Sequential",)
    examples = (
        """\
id: sequential_example
namespace: company.team

tasks:
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: first
        type: io.kestra.plugin.core.log.Log
        message: first
      - id: second
        type: io.kestra.plugin.core.log.Log
        message: second
""",
    )

    tasks: list[Task] = Field(min_length=1, description="Tasks run one after another.")

    def plan(self, ctx: RenderContext) -> Plan:
        return Plan(branches=[Branch(tasks=list(self.tasks))])

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", self.tasks)) + super().child_groups()
