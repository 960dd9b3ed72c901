"""Which task runs to create next in one scope, and when the scope is over (§2.5, §2.7, §2.8).

A *scope* is a list of child branches plus ``errors`` and ``finally``: the flow itself (one
branch: ``tasks``), or a running flowable task run (the branches of its plan). The same
algorithm serves both:

- Kestra's ``findTaskDependingFlowState`` picks the current list: ``finally`` once started;
  ``errors`` after a definitive failure (then ``finally``); otherwise the tasks.
- ``errors``/``finally`` run sequentially. The tasks run branch by branch: sequentially inside a
  branch, at most ``concurrency`` branches at once (0 = no limit), Dag branches once their
  dependencies have terminated.
- After a failure no new task of the list is created. The scope ends when the current list has
  terminated and nothing else in the scope still runs (Kestra ends a Parallel as soon as its
  ``errors`` are done, leaving siblings running; Lanner waits for them so that an execution
  never ends with task runs still running).

The final state comes from the task runs of the tasks list only (``guessFinalState``).

Cost: a ForEach over n values is re-evaluated on every event, so the tally of its leading
*terminated* children (which never change, short of a restart that replaces them) is memoized
per scope; an evaluation only looks at the children after that prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lanner.engine.flowindex import Layout
from lanner.engine.memo import Lru
from lanner.engine.work import Work
from lanner.model.execution import TaskRun
from lanner.model.state import RUNNING_GROUP, TERMINATED, State, fail_state, final_state_of
from lanner.plugins.api import Task


@dataclass(slots=True)
class Scope:
    parent: TaskRun | None
    layout: Layout
    errors: tuple[Task, ...]
    finally_: tuple[Task, ...]
    allow_failure: bool = False
    allow_warning: bool = False


@dataclass(slots=True)
class Evaluation:
    create: list[tuple[Task, str | None]] = field(default_factory=list)
    done: bool = False
    final: State | None = None
    running_flowables: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Tally:
    """What the children of a scope say, accumulated run by run."""

    started: list[bool]
    highest: list[int]
    terminated_in: list[int]
    unfinished: dict[int, None]  # started branches not yet complete, in start order
    started_count: int = 0
    max_started: int = -1
    terminated_total: int = 0
    failed: bool = False
    seen_states: set[State] = field(default_factory=set)
    terminated_ids: set[str] | None = None
    error_runs: dict[str, TaskRun] = field(default_factory=dict)
    finally_runs: dict[str, TaskRun] = field(default_factory=dict)
    # Only from runs still open (never part of a memoized prefix):
    open_branch: set[int] = field(default_factory=set)
    any_open: bool = False

    @staticmethod
    def empty(layout: Layout) -> _Tally:
        count = len(layout.branches)
        return _Tally([False] * count, [-1] * count, [0] * count, {},
                      terminated_ids=set() if layout.depends_on is not None else None)

    def copy(self) -> _Tally:
        return _Tally(
            list(self.started), list(self.highest), list(self.terminated_in), dict(self.unfinished),
            self.started_count, self.max_started, self.terminated_total, self.failed,
            set(self.seen_states),
            set(self.terminated_ids) if self.terminated_ids is not None else None,
            dict(self.error_runs), dict(self.finally_runs),
        )

    def add(self, run: TaskRun, scope: Scope, layout: Layout, done: bool) -> None:
        hit = layout.positions.get((run.task_id, run.value))
        if hit is None:
            if run.value is None:
                if any(t.id == run.task_id for t in scope.errors):
                    self.error_runs[run.task_id] = run
                elif any(t.id == run.task_id for t in scope.finally_):
                    self.finally_runs[run.task_id] = run
            return
        branch, position = hit
        if not self.started[branch]:
            self.started[branch] = True
            self.started_count += 1
            self.max_started = max(self.max_started, branch)
            self.unfinished[branch] = None
        if position > self.highest[branch]:
            self.highest[branch] = position
        if not done:
            self.open_branch.add(branch)
            return
        self.terminated_in[branch] += 1
        if self.terminated_in[branch] >= layout.lengths[branch]:
            self.unfinished.pop(branch, None)
        self.terminated_total += 1
        self.seen_states.add(run.state.current)
        if run.state.current is State.FAILED:
            self.failed = True
        if self.terminated_ids is not None:
            self.terminated_ids.add(run.task_id)


@dataclass(slots=True)
class _Prefix:
    layout: Layout
    runs: list[TaskRun]
    tally: _Tally


_PREFIXES: Lru[tuple[str, str | None], _Prefix] = Lru(1024)


def _tally(work: Work, scope: Scope, result: Evaluation) -> _Tally:
    layout = scope.layout
    parent_id = scope.parent.id if scope.parent is not None else None
    children = work.children(parent_id)
    runs = work.runs
    key = (work.header.id, parent_id)
    memo = _PREFIXES.get(key)
    begin = 0
    tally: _Tally
    if (memo is not None and memo.layout is layout and len(memo.runs) <= len(children)
            and [runs[i] for i in children[:len(memo.runs)]] == memo.runs):
        begin = len(memo.runs)
        tally = memo.tally.copy()
    else:
        memo = None
        tally = _Tally.empty(layout)
    prefix_end = len(children)
    flowable_ids = work.index.flowable_ids
    for position in range(begin, len(children)):
        run = runs[children[position]]
        current = run.state.current
        done = current in TERMINATED
        if not done:
            if prefix_end == len(children):
                prefix_end = position
                if position > begin:
                    _remember(key, layout, memo, children, runs, begin, position, tally)
            tally.any_open = True
            if current in RUNNING_GROUP and run.task_id in flowable_ids:
                result.running_flowables.append(run.id)
        tally.add(run, scope, layout, done)
    if prefix_end == len(children) and prefix_end > begin:
        _remember(key, layout, memo, children, runs, begin, prefix_end, tally)
    return tally


def _remember(key: tuple[str, str | None], layout: Layout, memo: _Prefix | None, children: list[str],
              runs: dict[str, TaskRun], begin: int, end: int, tally: _Tally) -> None:
    """Memoize the tally of the terminated prefix ``children[:end]``."""
    kept = (memo.runs if memo is not None else []) + [runs[i] for i in children[begin:end]]
    _PREFIXES.put(key, _Prefix(layout, kept, tally.copy()))


def _sequential_next(tasks: Sequence[Task], runs: dict[str, TaskRun]) -> tuple[Task | None, bool]:
    """Kestra's ``innerResolveSequentialNexts``: (task to create, list over?)."""
    last = -1
    for position, task in enumerate(tasks):
        run = runs.get(task.id)
        if run is None:
            continue
        if run.state.current not in TERMINATED:
            return None, False
        last = position
    if last + 1 < len(tasks):
        return tasks[last + 1], False
    return None, True


def evaluate(work: Work, scope: Scope) -> Evaluation:
    result = Evaluation()
    tally = _tally(work, scope, result)
    layout = scope.layout

    def final() -> State:
        state = final_state_of(list(tally.seen_states))
        if state is State.FAILED:
            return fail_state(scope.allow_failure, scope.allow_warning)
        if state is State.WARNING and scope.allow_warning:
            return State.SUCCESS
        return state

    def follow(tasks: Sequence[Task], existing: dict[str, TaskRun]) -> Evaluation:
        task, over = _sequential_next(tasks, existing)
        if task is not None:
            result.create.append((task, None))
        elif over and not tally.any_open:
            result.done = True
            result.final = final()
        return result

    # findTaskDependingFlowState
    if tally.finally_runs:
        return follow(scope.finally_, tally.finally_runs)
    if tally.error_runs or tally.failed:
        errors_over = _sequential_next(scope.errors, tally.error_runs)[1] if scope.errors else True
        if not scope.finally_ or not errors_over:
            return follow(scope.errors, tally.error_runs)
        return follow(scope.finally_, tally.finally_runs)
    if tally.terminated_total == layout.total:
        if scope.finally_:
            return follow(scope.finally_, tally.finally_runs)
        if not tally.any_open:
            result.done = True
            result.final = final()
        return result

    # The tasks: continue started branches, then open new ones within the concurrency limit.
    branches = layout.branches
    count = len(branches)
    active = 0
    for branch in tally.unfinished:
        active += 1
        if branch not in tally.open_branch:
            following = tally.highest[branch] + 1
            if following < layout.lengths[branch]:
                tasks, value = branches[branch]
                result.create.append((tasks[following], value))
    slots = count if layout.concurrency == 0 else layout.concurrency - active
    if slots > 0 and tally.started_count < count:
        # Branches usually start in order: skip the started prefix without scanning it.
        begin = tally.started_count if tally.max_started == tally.started_count - 1 else 0
        depends_on = layout.depends_on
        done_ids = tally.terminated_ids
        for branch in range(begin, count):
            if tally.started[branch]:
                continue
            tasks, value = branches[branch]
            waits_for = depends_on.get(tasks[0].id, ()) if depends_on is not None else ()
            if done_ids is not None and any(dep not in done_ids for dep in waits_for):
                continue
            result.create.append((tasks[0], value))
            slots -= 1
            if slots <= 0:
                break
    return result
