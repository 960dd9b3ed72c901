"""``io.kestra.plugin.core.flow.Subflow``: start an execution of another flow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from lanner.plugins.api import Labels, RenderContext, SubflowRequest, SubflowTask, TaskFailure


class Subflow(SubflowTask):
    """Create an execution of flow `namespace`.`flowId` with `inputs` and `labels`.

    With `wait` (default) this task ends with the child: SUCCESS, or, when `transmitFailed`, the
    child's FAILED/WARNING/KILLED state. Outputs: `executionId`, `state` and the child flow's
    `outputs`.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    kestra_type = "io.kestra.plugin.core.flow.Subflow"
    aliases = ("io.kestra.core.tasks.flows.Subflow",)
    deprecated_aliases = ("io.kestra.core.tasks.flows.Flow", "io.kestra.plugin.core.flow.Flow")
    examples = (
        """\
id: parent
namespace: company.team

tasks:
  - id: call_child
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: child
    inputs:
      name: "{{ execution.id }}"
    labels:
      origin: parent
""",
    )

    namespace: str = Field(description="Namespace of the flow to run (rendered).")
    flowId: str = Field(description="Id of the flow to run (rendered).")
    revision: int | None = Field(default=None, description="Revision to run (default: the latest).")
    inputs: dict[str, Any] | None = Field(
        default=None, description="Inputs of the child execution (rendered).")
    labels: Labels = Field(default_factory=dict, description="Labels of the child execution (rendered).")
    wait: bool = Field(default=True, description="Wait for the child execution to end.")
    transmitFailed: bool = Field(default=True, description="A failed child fails this task (needs `wait`).")
    inheritLabels: bool = Field(default=False, description="Copy this execution's labels to the child.")
    scheduleDate: str | None = Field(
        default=None, description="Start the child at this date (rendered ISO-8601 date-time; UTC when it "
                                  "has no offset): it stays CREATED until then.")
    restartBehavior: Literal["NEW_EXECUTION", "RETRY_FAILED"] = "RETRY_FAILED"
    outputs: dict[str, Any] | None = Field(default=None, description="Deprecated: use the child flow's "
                                                                     "`outputs`.")

    def request(self, ctx: RenderContext) -> SubflowRequest:
        inputs = ctx.render(self.inputs or {})
        labels = [(str(ctx.render(k)), str(ctx.render(v))) for k, v in self.labels.items()]
        return SubflowRequest(
            namespace=str(ctx.render(self.namespace)),
            flow_id=str(ctx.render(self.flowId)),
            inputs=dict(inputs),
            labels=labels,
            revision=self.revision,
            wait=self.wait,
            transmit_failed=self.transmitFailed,
            inherit_labels=self.inheritLabels,
            schedule_date=self._schedule_date(ctx),
        )

    def _schedule_date(self, ctx: RenderContext) -> datetime | None:
        if self.scheduleDate is None:
            return None
        text = str(ctx.render(self.scheduleDate)).strip()
        if not text:
            return None
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise TaskFailure(f"Invalid scheduleDate '{text}': expected an ISO-8601 date-time such as "
                              "2025-01-31T10:00:00Z or {{ now() | dateAdd(1, 'HOURS') }}") from None
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # Kestra: UTC by default
