"""``io.kestra.plugin.core.flow.ForEachItem``: one subflow execution per batch of a stored file.

As in Kestra, the task runs three internal steps one after another, shown as its children:
``<id>_split`` (on a worker: cut the file into batch files), ``<id>_items`` (in the engine: one
child execution per batch, all under this one task run, counted by state in ``iterations``) and
``<id>_merge`` (on a worker: the children's flow outputs gathered in one file).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.plugins.api import (
    Branch,
    Labels,
    Plan,
    Prop,
    RenderContext,
    RunContext,
    RunnableTask,
    SubflowBatchesTask,
    SubflowOutputsMergeTask,
    SubflowRequest,
    Task,
    TaskFailure,
)
from lanner.plugins.serde import write_ion

from ..core.line_split import (
    SplitRule,
    extension_of,
    lines,
    rendered_rule,
    split_lines,
)
from ._base import FlowTask, groups
from .subflow import Subflow

_TYPE = "io.kestra.plugin.core.flow.ForEachItem"


class Batch(BaseModel):
    """How the items are cut into batches: the first of `regexPattern`, `bytes`, `partitions`,
    `rows` that is set."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    rows: Prop[int] | None = Field(default=1, description="Rows per batch.")
    bytes_: str | None = Field(default=None, alias="bytes",
                               description="Size of a batch, such as `10MB` (a row is never cut).")
    partitions: Prop[int] | None = Field(default=None, description="Number of batches (rows dealt in turn).")
    separator: str = Field(default="\n", description="Written after each row of a batch file.")
    regexPattern: str | None = Field(
        default=None, description="One batch per value of the pattern's first group; rows that do not "
                                  "match are dropped.")


class ForEachItemSplit(RunnableTask):
    """Internal step: cut `items` into batch files (outputs `splits`, the file listing them, and
    `batches`, their URIs in order)."""

    kestra_type = f"{_TYPE}$ForEachItemSplit"

    items: str
    batch: Batch

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        uri = str(ctx.render(self.items)).strip()
        if not uri.startswith("kestra://"):
            message = f"Unable to split the items from {uri}, this is not an internal storage URI!"
            ctx.logger.error(message)
            raise TaskFailure(message)
        separator = str(ctx.render(self.batch.separator))
        try:
            rule = self._rule(ctx)
        except ValueError as error:
            raise TaskFailure(f"batch: {error}") from None
        directory, extension = ctx.working_dir(), extension_of(uri)
        created = itertools.count()

        def new_path() -> Path:
            return directory / f"batch-{next(created)}{extension}"

        with ctx.storage.open(uri) as source:
            paths = split_lines(lines(source), new_path, separator, rule)
        batches = [ctx.storage.put_file(path) for path in paths]
        listing = ctx.storage.put_bytes("\n".join(batches).encode("utf-8"), "splits.txt")
        ctx.logger.info(f"Split {uri} into {len(batches)} batches")
        return {"splits": listing, "batches": batches}


    def _rule(self, ctx: RunContext) -> SplitRule:
        batch = self.batch
        rule = rendered_rule(ctx, pattern=batch.regexPattern, size=batch.bytes_, partitions=batch.partitions,
                             rows=batch.rows if batch.rows is not None else 1)
        assert rule is not None  # rows always has a value
        return rule


class _WithBatch:
    """A render context where `{{ taskrun.items }}` and `{{ taskrun.iteration }}` are the batch's."""

    def __init__(self, ctx: RenderContext, batch: Mapping[str, Any]) -> None:
        self._ctx = ctx
        self._batch = {"taskrun": dict(batch)}
        self.variables = ctx.variables

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return self._ctx.render(value, {**self._batch, **(extra or {})})

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return self._ctx.render_typed(value, {**self._batch, **(extra or {})})

    def render_bool(self, value: Any) -> bool:
        return self._ctx.render_bool(value)


class ForEachItemExecutable(SubflowBatchesTask):
    """Internal step: one execution of the subflow per batch (run by the engine)."""

    kestra_type = f"{_TYPE}$ForEachItemExecutable"

    call: Subflow
    restartBehavior: Literal["NEW_EXECUTION", "RETRY_FAILED"] = "RETRY_FAILED"
    split_id: str

    def split_step_id(self) -> str:
        return self.split_id

    def batch_request(self, ctx: RenderContext, batch_uri: str, iteration: int) -> SubflowRequest:
        return self.call.request(_WithBatch(ctx, {"items": batch_uri, "iteration": iteration}))

    def restarts_failed_only(self) -> bool:
        return self.restartBehavior == "RETRY_FAILED"


class ForEachItemMergeOutputs(SubflowOutputsMergeTask):
    """Internal step: the flow outputs of every child, one Ion line each, in one file
    (`subflowOutputs`); no output when no child has outputs."""

    kestra_type = f"{_TYPE}$ForEachItemMergeOutputs"

    items_id: str

    def items_step_id(self) -> str:
        return self.items_id

    def run(self, ctx: RunContext) -> Mapping[str, Any] | None:
        collected = [o for o in (ctx.variables.get("subflowOutputs") or []) if o is not None]
        if not collected:
            return None
        path = ctx.working_dir() / "outputs.ion"
        with path.open("w", encoding="utf-8") as out:
            write_ion(collected, out)
        return {"subflowOutputs": ctx.storage.put_file(path, "outputs.ion")}


class ForEachItem(FlowTask):
    """Start one execution of flow `namespace`.`flowId` per batch of the file `items`.

    `items` is a `kestra:///` URI (a task's output file, a FILE input) read line by line;
    `batch` says how many lines go in a batch (`rows`, default 1), or how big a batch is
    (`bytes`), or how many batches (`partitions`). Each child gets `inputs` rendered with
    `{{ taskrun.items }}` (the URI of its batch file, which it may read) and
    `{{ taskrun.iteration }}` (its number, from 0). With `wait` (default) the task ends when
    every child ended: FAILED when one failed and `transmitFailed` (default). Outputs are on the
    internal steps: `outputs.<id>_items.numberOfBatches`, `outputs.<id>_items.iterations`
    (children per state) and `outputs.<id>_merge.subflowOutputs` (the children's flow outputs,
    one Ion line each).
    """

    kestra_type = _TYPE
    aliases = ("io.kestra.core.tasks.flows.ForEachItem",)
    examples = (
        """\
id: orders_parallel
namespace: company.team

inputs:
  - id: orders
    type: FILE

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.orders }}"
    batch:
      rows: 100
    namespace: company.team
    flowId: process_orders
    inputs:
      orders: "{{ taskrun.items }}"

  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.each_items.numberOfBatches }} batches: {{ outputs.each_items.iterations }}"
""",
    )

    items: str = Field(
        description="URI of the file to split, such as `{{ outputs.extract.uri }}` (rendered).")
    batch: Batch = Field(default_factory=Batch, description="How to cut the items into batches.")
    namespace: str = Field(description="Namespace of the subflow (rendered).")
    flowId: str = Field(description="Id of the subflow (rendered).")
    revision: int | None = Field(default=None, description="Revision of the subflow (default: the latest).")
    inputs: dict[str, Any] | None = Field(
        default=None, description="Inputs of each child (rendered per batch: `{{ taskrun.items }}`).")
    labels: Labels = Field(default_factory=dict, description="Labels of each child (rendered).")
    wait: bool = Field(default=True, description="Wait for every child execution to end.")
    transmitFailed: bool = Field(default=True, description="A failed child fails this task (needs `wait`).")
    inheritLabels: bool = Field(default=False, description="Copy this execution's labels to the children.")
    scheduleDate: str | None = Field(default=None, description="Start the children at this date (rendered).")
    restartBehavior: Literal["NEW_EXECUTION", "RETRY_FAILED"] = Field(
        default="RETRY_FAILED", description="On restart: start again only the failed batches, or all.")

    @cached_property
    def steps(self) -> list[Task]:
        """The internal steps (built once: the flow index and the plan must see the same ones)."""
        call = Subflow(
            id=f"{self.id}_items", type=Subflow.kestra_type, namespace=self.namespace, flowId=self.flowId,
            revision=self.revision, inputs=self.inputs, labels=self.labels, wait=self.wait,
            transmitFailed=self.transmitFailed, inheritLabels=self.inheritLabels,
            scheduleDate=self.scheduleDate)
        return [
            ForEachItemSplit(id=f"{self.id}_split", type=ForEachItemSplit.kestra_type, items=self.items,
                             batch=self.batch),
            ForEachItemExecutable(id=f"{self.id}_items", type=ForEachItemExecutable.kestra_type,
                                  call=call, restartBehavior=self.restartBehavior,
                                  split_id=f"{self.id}_split"),
            ForEachItemMergeOutputs(id=f"{self.id}_merge", type=ForEachItemMergeOutputs.kestra_type,
                                    items_id=f"{self.id}_items"),
        ]

    def plan(self, ctx: RenderContext) -> Plan:
        return Plan(branches=[Branch(tasks=self.steps)], concurrency=1)

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        return groups(("tasks", self.steps)) + super().child_groups()
