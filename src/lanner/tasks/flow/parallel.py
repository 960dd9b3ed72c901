"""``io.kestra.plugin.core.flow.Parallel``: run tasks at the same time."""

from __future__ import annotations

from pydantic import Field

from lanner.plugins.api import Branch, Plan, RenderContext, Task

from ._base import FlowTask, groups


class Parallel(FlowTask):
    """Run every task of `tasks` at the same time (at most `concurrent` at once; 0 = no limit).

    Wrap tasks that must run in order in a `Sequential`.
    """

    kestra_type = "io.kestra.plugin.core.flow.Parallel"
    aliases = ("io.kestra.core.tasks.flows.Parallel",)
    examples = (
        """\
id: parallel_example
namespace: company.team

tasks:
  - id: together
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: 2
    tasks:
      - id: one
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
      - id: two
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
      - id: three
        type: io.kestra.plugin.core.log.Log
        message: three
""",
    )

    tasks: list[Task] = Field(min_length=1, description="Tasks run in parallel.")
    concurrent: int = Field(default=0, ge=0, description="How many tasks may run at once (0 = no limit).")

    def plan(self, ctx: RenderContext) -> Plan:
        return Plan(branches=[Branch(tasks=[task]) for task in self.tasks], concurrency=self.concurrent)

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", self.tasks)) + super().child_groups()
