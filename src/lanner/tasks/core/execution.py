"""``io.kestra.plugin.core.execution.*``: tasks acting on the current execution."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from lanner.plugins.api import (
    ExecutionUpdatingTask,
    Prop,
    RenderContext,
    RunContext,
    RunnableTask,
    TaskFailure,
)

from ._support import render_text, to_text

SYSTEM_PREFIX = "system."


class Labels(ExecutionUpdatingTask):
    """Add labels to the current execution, or overwrite existing ones with the same key.

    ``labels`` is a map ``{key: value}``, a list of ``{key, value}`` items, or a string that
    renders to a JSON object. Keys and values are rendered. Labels whose key starts with
    ``system.`` are reserved and fail the task. Runs inside the executor, not on a worker.
    """

    kestra_type = "io.kestra.plugin.core.execution.Labels"
    aliases = ("io.kestra.core.tasks.executions.Labels",)
    examples = (
        """\
id: labels_example
namespace: company.team

inputs:
  - id: taxi
    type: SELECT
    values: [yellow, green]
    defaults: yellow

tasks:
  - id: set_labels
    type: io.kestra.plugin.core.execution.Labels
    labels:
      taxi: "{{ inputs.taxi }}"
      stage: extract
""",
        """\
id: labels_list
namespace: company.team

tasks:
  - id: by_list
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: order_id
        value: "{{ execution.id }}"
""",
    )

    # ``labels`` is also the name of the ExecutionUpdatingTask method: the field is stored as
    # ``labels_`` and read/written under its Kestra name through the alias (as ``finally_``).
    labels_: dict[str, Any] | list[dict[str, Any]] | str = Field(
        alias="labels",
        description="Labels to add: a map, a list of `{key, value}`, or a string rendering to a JSON object.",
    )

    def labels(self, ctx: RenderContext) -> list[tuple[str, str]]:
        pairs = _label_pairs(self.labels_, ctx)
        merged: dict[str, str] = {}
        for key, value in pairs:
            merged[key] = value  # a later duplicate wins, as Kestra's map merge does
        for key, value in merged.items():
            if key.startswith(SYSTEM_PREFIX):
                raise TaskFailure(
                    f"System labels can only be set by Kestra itself, offending label: {key}={value}"
                )
        return list(merged.items())


def _label_pairs(raw: Any, ctx: RenderContext) -> list[tuple[str, str]]:
    if isinstance(raw, str):
        rendered = render_text(ctx, raw) or ""
        try:
            data = json.loads(rendered)
        except ValueError:
            raise TaskFailure(f"Invalid labels: '{rendered}' is not a JSON object") from None
        if not isinstance(data, dict):
            raise TaskFailure(f"Invalid labels: '{rendered}' is not a JSON object")
        return [(str(key), to_text(value)) for key, value in data.items()]
    if isinstance(raw, list):
        pairs: list[tuple[str, str]] = []
        for item in raw:
            if not isinstance(item, dict) or "key" not in item:
                raise TaskFailure(f"Unknown value type: {type(item).__name__}, expected {{key, value}}")
            pairs.append((render_text(ctx, str(item["key"])) or "", _render_value(ctx, item.get("value"))))
        return pairs
    return [(render_text(ctx, str(key)) or "", _render_value(ctx, value)) for key, value in raw.items()]


def _render_value(ctx: RenderContext, value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(ctx.render(value), separators=(",", ":"))
    if isinstance(value, str):
        return render_text(ctx, value) or ""
    return to_text(value)


class Fail(RunnableTask):
    """Fail the task (and so the execution, unless handled) with a message.

    Without ``condition`` the task always fails; with one, it fails only when the condition
    renders to a true value (anything but empty, ``false``, ``0`` or null).
    """

    kestra_type = "io.kestra.plugin.core.execution.Fail"
    aliases = ("io.kestra.core.tasks.executions.Fail",)
    examples = (
        """\
id: fail_on_condition
namespace: company.team

inputs:
  - id: param
    type: STRING
    defaults: fail

tasks:
  - id: fail_if_asked
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.param == 'fail' }}"
    errorMessage: "Failing because param is {{ inputs.param }}"
""",
    )

    condition: str | bool | None = Field(
        default=None, description="Fail only when this renders to a true value. Rendered."
    )
    errorMessage: Prop[str] = Field(default="Task failure", description="The failure message. Rendered.")

    def run(self, ctx: RunContext) -> None:
        if self.condition is not None:
            should_fail = (
                self.condition if isinstance(self.condition, bool) else ctx.render_bool(self.condition)
            )
            if not should_fail:
                return
        raise TaskFailure(render_text(ctx, self.errorMessage) or "Task failure")
