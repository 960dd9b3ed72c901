"""Deprecated ``EachSequential`` / ``EachParallel``: loops replaced by ``ForEach``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from lanner.plugins.api import Branch, Plan, RenderContext, Task

from ._base import FlowTask, each_values, groups


class EachSequential(FlowTask):
    """Deprecated: use `io.kestra.plugin.core.flow.ForEach`. Run `tasks` for each value of `value`,
    one value after another."""

    kestra_type = "io.kestra.plugin.core.flow.EachSequential"
    aliases = ("io.kestra.core.tasks.flows.EachSequential",)
    examples = (
        """\
id: each_sequential_example
namespace: company.team

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachSequential
    value: ["a", "b"]
    tasks:
      - id: show
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
""",
    )

    value: str | list[Any] = Field(description="A list, or an expression rendering to a JSON list.")
    tasks: list[Task] = Field(min_length=1)

    def plan(self, ctx: RenderContext) -> Plan:
        values = each_values(ctx, self.value, "value")
        return Plan(branches=[Branch(tasks=list(self.tasks), value=v) for v in values], concurrency=1)

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", self.tasks)) + super().child_groups()


class EachParallel(FlowTask):
    """Deprecated: use `io.kestra.plugin.core.flow.ForEach` with `concurrencyLimit: 0`. Run every
    task for every value of `value` at the same time (at most `concurrent` at once; 0 = no limit)."""

    kestra_type = "io.kestra.plugin.core.flow.EachParallel"
    aliases = ("io.kestra.core.tasks.flows.EachParallel",)
    examples = (
        """\
id: each_parallel_example
namespace: company.team

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachParallel
    value: '["a", "b"]'
    tasks:
      - id: show
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
""",
    )

    value: str | list[Any] = Field(description="A list, or an expression rendering to a JSON list.")
    concurrent: int = Field(default=0, ge=0)
    tasks: list[Task] = Field(min_length=1)

    def plan(self, ctx: RenderContext) -> Plan:
        values = each_values(ctx, self.value, "value")
        # Kestra runs each (value, task) pair in parallel: one branch per pair.
        branches = [Branch(tasks=[task], value=v) for v in values for task in self.tasks]
        return Plan(branches=branches, concurrency=self.concurrent)

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", self.tasks)) + super().child_groups()
