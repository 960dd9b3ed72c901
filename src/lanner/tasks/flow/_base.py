"""Shared pieces of the flowable task types."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ConfigDict, Field

from lanner.plugins.api import FlowableTask, RenderContext, Task, TaskFailure


class FlowTask(FlowableTask):
    """A flowable whose ``errors``/``finally`` are typed task lists (for schemas and parsing)."""

    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    errors: list[Task] | None = Field(
        default=None, description="Tasks run, one after another, when a child task fails.")
    finally_: list[Task] | None = Field(
        default=None, alias="finally", description="Tasks always run after the children (and errors).")


def groups(*pairs: tuple[str, list[Task] | None]) -> list[tuple[str, list[Task]]]:
    """``child_groups`` entries, skipping absent lists."""
    return [(name, list(tasks)) for name, tasks in pairs if tasks]


def java_text(value: Any) -> str:
    """Java ``toString`` of a value, as Kestra shows lists in messages: ``[a, null]``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    return str(value)


def each_values(ctx: RenderContext, raw: Any, what: str = "values") -> list[str]:
    """Kestra's ``FlowableUtils.resolveEachTasks`` values: a JSON-list string (rendered first) or a
    list whose strings and maps are rendered; de-duplicated; strings kept, others JSON-encoded."""
    if isinstance(raw, str):
        rendered = ctx.render(raw)
        if isinstance(rendered, str):
            try:
                values = json.loads(rendered)
            except ValueError as exc:
                raise TaskFailure(f"Unable to parse `{what}` as a JSON list: {exc}; rendered value: "
                                  f"{rendered[:200]}") from None
        else:
            values = rendered
        if not isinstance(values, list):
            raise TaskFailure(f"`{what}` must render to a JSON list, got: {java_text(values)[:200]}")
    elif isinstance(raw, list):
        values = [ctx.render(v) if isinstance(v, str | dict) else v for v in raw]
    else:
        raise TaskFailure(f"`{what}` must be a list or a string holding a JSON list")
    distinct: list[Any] = []
    seen: set[str] = set()
    for value in values:
        key = json.dumps(value, sort_keys=True, default=str) + ("s" if isinstance(value, str) else "")
        if key not in seen:
            seen.add(key)
            distinct.append(value)
    nulls = sum(1 for v in distinct if v is None)
    if nulls:
        raise TaskFailure(f"Found '{nulls}' null values on Each, with values={java_text(values)}")
    return [v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), ensure_ascii=False)
            for v in distinct]
