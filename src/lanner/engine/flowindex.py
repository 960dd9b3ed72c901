"""A flow's tasks, indexed once per flow object: lookups by id, static ancestry (for retry
policies), and the resolved lists of every scope (disabled tasks already removed).

Task ids are unique within a flow (validated by the loader), so a task run's ``task_id`` is
enough to find its task anywhere in the tree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lanner.engine.memo import Lru
from lanner.errors import FrameworkError
from lanner.model.flow import Flow
from lanner.plugins.api import FlowableTask, Task, task_children


def enabled(tasks: Sequence[Any] | None) -> tuple[Task, ...]:
    """Kestra removes disabled tasks from every resolution."""
    return tuple(t for t in tasks or () if not getattr(t, "disabled", False))


@dataclass(frozen=True, slots=True)
class Layout:
    """The child branches of one scope: ``positions[(task_id, value)] = (branch, index)``."""

    branches: tuple[tuple[tuple[Task, ...], str | None], ...]
    positions: Mapping[tuple[str, str | None], tuple[int, int]]
    lengths: tuple[int, ...]
    total: int
    concurrency: int
    depends_on: Mapping[str, tuple[str, ...]] | None = None

    @staticmethod
    def build(
        branches: Sequence[tuple[Sequence[Task], str | None]],
        concurrency: int,
        depends_on: Mapping[str, Sequence[str]] | None = None,
    ) -> Layout:
        # Disabled tasks are removed; a branch left empty has nothing to run.
        frozen = tuple((kept, value) for tasks, value in branches if (kept := enabled(tasks)))
        positions: dict[tuple[str, str | None], tuple[int, int]] = {}
        for b_index, (tasks, value) in enumerate(frozen):
            for t_index, task in enumerate(tasks):
                positions[(task.id, value)] = (b_index, t_index)
        lengths = tuple(len(tasks) for tasks, _ in frozen)
        deps = None
        if depends_on is not None:
            known = {task.id for tasks, _ in frozen for task in tasks}
            # A dependency on a disabled (or unknown) task is treated as satisfied.
            deps = {key: tuple(d for d in value if d in known) for key, value in depends_on.items()}
        return Layout(frozen, positions, lengths, sum(lengths), max(0, concurrency), deps)


@dataclass(slots=True)
class FlowIndex:
    flow: Flow
    tasks: dict[str, Task] = field(default_factory=dict)
    owner: dict[str, str | None] = field(default_factory=dict)  # task id -> flowable id
    flowable_ids: set[str] = field(default_factory=set)
    top: Layout | None = None
    errors: tuple[Task, ...] = ()
    finally_: tuple[Task, ...] = ()
    after_execution: tuple[Task, ...] = ()
    after: Layout | None = None
    _scope_lists: dict[str, tuple[tuple[Task, ...], tuple[Task, ...]]] = field(default_factory=dict)

    @staticmethod
    def of(flow: Flow) -> FlowIndex:
        index = FlowIndex(flow)
        for group in (flow.tasks, flow.errors, flow.finally_, flow.after_execution):
            index._register(group, None)
        index.top = Layout.build([(flow.tasks, None)], 1)
        index.errors = enabled(flow.errors)
        index.finally_ = enabled(flow.finally_)
        index.after_execution = enabled(flow.after_execution)
        index.after = Layout.build([(flow.after_execution, None)], 1)
        return index

    def _register(self, tasks: Sequence[Any], owner: str | None) -> None:
        for task in tasks or ():
            self.tasks[task.id] = task
            self.owner[task.id] = owner
            if isinstance(task, FlowableTask):
                self.flowable_ids.add(task.id)
            self._register(task_children(task), task.id)

    def task(self, task_id: str) -> Task:
        try:
            return self.tasks[task_id]
        except KeyError:
            raise FrameworkError(
                f"task '{task_id}' is not in flow {self.flow.namespace}.{self.flow.id} "
                f"(revision {self.flow.revision})"
            ) from None

    def ancestors(self, task_id: str) -> Iterator[Task]:
        """Enclosing flowable tasks, nearest first."""
        current = self.owner.get(task_id)
        while current is not None:
            yield self.tasks[current]
            current = self.owner.get(current)

    def scope_lists(self, flowable_id: str) -> tuple[tuple[Task, ...], tuple[Task, ...]]:
        """(errors, finally) of a flowable, disabled tasks removed."""
        cached = self._scope_lists.get(flowable_id)
        if cached is None:
            task = self.task(flowable_id)
            assert isinstance(task, FlowableTask)
            cached = (enabled(task.errors), enabled(task.finally_))
            self._scope_lists[flowable_id] = cached
        return cached


_INDEXES: Lru[int, FlowIndex] = Lru(64)
_LAYOUTS: Lru[int, tuple[Mapping[str, Any], FlowIndex, Layout]] = Lru(1024)


def index_of(flow: Flow) -> FlowIndex:
    """Indexes are memoized per flow object (flows are immutable once parsed)."""
    found = _INDEXES.get(id(flow))
    if found is not None and found.flow is flow:
        return found
    index = FlowIndex.of(flow)
    _INDEXES.put(id(flow), index)
    return index


def plan_layout(index: FlowIndex, plan: Mapping[str, Any]) -> Layout:
    """The layout of a flowable's stored plan (JSON), memoized per plan object."""
    found = _LAYOUTS.get(id(plan))
    if found is not None and found[0] is plan and found[1] is index:
        return found[2]
    branches = [
        ([index.task(task_id) for task_id in branch["tasks"]], branch.get("value"))
        for branch in plan.get("branches") or ()
    ]
    layout = Layout.build(branches, int(plan.get("concurrency", 1)), plan.get("dependsOn"))
    _LAYOUTS.put(id(plan), (plan, index, layout))
    return layout
