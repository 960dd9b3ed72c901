"""``io.kestra.plugin.core.execution.*``: tasks acting on the current execution."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from lanner.plugins.api import (
    ExecutionExitTask,
    ExecutionUpdatingTask,
    ExitState,
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


# Kestra's TruthUtils: these renderings are false, anything else is true.
_FALSY = frozenset({"false", "0", "-0", ""})


class Assert(RunnableTask):
    """Check conditions on the execution's data; fail the task when any of them is false.

    Each condition is rendered: it is false when it renders to null, ``false``, ``0``, ``-0`` or
    an empty text (or cannot be rendered), true otherwise. Every false condition is logged at
    ERROR; the task then fails with ``N assertion(s) failed!`` followed by ``errorMessage``.
    Metrics ``success`` and ``failed`` count the conditions.
    """

    kestra_type = "io.kestra.plugin.core.execution.Assert"
    examples = (
        """\
id: assert
namespace: company.team

inputs:
  - id: param
    type: STRING
    defaults: ok

tasks:
  - id: check
    type: io.kestra.plugin.core.execution.Assert
    conditions:
      - "{{ inputs.param == 'ok' }}"
      - "{{ 1 + 1 == 2 }}"
    errorMessage: "Unexpected input {{ inputs.param }}"
""",
    )

    conditions: list[str] = Field(
        min_length=1, description="Conditions that must all render to a true value. Rendered."
    )
    errorMessage: Prop[str] | None = Field(
        default=None, description="Added, on its own line, to the failure message. Rendered."
    )

    def run(self, ctx: RunContext) -> None:
        failed = 0
        for condition in self.conditions:
            try:
                rendered = ctx.render(condition)
            except Exception as error:  # a user expression: an assertion that cannot be checked fails
                ctx.logger.error(f"Assertion `{condition}` failed, failed to render `{error}`")
                failed += 1
                continue
            if rendered is None or to_text(rendered) in _FALSY:
                ctx.logger.error(f"Assertion `{condition}` failed!")
                failed += 1
        ctx.metric("success", len(self.conditions) - failed, "counter")
        ctx.metric("failed", failed, "counter")
        if failed:
            message = f"{failed} assertion{'s' if failed > 1 else ''} failed!"
            extra = render_text(ctx, self.errorMessage)
            raise TaskFailure(message + (f"\n{extra}" if extra is not None else ""))


# Kestra spells the state CANCELED here; the execution's state is CANCELLED.
_EXIT_STATES: dict[str, ExitState] = {
    "SUCCESS": "SUCCESS", "WARNING": "WARNING", "KILLED": "KILLED", "FAILED": "FAILED",
    "CANCELED": "CANCELLED",
}


class Exit(ExecutionExitTask):
    """End the execution now, in the state given by ``state``.

    The Exit task and its parent tasks end in that state, then the execution; no further task
    is started (``errors`` and ``finally`` do not run; ``afterExecution`` does). ``KILLED`` kills
    the execution, stopping its running tasks; with any other state, tasks already running on
    a worker (a parallel branch) finish. Runs inside the executor, not on a worker.
    """

    kestra_type = "io.kestra.plugin.core.execution.Exit"
    examples = (
        """\
id: exit
namespace: company.team

inputs:
  - id: state
    type: SELECT
    values:
      - CONTINUE
      - END
    defaults: CONTINUE

tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.state == 'CONTINUE' }}"
    then:
      - id: hello
        type: io.kestra.plugin.core.log.Log
        message: I'm continuing
    else:
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: KILLED
  - id: end
    type: io.kestra.plugin.core.log.Log
    message: I'm ending
""",
    )

    state: Prop[Literal["SUCCESS", "WARNING", "KILLED", "FAILED", "CANCELED"]] = Field(
        default="SUCCESS",
        description="The state the execution ends in: SUCCESS, WARNING, KILLED, FAILED or CANCELED.",
    )

    def exit_state(self, ctx: RenderContext) -> ExitState:
        rendered = (render_text(ctx, self.state) or "").strip().upper()
        if rendered not in _EXIT_STATES:
            raise TaskFailure(f"Invalid state '{rendered}': expected one of {', '.join(_EXIT_STATES)}")
        return _EXIT_STATES[rendered]
