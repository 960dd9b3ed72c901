"""What the HTTP API needs from the rest of Lanner: one Protocol, implemented by
``lanner.runtime.api_services`` on top of the runtime (the api room never imports it).

Methods raise from ``lanner.errors`` (``NotFoundError``, ``ConflictError``,
``FlowValidationError``/``InputError``...); ``lanner.api.errors`` turns them into HTTP answers.
Records are the model's and the store ports' own (``Execution``, ``StoredFlow``, ``KVEntry``...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from lanner.errors import Issue, LannerError, NotFoundError
from lanner.files.namespace_files import NamespaceFiles
from lanner.model.execution import Execution, LogEntry
from lanner.model.metric import MetricAggregate
from lanner.store.ports import (
    ExecutionQuery,
    KVEntry,
    LogQuery,
    MetricQuery,
    Page,
    StoredFlow,
    TriggerState,
)

Unsubscribe = Callable[[], None]


class GoneError(NotFoundError):
    """It existed but has expired (a KV entry past its TTL): HTTP 410, as Kestra answers."""


class BadRequestError(LannerError):
    """A request that makes no sense for the object's state (no backfill to pause): HTTP 400."""


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file part (a FILE input, a namespace file, an import)."""

    filename: str
    stream: BinaryIO


@dataclass(frozen=True, slots=True)
class FlowCheck:
    """The validation of one YAML document of ``POST /flows/validate``."""

    index: int
    flow_id: str | None
    namespace: str | None
    issues: tuple[Issue, ...] = ()

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


@dataclass(frozen=True, slots=True)
class WebhookCall:
    method: str
    body: bytes
    content_type: str | None
    headers: Mapping[str, list[str]] = field(default_factory=dict)
    parameters: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebhookResult:
    execution: Execution | None  # None: the trigger's conditions rejected the call
    wait: bool = False  # the trigger asked to answer once the execution ended
    return_outputs: bool = False


@dataclass(frozen=True, slots=True)
class TriggerView:
    """A trigger as declared in its flow (``definition``) plus its persisted context."""

    namespace: str
    flow_id: str
    trigger_id: str
    definition: Mapping[str, Any]
    state: TriggerState


@dataclass(frozen=True, slots=True)
class BackfillRequest:
    start: datetime
    end: datetime | None = None  # None: until now
    inputs: Mapping[str, Any] = field(default_factory=dict)
    labels: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class PluginInfo:
    type: str
    kind: str  # task | trigger | object
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class FlowGeneration:
    """What the AI copilot answered: the flow, why, and its validation (``valid`` False: the best
    attempt, with its errors)."""

    yaml: str
    explanation: str
    valid: bool
    issues: tuple[Issue, ...] = ()
    attempts: int = 0
    retrieved_types: tuple[str, ...] = ()
    retrieval: str = "lexical"
    diff: str | None = None


class CopilotServices(Protocol):
    """Optional: services that have it serve ``/ai/...`` (routes check with ``getattr``). Raises
    ``ConfigurationError`` when no language model is configured, ``LannerError`` when it fails."""

    def generate_flow(self, prompt: str, flow_yaml: str | None = None) -> FlowGeneration: ...


class ApiServices(Protocol):
    # ---- flows -------------------------------------------------------------------------------
    def create_flow(self, source: str) -> StoredFlow:
        """New flow (or a deleted one re-created); ``ConflictError`` when it already exists."""
        ...

    def update_flow(self, namespace: str, flow_id: str, source: str) -> StoredFlow:
        """New revision when the source changed; id/namespace of the source must match."""
        ...

    def deploy_flow(self, source: str) -> StoredFlow:
        """Create or update, whichever applies (imports, ``lanner deploy``)."""
        ...

    def get_flow(self, namespace: str, flow_id: str, revision: int | None = None,
                 allow_deleted: bool = False) -> StoredFlow: ...

    def delete_flow(self, namespace: str, flow_id: str) -> None: ...

    def flow_revisions(self, namespace: str, flow_id: str) -> list[StoredFlow]: ...

    def list_flows(self, namespace: str | None = None, text: str | None = None) -> list[StoredFlow]:
        """Current revisions, deleted flows left out; ``namespace`` is a prefix."""
        ...

    def validate_flow(self, source: str, index: int = 0) -> FlowCheck: ...

    # ---- executions --------------------------------------------------------------------------
    def start_execution(
        self,
        namespace: str,
        flow_id: str,
        inputs: Mapping[str, Any],
        files: Mapping[str, Upload],
        labels: Sequence[tuple[str, str]] = (),
        revision: int | None = None,
        schedule_date: datetime | None = None,
    ) -> Execution: ...

    def webhook(self, namespace: str, flow_id: str, key: str, call: WebhookCall) -> WebhookResult: ...

    def get_execution(self, execution_id: str) -> Execution: ...

    def present(self, execution: Execution) -> dict[str, Any]:
        """Kestra's Execution JSON, SECRET inputs masked."""
        ...

    def search_executions(self, query: ExecutionQuery) -> Page: ...

    def kill(self, execution_id: str) -> None: ...

    def restart(self, execution_id: str) -> Execution: ...

    def replay(self, execution_id: str, task_run_id: str | None = None) -> Execution: ...

    def resume(self, execution_id: str, inputs: Mapping[str, Any]) -> None: ...

    def delete_execution(self, execution_id: str, delete_logs: bool = True,
                         delete_storage: bool = True, delete_metrics: bool = True) -> None: ...

    def execution_file(self, execution_id: str, uri: str) -> tuple[BinaryIO, int]:
        """An internal-storage file that belongs to the execution, with its size."""
        ...

    def watch_executions(self, listener: Callable[[Execution], None]) -> Unsubscribe:
        """Call ``listener`` (from a runtime thread) on every execution change."""
        ...

    def watch_logs(self, listener: Callable[[LogEntry], None]) -> Unsubscribe: ...

    # ---- logs --------------------------------------------------------------------------------
    def logs(self, execution_id: str, min_level: str | None = None, task_run_id: str | None = None,
             task_id: str | None = None, after: int = 0) -> list[LogEntry]: ...

    def search_logs(self, query: LogQuery) -> Page: ...

    # ---- metrics -----------------------------------------------------------------------------
    def metrics(self, query: MetricQuery) -> Page:
        """A page of an execution's metrics (``NotFoundError`` for an unknown execution)."""
        ...

    def metric_names(self, namespace: str, flow_id: str, task_id: str | None = None) -> list[str]: ...

    def metric_task_ids(self, namespace: str, flow_id: str) -> list[str]: ...

    def metric_aggregates(self, namespace: str, flow_id: str, name: str, aggregation: str,
                          start: datetime, end: datetime,
                          task_id: str | None = None) -> list[MetricAggregate]: ...

    # ---- KV and namespace files --------------------------------------------------------------
    def kv_entries(self, namespace: str) -> list[KVEntry]: ...

    def kv_entry(self, namespace: str, key: str) -> KVEntry: ...

    def kv_set(self, namespace: str, key: str, value: Any, ttl: str | None = None,
               description: str | None = None) -> KVEntry: ...

    def kv_delete(self, namespace: str, key: str) -> bool: ...

    @property
    def namespace_files(self) -> NamespaceFiles: ...

    # ---- triggers ----------------------------------------------------------------------------
    def triggers(self, namespace: str | None = None, flow_id: str | None = None) -> list[TriggerView]: ...

    def create_backfill(self, namespace: str, flow_id: str, trigger_id: str,
                        request: BackfillRequest) -> TriggerView: ...

    def pause_backfill(self, namespace: str, flow_id: str, trigger_id: str, paused: bool) -> TriggerView: ...

    def delete_backfill(self, namespace: str, flow_id: str, trigger_id: str) -> TriggerView: ...

    def set_trigger_disabled(self, namespace: str, flow_id: str, trigger_id: str,
                             disabled: bool) -> TriggerView | None: ...

    # ---- plugins and server ------------------------------------------------------------------
    def plugins(self) -> list[PluginInfo]: ...

    def plugin_schema(self, type_name: str) -> dict[str, Any]: ...

    def configs(self) -> dict[str, Any]: ...
