"""The run variables of Kestra expressions (kestra-reference §5.2, ``RunVariables``).

``build_variables`` is called for every task the engine dispatches, so it is linear in the
number of task runs with a small constant; ``outputs_of`` is exposed on its own so that callers
can cache the merged outputs of an execution between task runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lanner.model.execution import Execution, TaskRun


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _merge(left: Any, right: Any) -> Any:
    """Kestra's ``MapUtils.merge``: maps merge recursively (new dicts), other values: right wins."""
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        merged = dict(left)
        for key, value in right.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return merged
    return right


def _valued_ancestors(execution: Execution) -> dict[str, tuple[str, ...]]:
    """For each task run: the values of its ancestors that have one, outermost first."""
    by_id = {run.id: run for run in execution.task_runs}
    chains: dict[str, tuple[str, ...]] = {}

    def chain(run: TaskRun) -> tuple[str, ...]:
        known = chains.get(run.id)
        if known is not None:
            return known
        parent = by_id.get(run.parent_task_run_id) if run.parent_task_run_id else None
        if parent is None:
            result: tuple[str, ...] = ()
        else:
            result = chain(parent) + ((parent.value,) if parent.value is not None else ())
        chains[run.id] = result
        return result

    for run in execution.task_runs:
        chain(run)
    return chains


def outputs_of(execution: Execution) -> dict[str, Any]:
    """``outputs.<taskId>.<attr>``; runs with a value (ForEach iterations) nest one level per
    valued ancestor, then their own value: ``outputs.<taskId>[<outer>][<value>].<attr>``."""
    result: dict[str, Any] = {}
    chains: dict[str, tuple[str, ...]] | None = None
    for run in execution.task_runs:
        if run.outputs is None:
            continue
        if run.value is None and run.parent_task_run_id is None:
            existing = result.get(run.task_id)
            result[run.task_id] = run.outputs if existing is None else _merge(existing, run.outputs)
            continue
        if chains is None:
            chains = _valued_ancestors(execution)
        path = chains[run.id] + ((run.value,) if run.value is not None else ())
        nested: Any = run.outputs
        for value in reversed(path):
            nested = {value: nested}
        existing = result.get(run.task_id)
        result[run.task_id] = nested if existing is None else _merge(existing, nested)
    return result


def tasks_of(execution: Execution) -> dict[str, Any]:
    """``tasks.<taskId>.state`` or, for runs with a value, ``tasks.<taskId>[<value>].state``."""
    tasks: dict[str, Any] = {}
    for run in execution.task_runs:
        state = {"state": run.state.current.value}
        if run.value is None:
            tasks[run.task_id] = state
        else:
            entry = tasks.get(run.task_id)
            if not isinstance(entry, dict) or "state" in entry:
                entry = tasks[run.task_id] = {}
            entry[run.value] = state
    return tasks


class _LazyTasks(Mapping[str, Any]):
    """``tasks`` is rarely used but costs a pass over every task run: built on first access,
    which keeps dispatching a ForEach child O(1) instead of O(task runs)."""

    def __init__(self, execution: Execution) -> None:
        self._execution = execution
        self._data: dict[str, Any] | None = None

    def _get(self) -> dict[str, Any]:
        if self._data is None:
            self._data = tasks_of(self._execution)
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def inputs_of(flow: Any, execution: Execution) -> dict[str, Any] | None:
    """Execution inputs plus the defaults of declared inputs that were not given."""
    declared: Iterable[Any] = _attr(flow, "inputs", None) or ()
    inputs = dict(execution.inputs)
    has_declared = False
    for item in declared:
        has_declared = True
        input_id = _attr(item, "id")
        defaults = _attr(item, "defaults")
        if input_id is not None and input_id not in inputs and defaults is not None:
            inputs[input_id] = defaults
    if not inputs and not has_declared:
        return None  # no inputs at all: ``{{ inputs.x }}`` fails strictly, as in Kestra
    return inputs


def _parents(execution: Execution, task_run: TaskRun) -> list[dict[str, Any]]:
    """Closest parent first: ``{taskrun: {value}, outputs}`` (each key only when set)."""
    by_id = {run.id: run for run in execution.task_runs}
    parents: list[dict[str, Any]] = []
    parent_id = task_run.parent_task_run_id
    seen: set[str] = set()
    while parent_id and parent_id in by_id and parent_id not in seen:
        seen.add(parent_id)
        parent = by_id[parent_id]
        entry: dict[str, Any] = {}
        if parent.value is not None:
            entry["taskrun"] = {"value": parent.value}
        if parent.outputs is not None:
            entry["outputs"] = parent.outputs
        parents.append(entry)
        parent_id = parent.parent_task_run_id
    return parents


def _task_run_map(task_run: TaskRun) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": task_run.id,
        "startDate": task_run.state.start_date,
        "attemptsCount": len(task_run.attempts),
    }
    if task_run.parent_task_run_id is not None:
        data["parentId"] = task_run.parent_task_run_id
    if task_run.value is not None:
        data["value"] = task_run.value
    if task_run.iteration is not None:
        data["iteration"] = task_run.iteration
    return data


def build_variables(
    flow: Any,
    execution: Execution,
    task_run: TaskRun | None = None,
    task: Any = None,
    *,
    envs: Mapping[str, Any] | None = None,
    globals_: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    outputs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Kestra's run variables. ``outputs`` may be passed when the caller caches ``outputs_of``."""
    variables: dict[str, Any] = dict(execution.variables)  # e.g. ``schedule`` from a Schedule
    variables["flow"] = {
        "id": _attr(flow, "id", execution.flow_id),
        "namespace": _attr(flow, "namespace", execution.namespace),
        "revision": _attr(flow, "revision", execution.flow_revision),
    }
    variables["execution"] = {
        "id": execution.id,
        "startDate": execution.state.start_date,
        "originalId": execution.original_id or execution.id,
        "state": execution.state.current.value,
    }
    if task is not None:
        variables["task"] = {"id": _attr(task, "id"), "type": _attr(task, "type")}
    elif task_run is not None:
        variables["task"] = {"id": task_run.task_id}
    if task_run is not None:
        variables["taskrun"] = _task_run_map(task_run)
        if task_run.parent_task_run_id is not None:
            parents = _parents(execution, task_run)
            if parents:
                variables["parents"] = parents
                variables["parent"] = parents[0]
    inputs = inputs_of(flow, execution)
    if inputs is not None:
        variables["inputs"] = inputs
    variables["outputs"] = outputs_of(execution) if outputs is None else outputs
    variables["tasks"] = _LazyTasks(execution)
    variables["vars"] = _attr(flow, "variables", None) or {}
    variables["labels"] = execution.labels_map
    if execution.trigger is not None:
        variables["trigger"] = dict(execution.trigger.variables)
    variables["envs"] = dict(envs or {})
    variables["globals"] = dict(globals_ or {})
    if extra:
        variables.update(extra)
    return variables
