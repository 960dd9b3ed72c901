"""``io.kestra.plugin.core.flow.Pause``: pause the execution until resumed or a delay elapsed."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from lanner.plugins.api import PauseTask, Prop, RenderContext, Task


class Pause(PauseTask):
    """Pause the execution. It continues when resumed (UI, API, `lanner resume`) or, with
    `pauseDuration`, once that delay elapsed (then `behavior` decides: RESUME, WARN, FAIL or CANCEL).
    Without a manual resume before `timeout`, the task fails. `onResume` declares inputs asked on
    resume; they become this task's outputs.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    kestra_type = "io.kestra.plugin.core.flow.Pause"
    aliases = ("io.kestra.core.tasks.flows.Pause",)
    examples = (
        """\
id: pause_example
namespace: company.team

tasks:
  - id: wait_for_approval
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
        defaults: true
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "Approved: {{ outputs.wait_for_approval.onResume.approved }}"
""",
        """\
id: pause_delay
namespace: company.team

tasks:
  - id: cool_down
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT5M
    behavior: RESUME
""",
    )

    pauseDuration: Prop[str] | None = Field(default=None, description="ISO-8601 delay after which the "
                                                                      "execution continues by itself.")
    delay: Prop[str] | None = Field(default=None, description="Deprecated: use `pauseDuration`.")
    behavior: Literal["RESUME", "WARN", "FAIL", "CANCEL"] = Field(
        default="RESUME", description="What happens when `pauseDuration` elapsed.")
    onResume: list[dict[str, Any]] | None = Field(default=None, description="Inputs asked when resuming.")
    onPause: Task | None = Field(default=None, description="A task run when the execution pauses.")
    tasks: list[Task] | None = Field(default=None, description="Deprecated.")

    @model_validator(mode="after")
    def _one_duration(self) -> Pause:
        if self.pauseDuration is not None and self.delay is not None:
            raise ValueError("set `pauseDuration` only (`delay` is its deprecated name)")
        return self

    def pause_settings(self, ctx: RenderContext) -> tuple[str | None, str | None, str]:
        duration = self.pauseDuration if self.pauseDuration is not None else self.delay
        rendered = ctx.render(duration) if duration is not None else None
        timeout = ctx.render(self.timeout) if self.timeout is not None else None
        return (str(rendered) if rendered else None, str(timeout) if timeout else None, self.behavior)
