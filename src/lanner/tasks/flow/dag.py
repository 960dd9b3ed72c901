"""``io.kestra.plugin.core.flow.Dag``: run tasks as soon as the tasks they depend on are done."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lanner.plugins.api import Branch, Plan, RenderContext, Task

from ._base import FlowTask, groups


class DagTask(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    task: Task = Field(description="The task.")
    dependsOn: list[str] | None = Field(default=None, description="Ids of tasks of this Dag to wait for.")


class Dag(FlowTask):
    """Run `tasks` as a directed acyclic graph: each one starts when all tasks of its `dependsOn`
    succeeded; independent tasks run in parallel (at most `concurrent` at once; 0 = no limit)."""

    kestra_type = "io.kestra.plugin.core.flow.Dag"
    aliases = ("io.kestra.core.tasks.flows.Dag",)
    examples = (
        """\
id: dag_example
namespace: company.team

tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: extract
          type: io.kestra.plugin.core.log.Log
          message: extract
      - task:
          id: transform
          type: io.kestra.plugin.core.log.Log
          message: transform
        dependsOn: [extract]
      - task:
          id: load
          type: io.kestra.plugin.core.log.Log
          message: load
        dependsOn: [transform]
""",
    )

    tasks: list[DagTask] = Field(min_length=1, description="Tasks with the ids they depend on.")
    concurrent: int = Field(default=0, ge=0, description="Tasks run at once (0 = no limit).")

    @model_validator(mode="after")
    def _graph(self) -> Dag:
        ids = [item.task.id for item in self.tasks]
        problems = []
        unknown = sorted({d for item in self.tasks for d in item.dependsOn or [] if d not in ids})
        if unknown:
            problems.append(f"Some tasks depend on tasks that are not in this Dag: {', '.join(unknown)}")
        cycle = _find_cycle({item.task.id: list(item.dependsOn or []) for item in self.tasks})
        if cycle:
            problems.append(f"Cyclic dependency detected: {', '.join(cycle)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def plan(self, ctx: RenderContext) -> Plan:
        return Plan(
            branches=[Branch(tasks=[item.task]) for item in self.tasks],
            concurrency=self.concurrent,
            depends_on={item.task.id: list(item.dependsOn or []) for item in self.tasks},
        )

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", [item.task for item in self.tasks])) + super().child_groups()


def _find_cycle(edges: dict[str, list[str]]) -> list[str]:
    """The ids of one dependency cycle, in order, or [] when the graph is acyclic."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for dep in edges.get(node, []):
            if state.get(dep) == 1:
                return stack[stack.index(dep):]
            if dep in edges and dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in edges:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []
