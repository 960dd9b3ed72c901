"""The flow model (kestra-reference §1), as pydantic v2 data with zero I/O.

Tasks are typed by the plugin registry (``lanner.plugins``); at this level they are ``Any`` so
that the model room stays free of plugin imports. After parsing (``lanner.plugins.flowparse``)
``Flow.tasks``/``errors``/``finally_``/``after_execution`` hold ``lanner.plugins.api.Task``
instances with pluginDefaults already merged.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FLOW_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$"
NAMESPACE_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
TASK_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"
INPUT_ID_PATTERN = r"^[a-zA-Z0-9][.a-zA-Z0-9_-]*$"
KV_KEY_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$"


class StrictModel(BaseModel):
    """Unknown properties are errors, as with Kestra's strict YAML mapper."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)


class Concurrency(StrictModel):
    limit: int = Field(gt=0)
    behavior: Literal["QUEUE", "CANCEL", "FAIL"] = "QUEUE"


class PluginDefault(StrictModel):
    type: str
    forced: bool = False
    values: dict[str, Any]


class FlowOutput(StrictModel):
    id: str = Field(pattern=INPUT_ID_PATTERN)
    type: str = "STRING"
    value: Any = None
    description: str | None = None
    displayName: str | None = None
    required: bool = True


class Flow(StrictModel):
    """A parsed, validated flow. ``source`` is the YAML text it came from."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True,
                              arbitrary_types_allowed=True, defer_build=True)

    id: str = Field(pattern=FLOW_ID_PATTERN, min_length=1, max_length=100)
    namespace: str = Field(pattern=NAMESPACE_PATTERN, min_length=1, max_length=150)
    revision: int = 1
    description: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    inputs: list[Any] = Field(default_factory=list)  # lanner.model.inputs.Input subclasses
    variables: dict[str, Any] = Field(default_factory=dict)
    tasks: list[Any]
    errors: list[Any] = Field(default_factory=list)
    finally_: list[Any] = Field(default_factory=list, alias="finally")
    after_execution: list[Any] = Field(default_factory=list, alias="afterExecution")
    triggers: list[Any] = Field(default_factory=list)
    plugin_defaults: list[PluginDefault] = Field(default_factory=list, alias="pluginDefaults")
    concurrency: Concurrency | None = None
    outputs: list[FlowOutput] = Field(default_factory=list)
    retry: Any = None
    disabled: bool = False
    deleted: bool = False
    source: str | None = Field(default=None, exclude=True)

    @property
    def uid(self) -> str:
        return f"{self.namespace}.{self.id}"
