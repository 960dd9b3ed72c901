"""``io.kestra.plugin.core.flow.ForEach``: run a group of tasks for each value of a list."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from lanner.plugins.api import Branch, Plan, RenderContext, Task

from ._base import FlowTask, each_values, groups


class ForEach(FlowTask):
    """Run `tasks` once for each distinct value of `values`.

    `values` is a list (its strings are rendered) or a string rendering to a JSON list. Duplicates
    are removed; non-string values are passed as JSON text. Inside the children the current value
    is `{{ taskrun.value }}`; their outputs are `outputs.<taskId>[<value>]`. `concurrencyLimit`
    bounds how many values run at once: 1 (default) one after another, 0 no limit.
    """

    kestra_type = "io.kestra.plugin.core.flow.ForEach"
    examples = (
        """\
id: foreach_example
namespace: company.team

tasks:
  - id: each_month
    type: io.kestra.plugin.core.flow.ForEach
    values: ["01", "02", "03"]
    concurrencyLimit: 0
    tasks:
      - id: log_month
        type: io.kestra.plugin.core.log.Log
        message: "Month {{ taskrun.value }}"
""",
    )

    values: str | list[Any] = Field(description="A list, or an expression rendering to a JSON list.")
    concurrencyLimit: int = Field(default=1, ge=0, description="Values run at once (1 = in order, 0 = all).")
    tasks: list[Task] = Field(min_length=1, description="Tasks run for each value.")

    def plan(self, ctx: RenderContext) -> Plan:
        values = each_values(ctx, self.values)
        branches = [Branch(tasks=list(self.tasks), value=value) for value in values]
        return Plan(branches=branches, concurrency=self.concurrencyLimit)

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", self.tasks)) + super().child_groups()
