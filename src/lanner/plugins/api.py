"""The plugin API: what a task type is, and what it may use while it runs.

A task type is a pydantic model (its fields ARE its schema) subclassing one of:

- ``RunnableTask``: runs on a worker; ``run(ctx)`` returns outputs or raises.
- ``FlowableTask``: never runs on a worker; the engine asks it for a ``Plan`` of child branches
  when it starts (If, Switch, Parallel, ForEach, ...).
- ``ExecutionUpdatingTask``: runs inside the executor and changes the execution (Labels).
- ``ExecutionExitTask``: runs inside the executor and ends the execution (Exit).
- ``SubflowTask`` / ``PauseTask``: special cases the engine knows by their base class.

Task modules import only this module (and third-party libraries): import-linter enforces it.
Property values are kept raw (``{{ ... }}`` included) and rendered at run time through the
context: ``ctx.render(self.message)``. Use ``Prop[T]`` for a property that may be an expression
instead of a literal ``T``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO, ClassVar, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WrapValidator

from lanner.model.retry import Retry

T = TypeVar("T")

_EXPR = re.compile(r"\{\{|\{%")


def is_expression(value: object) -> bool:
    return isinstance(value, str) and _EXPR.search(value) is not None


def _allow_expression(value: Any, handler: Any) -> Any:
    if is_expression(value):
        return value
    return handler(value)


# A property that is either a literal T or a Pebble expression string rendered at run time.
Prop = Annotated[T | str, WrapValidator(_allow_expression)]


def _duration_text(value: Any) -> Any:
    return value


# An ISO-8601 duration such as PT15S (or an expression); parsed by ``parse_duration``.
Duration = Annotated[str, BeforeValidator(_duration_text)]

LogLevel = Literal["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]


class Task(BaseModel):
    """Properties every task has (kestra-reference §1.4)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True,
                              arbitrary_types_allowed=True, defer_build=True)

    # Canonical Kestra type string and accepted aliases (legacy names): set by each subclass.
    kestra_type: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    deprecated_aliases: ClassVar[tuple[str, ...]] = ()  # accepted with a warning
    # YAML snippets (a full flow each) shown in docs and given to the copilot; tested.
    examples: ClassVar[tuple[str, ...]] = ()
    # True for tasks that only compute (no I/O that can block, always quick: Log, Return):
    # the runtime may run them on its own thread instead of handing them to a worker thread.
    runs_inline: ClassVar[bool] = False
    # Kestra properties accepted so that flows load, but not acted on yet: property -> why.
    # Validation warns where a flow sets one, instead of ignoring it silently.
    ignored_properties: ClassVar[dict[str, str]] = {}

    id: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$", max_length=100)
    type: str
    description: str | None = None
    retry: Retry | None = None
    timeout: Prop[str] | None = None
    disabled: bool = False
    logLevel: LogLevel | None = None
    allowFailure: bool = False
    allowWarning: bool = False
    logToFile: bool = False
    runIf: str | bool | None = None
    workerGroup: dict[str, Any] | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class TaskOutput:
    """What a runnable task returns. A plain dict (or None) means SUCCESS with those outputs."""

    outputs: Mapping[str, Any] | None = None
    state: Literal["SUCCESS", "WARNING"] = "SUCCESS"


class TaskFailure(Exception):
    """Raise from ``run`` to fail the task with a clean message and (optionally) outputs kept
    on the failed task run (Kestra's ``RunnableTaskException``: scripts keep exitCode, vars)."""

    def __init__(self, message: str, outputs: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.outputs = outputs


def inside(workdir: Path, name: str) -> Path:
    """``workdir / name``, refusing names that would escape the working directory."""
    target = (workdir / name).resolve()
    if not target.is_relative_to(workdir.resolve()):
        raise TaskFailure(f"Invalid file name '{name}': it must stay inside the working directory")
    return target


class TaskLogger(Protocol):
    def trace(self, message: str) -> None: ...
    def debug(self, message: str) -> None: ...
    def info(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def error(self, message: str) -> None: ...
    def log(self, level: str, message: str) -> None: ...


class TaskStorage(Protocol):
    """Internal storage as a task sees it (``kestra:///`` URIs)."""

    def put_file(self, path: Path, name: str | None = None) -> str:
        """Store a local file among this task run's outputs; returns its ``kestra:///`` URI."""
        ...

    def put_bytes(self, data: bytes, name: str) -> str: ...

    def open(self, uri: str) -> BinaryIO:
        """Open a stored file for reading (a file of this execution, flow or namespace)."""
        ...

    def download(self, uri: str, dest: Path) -> Path: ...

    def exists(self, uri: str) -> bool: ...

    def size(self, uri: str) -> int: ...

    def delete(self, uri: str) -> bool:
        """Delete one stored file this task may read; False when it did not exist."""
        ...

    def delete_execution_files(self) -> list[str]:
        """Delete every file of the current execution; returns the deleted URIs."""
        ...

    def namespace_file(self, path: str, namespace: str | None = None) -> bytes: ...

    def namespace_files(self, namespace: str | None = None) -> Iterator[tuple[str, bytes]]: ...


KVType = Literal["STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON"]


@dataclass(frozen=True, slots=True)
class KVValue:
    value: Any
    type: KVType


class KVAccess(Protocol):
    """The key-value store of namespaces (kestra-reference §3.11)."""

    def get(self, key: str, namespace: str | None = None, error_on_missing: bool = True) -> Any: ...

    def set(
        self,
        key: str,
        value: Any,
        namespace: str | None = None,
        *,
        kv_type: KVType | None = None,
        ttl: str | None = None,
        overwrite: bool = True,
        description: str | None = None,
    ) -> None: ...

    def delete(self, key: str, namespace: str | None = None) -> bool: ...

    def keys(self, namespace: str | None = None, prefix: str | None = None) -> list[str]: ...


@runtime_checkable
class RenderContext(Protocol):
    """Rendering with Kestra's Pebble semantics against the current run's variables."""

    variables: Mapping[str, Any]

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """Render strings (recursively through lists/maps); other leaves are unchanged."""
        ...

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """Like ``render`` but a single ``{{ expr }}`` keeps its type (list, number, map)."""
        ...

    def render_bool(self, value: Any) -> bool:
        """Kestra truthiness: false iff it renders to null, "false", "0", "-0" or ""."""
        ...


class RunContext(RenderContext, Protocol):
    """Everything a runnable task may touch while it runs on a worker."""

    namespace: str
    flow_id: str
    execution_id: str
    task_id: str
    task_run_id: str
    attempt_number: int
    logger: TaskLogger
    storage: TaskStorage
    kv: KVAccess
    config: Mapping[str, Any]  # Lanner's configuration, for tasks that need it (gcp mode...)

    def working_dir(self) -> Path:
        """This task run's temporary working directory (created on first use, removed after)."""
        ...

    def metric(self, name: str, value: float, type: str = "counter",
               tags: Mapping[str, str] | None = None) -> None: ...

    def is_killed(self) -> bool:
        """True once the execution was killed: long-running tasks should stop."""
        ...

    def secret(self, key: str) -> str: ...

    def mask(self, value: str) -> None:
        """Never show ``value`` in logs (replaced by ``******``)."""
        ...


class RunnableTask(Task):
    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Branch:
    """A sequence of child tasks run one after another; ``value`` is ForEach's current item."""

    tasks: Sequence[Task]
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """How a flowable runs its children, decided once when the flowable starts.

    ``concurrency``: how many branches may run at once (0 = no limit, 1 = one after another).
    ``outputs``: the flowable's own outputs (If ``evaluationResult``, Switch ``value``...).
    ``depends_on``: for Dag, task id -> ids it waits for (each task is its own branch).
    """

    branches: Sequence[Branch]
    concurrency: int = 1
    outputs: Mapping[str, Any] = field(default_factory=dict)
    depends_on: Mapping[str, Sequence[str]] | None = None
    # WorkingDirectory: every runnable descendant runs in ONE directory. This rendered setup
    # (JSON data: ``inputFiles``, ``outputFiles``...) is handed back to the task's
    # ``SharedDirectoryOwner`` hooks on the worker, which prepare and collect the directory.
    shared_directory: Mapping[str, Any] | None = None


class FlowableTask(Task):
    errors: list[Any] | None = None
    finally_: list[Any] | None = Field(default=None, alias="finally")

    def plan(self, ctx: RenderContext) -> Plan:
        raise NotImplementedError

    def child_groups(self) -> list[tuple[str, list[Task]]]:
        """Every child list by property name (``then``, ``else``, ``cases.a``...), for
        validation, graphs and lookups. Errors/finally are included."""
        groups: list[tuple[str, list[Task]]] = []
        if self.errors:
            groups.append(("errors", list(self.errors)))
        if self.finally_:
            groups.append(("finally", list(self.finally_)))
        return groups

    def final_outputs(self, ctx: RenderContext, plan_outputs: Mapping[str, Any]) -> Mapping[str, Any]:
        """Outputs set when the flowable ends (default: the plan's)."""
        return plan_outputs


@runtime_checkable
class SharedDirectoryOwner(Protocol):
    """A flowable whose plan sets ``shared_directory`` (WorkingDirectory) and does the file work of
    that directory itself, on the worker (the engine does no I/O). Both hooks get a context of the
    owner's task run: ``working_dir()`` is the shared directory, ``storage`` stores as the owner.

    ``prepare_directory`` runs once, on the worker of the first child, on the still empty
    directory. ``collect_directory`` runs on the worker of the last child, after it ran; what it
    returns becomes the owner's outputs (Kestra's ``preExecuteTasks``/``postExecuteTasks``)."""

    def prepare_directory(self, ctx: RunContext, setup: Mapping[str, Any]) -> None: ...

    def collect_directory(self, ctx: RunContext, setup: Mapping[str, Any]) -> Mapping[str, Any] | None: ...


class ExecutionUpdatingTask(Task):
    """Runs inside the executor; returns labels to merge into the execution."""

    def labels(self, ctx: RenderContext) -> list[tuple[str, str]]:
        raise NotImplementedError


ExitState = Literal["SUCCESS", "WARNING", "KILLED", "FAILED", "CANCELLED"]


class ExecutionExitTask(Task):
    """Runs inside the executor and ends the whole execution in the state it returns (Exit)."""

    def exit_state(self, ctx: RenderContext) -> ExitState:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class SubflowRequest:
    namespace: str
    flow_id: str
    inputs: Mapping[str, Any]
    labels: Sequence[tuple[str, str]]
    revision: int | None = None
    wait: bool = True
    transmit_failed: bool = True
    inherit_labels: bool = False
    schedule_date: datetime | None = None  # the child stays CREATED until then


class SubflowTask(Task):
    def request(self, ctx: RenderContext) -> SubflowRequest:
        raise NotImplementedError


class SubflowBatchesTask(Task):
    """Starts one child execution per batch file, all under ONE task run (ForEachItem's ``_items``
    step, Kestra's ``ForEachItemExecutable``). The engine reads the batch URIs from the ``batches``
    output of the sibling step ``split_step_id()`` (it does no file I/O itself) and asks for one
    request per batch; the run counts its children's states in its ``iterations`` output."""

    def split_step_id(self) -> str:
        raise NotImplementedError

    def batch_request(self, ctx: RenderContext, batch_uri: str, iteration: int) -> SubflowRequest:
        raise NotImplementedError

    def restarts_failed_only(self) -> bool:
        """On restart, start again only the batches whose child did not succeed."""
        return True


class SubflowOutputsMergeTask(RunnableTask):
    """A runnable step that needs the outputs of the child executions started by the sibling
    ``SubflowBatchesTask`` named ``items_step_id()`` (ForEachItem's ``_merge`` step). The engine
    hands them over as the variable ``subflowOutputs``: a list in batch order, None for a child
    without outputs. (A worker never reads executions, so they travel with the job.)"""

    def items_step_id(self) -> str:
        raise NotImplementedError


class PauseTask(Task):
    """Pauses the execution; ``pause_duration``/``timeout`` are ISO durations or None."""

    def pause_settings(self, ctx: RenderContext) -> tuple[str | None, str | None, str]:
        """(pauseDuration, timeout, behavior RESUME|WARN|FAIL|CANCEL)."""
        raise NotImplementedError


def task_children(task: Task) -> list[Task]:
    """All direct children of a task, whatever its kind (empty for runnable tasks)."""
    if isinstance(task, FlowableTask):
        return [child for _, group in task.child_groups() for child in group]
    return []


def walk_tasks(tasks: Sequence[Task]) -> Iterator[Task]:
    """Depth-first over tasks and all their descendants."""
    for task in tasks:
        yield task
        yield from walk_tasks(task_children(task))


# =================================================================================================
# Triggers (written by the flow-model helper; kestra-reference §4).
#
# A trigger type is a pydantic model like a task: its fields are its schema. The scheduler asks
# schedule-like triggers for fire times; Flow and Webhook triggers are matched by their services.
# =================================================================================================

TriggerStopState = Literal["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED",
                           "PAUSED", "RUNNING", "CREATED", "QUEUED"]


def labels_to_map(value: Any) -> Any:
    """Kestra accepts labels as ``{k: v}`` or ``[{key, value}]``; both become a ``{k: v}`` map with
    string values (``true`` -> ``"true"``)."""
    if isinstance(value, list):
        pairs: dict[str, Any] = {}
        for item in value:
            if not isinstance(item, Mapping) or "key" not in item:
                raise ValueError("each label of a list must be a map with `key` and `value`")
            pairs[str(item["key"])] = item.get("value")
        value = pairs
    if isinstance(value, Mapping):
        return {str(k): _label_text(v) for k, v in value.items()}
    return value


def _label_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


Labels = Annotated[dict[str, str], BeforeValidator(labels_to_map)]


class Trigger(BaseModel):
    """Properties every trigger has (``AbstractTrigger``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True,
                              arbitrary_types_allowed=True, defer_build=True)

    kestra_type: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    deprecated_aliases: ClassVar[tuple[str, ...]] = ()
    examples: ClassVar[tuple[str, ...]] = ()

    id: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$", max_length=100)
    type: str
    description: str | None = None
    conditions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Conditions (typed maps `io.kestra.plugin.core.condition.*`) that must all match.")
    disabled: bool = Field(default=False, description="A disabled trigger creates no execution.")
    labels: Labels = Field(default_factory=dict, description="Labels added to the executions it creates.")
    stopAfter: list[TriggerStopState] | None = Field(
        default=None, description="Disable the trigger once an execution it created ends in one of these.")
    inputs: dict[str, Any] | None = Field(
        default=None, description="Inputs of the executions it creates (rendered, over the flow's defaults).")
    logLevel: LogLevel | None = None
    logToFile: bool = False
    workerGroup: dict[str, Any] | None = None
    failOnTriggerError: bool = False
    allowConcurrent: bool = False
