"""``io.kestra.plugin.core.trigger.Flow``: start this flow when other executions end."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.plugins.api import Trigger

State = Literal["CREATED", "RUNNING", "PAUSED", "RESTARTED", "KILLING", "SUCCESS", "WARNING", "FAILED",
                "KILLED", "CANCELLED", "QUEUED", "RETRYING", "RETRIED", "SKIPPED"]


class UpstreamFlow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    namespace: str
    flowId: str | None = None
    states: list[State] | None = None
    labels: dict[str, Any] | None = None


class Preconditions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    flows: list[UpstreamFlow] | None = Field(default=None, description="Upstream flows that must all end.")
    where: list[dict[str, Any]] | None = Field(
        default=None, description="Filters on the upstream executions.")
    timeWindow: dict[str, Any] | None = Field(default=None, description="Window in which they must end.")
    resetOnSuccess: bool = True


class FlowTrigger(Trigger):
    """Create an execution of this flow when an execution of another flow ends in one of `states`
    (default: any terminal state) and the `preconditions`/`conditions` match. `{{ trigger.executionId }}`,
    `{{ trigger.flowId }}`, `{{ trigger.namespace }}`, `{{ trigger.state }}` and `{{ trigger.outputs }}`
    describe the upstream execution."""

    kestra_type = "io.kestra.plugin.core.trigger.Flow"
    aliases = ("io.kestra.core.models.triggers.types.Flow",)
    examples = (
        """\
id: downstream
namespace: company.team

tasks:
  - id: react
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.flowId }} ended in {{ trigger.state }}"

triggers:
  - id: after_upstream
    type: io.kestra.plugin.core.trigger.Flow
    states: [SUCCESS]
    preconditions:
      id: upstream_done
      flows:
        - namespace: company.team
          flowId: upstream
""",
    )

    states: list[State] | None = Field(default=None, description="States of the upstream execution that "
                                                                 "trigger (default: terminal ones).")
    preconditions: Preconditions | None = None
