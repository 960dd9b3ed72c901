"""``ApiServices`` (``lanner.api.ports``) on top of the runtime: what the HTTP API can do.

Flows are validated with the flow parser and kept in the flow store (the runtime's flow cache
reads them back by revision). Executions go through ``Runtime``; trigger contexts and backfills
are only persisted here (the scheduler acts on them).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any, BinaryIO, Generic, TypeVar

from lanner.api.ports import (
    BackfillRequest,
    BadRequestError,
    FlowCheck,
    FlowGeneration,
    GoneError,
    PluginInfo,
    TriggerView,
    Unsubscribe,
    Upload,
    WebhookCall,
    WebhookResult,
)
from lanner.errors import ConflictError, FlowValidationError, InputError, Issue, NotFoundError
from lanner.files.namespace_files import NamespaceFiles
from lanner.model.execution import Execution, LogEntry
from lanner.model.flow import Flow
from lanner.model.inputs import SECRET_MASK, mask_secret_inputs
from lanner.model.metric import MetricAggregate
from lanner.model.state import State
from lanner.runtime.executor_loop import Runtime
from lanner.runtime.services import utc_now
from lanner.store.kv_service import KVExpiredError
from lanner.store.ports import (
    ExecutionQuery,
    FlowStore,
    KVEntry,
    LogQuery,
    MetricQuery,
    Page,
    StoredFlow,
    TriggerState,
    TriggerStore,
)

_log = logging.getLogger("lanner.api")

T = TypeVar("T")
RESTART_SETTLE_SECONDS = 2.0


class _Hub(Generic[T]):
    """Fans one runtime listener out to subscribers that come and go (SSE clients)."""

    def __init__(self) -> None:
        self._listeners: dict[int, Callable[[T], None]] = {}
        self._next = 0
        self._lock = threading.Lock()

    def add(self, listener: Callable[[T], None]) -> Unsubscribe:
        with self._lock:
            key = self._next
            self._next += 1
            self._listeners[key] = listener

        def remove() -> None:
            with self._lock:
                self._listeners.pop(key, None)

        return remove

    def __call__(self, item: T) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            try:
                listener(item)
            except Exception:  # one broken subscriber must not stop the runtime loop
                _log.exception("API listener failed")


def _secret_ids_of(source: str) -> frozenset[str]:
    from lanner.model.loader import load_yaml

    data = load_yaml(source).data
    inputs = data.get("inputs") if isinstance(data, Mapping) else None
    return frozenset(str(i.get("id")) for i in inputs or () if isinstance(i, Mapping)
                     and str(i.get("type", "")).upper() == "SECRET")


def _referenced_uris(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} if value.startswith("kestra://") else set()
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return set().union(*(_referenced_uris(v) for v in value)) if value else set()
    return set()


class RuntimeApiServices:
    def __init__(self, runtime: Runtime, *, basic_auth_enabled: bool = False) -> None:
        self.runtime = runtime
        self.services = runtime.services
        self.basic_auth_enabled = basic_auth_enabled
        self._changes: _Hub[Execution] = _Hub()
        self._logs: _Hub[LogEntry] = _Hub()
        runtime.on_change(self._changes)
        runtime.on_log(self._logs)
        self._namespace_files = NamespaceFiles(self.services.files)
        self._secret_ids = lru_cache(maxsize=512)(self._load_secret_ids)

    # ---- flows -------------------------------------------------------------------------------
    @property
    def _flows(self) -> FlowStore:
        return self.services.stores.flows

    def _parse(self, source: str) -> Flow:
        from lanner.plugins.flowparse import load_flow

        return load_flow(source)

    def create_flow(self, source: str) -> StoredFlow:
        flow = self._parse(source)
        if self._flows.get(flow.namespace, flow.id) is not None:
            raise FlowValidationError([Issue("flow.id", "Flow id already exists")], summary="Invalid flow")
        return self._flows.save(flow.namespace, flow.id, source, utc_now())

    def update_flow(self, namespace: str, flow_id: str, source: str) -> StoredFlow:
        flow = self._parse(source)
        if self._flows.get(namespace, flow_id) is None:
            raise NotFoundError(f"Flow {namespace}.{flow_id} not found")
        issues = []
        if flow.namespace != namespace:
            issues.append(Issue("flow.namespace", "Illegal namespace update"))
        if flow.id != flow_id:
            issues.append(Issue("flow.id", "Illegal flow id update"))
        if issues:
            raise FlowValidationError(issues, summary="Invalid flow")
        return self._flows.save(namespace, flow_id, source, utc_now())

    def deploy_flow(self, source: str) -> StoredFlow:
        flow = self._parse(source)
        return self._flows.save(flow.namespace, flow.id, source, utc_now())

    def get_flow(self, namespace: str, flow_id: str, revision: int | None = None,
                 allow_deleted: bool = False) -> StoredFlow:
        found: StoredFlow | None = self._flows.get(namespace, flow_id, revision)
        if found is None and allow_deleted and revision is None:
            revisions = self._flows.revisions(namespace, flow_id)
            found = revisions[-1] if revisions else None
        if found is None or (found.deleted and not allow_deleted and revision is None):
            raise NotFoundError(f"Flow {namespace}.{flow_id}"
                                + (f" revision {revision}" if revision else "") + " not found")
        return found

    def delete_flow(self, namespace: str, flow_id: str) -> None:
        if not self._flows.delete(namespace, flow_id, utc_now()):
            raise NotFoundError(f"Flow {namespace}.{flow_id} not found")

    def flow_revisions(self, namespace: str, flow_id: str) -> list[StoredFlow]:
        revisions: list[StoredFlow] = self._flows.revisions(namespace, flow_id)
        if not revisions:
            raise NotFoundError(f"Flow {namespace}.{flow_id} not found")
        return revisions

    def list_flows(self, namespace: str | None = None, text: str | None = None) -> list[StoredFlow]:
        return list(self._flows.list(namespace, text))

    def validate_flow(self, source: str, index: int = 0) -> FlowCheck:
        from lanner.model.loader import load_yaml
        from lanner.plugins.flowparse import parse_flow

        result = parse_flow(source)
        if result.flow is not None:
            return FlowCheck(index, result.flow.id, result.flow.namespace, tuple(result.issues))
        data = load_yaml(source).data
        raw = data if isinstance(data, Mapping) else {}
        flow_id, namespace = raw.get("id"), raw.get("namespace")
        return FlowCheck(index, str(flow_id) if flow_id is not None else None,
                         str(namespace) if namespace is not None else None, tuple(result.issues))

    # ---- executions --------------------------------------------------------------------------
    def _executable(self, namespace: str, flow_id: str, revision: int | None = None) -> Flow:
        try:
            flow = self.runtime.flows.get(namespace, flow_id, revision)
        except NotFoundError:
            raise NotFoundError("Requested Flow is not found.") from None
        if flow.disabled:
            raise ConflictError("Cannot execute a disabled flow")
        return flow

    def _store_uploads(self, flow: Flow, execution_id: str, files: Mapping[str, Upload]) -> dict[str, str]:
        """FILE inputs go where Kestra puts them: ``.../executions/<id>/inputs/<input>/<file>``."""
        from lanner.files.uris import input_file_uri

        declared = {str(getattr(i, "id", "")) for i in flow.inputs if getattr(i, "type", "") == "FILE"}
        uris = {}
        for name, upload in files.items():
            if name not in declared:
                continue  # as Kestra: parts that are not declared inputs are ignored
            uri = input_file_uri(flow.namespace, flow.id, execution_id, name, upload.filename)
            uris[name] = self.services.files.put_stream(uri, upload.stream)
        return uris

    def _masked_input_error(self, flow: Flow, exc: InputError) -> InputError:
        secrets = {f"inputs.{i.id}" for i in flow.inputs if getattr(i, "type", "") == "SECRET"}
        if not secrets:
            return exc
        issues = [replace(i, message=i.message.split(", but received")[0] + f", but received `{SECRET_MASK}`")
                  if i.path in secrets else i for i in exc.issues]
        return InputError(issues, summary="Invalid inputs")

    def _create(self, flow: Flow, inputs: Mapping[str, Any], labels: Sequence[tuple[str, str]],
                **kwargs: Any) -> Execution:
        try:
            return self.runtime.create_execution(flow, inputs, labels=labels, **kwargs)
        except InputError as exc:
            raise self._masked_input_error(flow, exc) from None

    def start_execution(self, namespace: str, flow_id: str, inputs: Mapping[str, Any],
                        files: Mapping[str, Upload], labels: Sequence[tuple[str, str]] = (),
                        revision: int | None = None, schedule_date: datetime | None = None) -> Execution:
        flow = self._executable(namespace, flow_id, revision)
        offending = [f"{k}={v}" for k, v in labels if k.startswith("system.") and k != "system.correlationId"]
        if offending:
            raise InputError([Issue("labels", "System labels can only be set by Kestra itself, offending "
                                    f"label: {offending[0]}")], summary="Invalid labels")
        from lanner.model.ids import new_id

        execution_id = new_id()
        submitted = {**inputs, **self._store_uploads(flow, execution_id, files)}
        return self._create(flow, submitted, labels, schedule_date=schedule_date, execution_id=execution_id)

    def webhook(self, namespace: str, flow_id: str, key: str, call: WebhookCall) -> WebhookResult:
        from lanner.scheduler.webhook import find_webhook, webhook_request

        try:
            flow = self.runtime.flows.get(namespace, flow_id)
        except NotFoundError:
            raise NotFoundError(f"Flow {namespace}.{flow_id} not found") from None
        found = find_webhook([flow], namespace, flow_id, key)  # ConflictError when disabled
        if found is None:
            raise NotFoundError(f"Webhook with key '{key}' not found in flow {namespace}.{flow_id}")
        hook = found[1]
        request = webhook_request(flow, hook, call.body, call.headers, call.parameters)
        if request is None:  # the trigger's conditions rejected this call
            return WebhookResult(None)
        execution = self._create(flow, request.inputs, request.labels, trigger=request.trigger,
                                 variables=request.variables)
        return WebhookResult(execution, bool(getattr(hook, "wait", False)),
                             bool(getattr(hook, "returnOutputs", False)))

    def get_execution(self, execution_id: str) -> Execution:
        found = self.runtime.get(execution_id)
        if found is None:
            raise NotFoundError(f"Execution {execution_id} not found")
        return found

    def _load_secret_ids(self, namespace: str, flow_id: str, revision: int) -> frozenset[str]:
        stored = self._flows.get(namespace, flow_id, revision)
        return _secret_ids_of(stored.source) if stored is not None else frozenset()

    def present(self, execution: Execution) -> dict[str, Any]:
        secrets = self._secret_ids(execution.namespace, execution.flow_id, execution.flow_revision)
        return mask_secret_inputs(execution.to_api(), secrets)

    def search_executions(self, query: ExecutionQuery) -> Page:
        return self.services.stores.executions.search(query)

    def kill(self, execution_id: str) -> None:
        execution = self.get_execution(execution_id)
        if not execution.is_settled:
            self.runtime.kill(execution_id)

    def _after_change(self, execution_id: str, action: Callable[[], None]) -> Execution:
        changed = threading.Event()
        stop = self._changes.add(lambda e: changed.set() if e.id == execution_id else None)
        try:
            action()
            changed.wait(RESTART_SETTLE_SECONDS)
        finally:
            stop()
        return self.get_execution(execution_id)

    def restart(self, execution_id: str) -> Execution:
        from lanner.engine.control import RESTARTABLE

        execution = self.get_execution(execution_id)
        state = execution.state.current
        if not (state.is_terminated or state is State.PAUSED) or state is State.RETRIED:
            raise ConflictError(f"Execution is {state.value}: only a terminated execution can be restarted")
        if not any(run.state.current in RESTARTABLE for run in execution.task_runs):
            raise ConflictError("No task found to restart execution from!")
        return self._after_change(execution_id, lambda: self.runtime.restart(execution_id))

    def replay(self, execution_id: str, task_run_id: str | None = None) -> Execution:
        """A new execution of the same flow revision with the same inputs, labels and trigger;
        from ``task_run_id``: the task runs before it are kept and it runs again (Kestra's replay)."""
        self.get_execution(execution_id)  # 404 when unknown
        return self.runtime.replay(execution_id, task_run_id)

    def resume(self, execution_id: str, inputs: Mapping[str, Any]) -> None:
        execution = self.get_execution(execution_id)
        if execution.state.current is not State.PAUSED:
            raise ConflictError(f"Execution is {execution.state.current.value}, not PAUSED: "
                                "it cannot be resumed")
        self.runtime.resume(execution_id, self._resume_inputs(execution, inputs))

    def _resume_inputs(self, execution: Execution, submitted: Mapping[str, Any]) -> dict[str, Any]:
        """The paused tasks' ``onResume`` inputs, typed and validated like a flow's inputs (an
        invalid or missing one: ``InputError``, HTTP 422, and the execution stays PAUSED)."""
        from lanner.engine.flowindex import index_of
        from lanner.model.inputs import parse_input, resolve_inputs

        tasks = index_of(self.runtime.flows.for_execution(execution)).tasks
        declared: dict[str, Any] = {}
        for run in execution.task_runs:
            if run.state.current is State.PAUSED:
                for item in getattr(tasks.get(run.task_id), "onResume", None) or []:
                    parsed = parse_input(item)
                    declared.setdefault(parsed.id, parsed)
        if not declared:
            return dict(submitted)
        return resolve_inputs(list(declared.values()), submitted)

    def delete_execution(self, execution_id: str, delete_logs: bool = True,
                         delete_storage: bool = True, delete_metrics: bool = True) -> None:
        from lanner.files.uris import execution_prefix

        execution = self.get_execution(execution_id)
        if not execution.is_settled:
            raise ConflictError(f"Execution is {execution.state.current.value}: kill it before deleting it")
        self.services.stores.executions.delete(execution_id)
        if delete_logs:
            self.services.stores.logs.delete_execution(execution_id)
        if delete_metrics:
            self.services.stores.metrics.delete_execution(execution_id)
        if delete_storage:
            self.services.files.delete_prefix(
                execution_prefix(execution.namespace, execution.flow_id, execution.id))

    def execution_file(self, execution_id: str, uri: str) -> tuple[BinaryIO, int]:
        from lanner.files.uris import canonical, execution_prefix, is_under

        execution = self.get_execution(execution_id)
        wanted = canonical(uri)
        own = is_under(wanted, execution_prefix(execution.namespace, execution.flow_id, execution.id))
        referenced = {canonical(u) for u in _referenced_uris(dict(execution.inputs))
                      if u.startswith("kestra:///")}
        if not own and wanted not in referenced:
            raise ValueError(f"The file '{uri}' does not belong to execution {execution_id}")
        files = self.services.files
        return files.open(wanted), files.size(wanted)

    def watch_executions(self, listener: Callable[[Execution], None]) -> Unsubscribe:
        return self._changes.add(listener)

    def watch_logs(self, listener: Callable[[LogEntry], None]) -> Unsubscribe:
        return self._logs.add(listener)

    # ---- logs, KV, namespace files -----------------------------------------------------------
    def logs(self, execution_id: str, min_level: str | None = None, task_run_id: str | None = None,
             task_id: str | None = None, after: int = 0) -> list[LogEntry]:
        return self.services.stores.logs.for_execution(execution_id, min_level, task_run_id, task_id, after)

    def search_logs(self, query: LogQuery) -> Page:
        return self.services.stores.logs.search(query)

    def metrics(self, query: MetricQuery) -> Page:
        self.get_execution(query.execution_id)  # 404 when unknown
        return self.services.stores.metrics.for_execution(query)

    def metric_names(self, namespace: str, flow_id: str, task_id: str | None = None) -> list[str]:
        return self.services.stores.metrics.names(namespace, flow_id, task_id)

    def metric_task_ids(self, namespace: str, flow_id: str) -> list[str]:
        return self.services.stores.metrics.task_ids(namespace, flow_id)

    def metric_aggregates(self, namespace: str, flow_id: str, name: str, aggregation: str,
                          start: datetime, end: datetime,
                          task_id: str | None = None) -> list[MetricAggregate]:
        return self.services.stores.metrics.aggregate(namespace, flow_id, name, aggregation, start, end,
                                                      task_id)

    def kv_entries(self, namespace: str) -> list[KVEntry]:
        return self.services.kv.entries(namespace)

    def kv_entry(self, namespace: str, key: str) -> KVEntry:
        try:
            return self.services.kv.entry(namespace, key)
        except KVExpiredError as exc:
            raise GoneError(str(exc)) from None

    def kv_set(self, namespace: str, key: str, value: Any, ttl: str | None = None,
               description: str | None = None) -> KVEntry:
        return self.services.kv.set(namespace, key, value, ttl=ttl, description=description)

    def kv_delete(self, namespace: str, key: str) -> bool:
        return self.services.kv.delete(namespace, key)

    @property
    def namespace_files(self) -> NamespaceFiles:
        return self._namespace_files

    # ---- triggers ----------------------------------------------------------------------------
    @property
    def _trigger_states(self) -> TriggerStore:
        return self.services.stores.triggers

    def _trigger(self, namespace: str, flow_id: str, trigger_id: str) -> tuple[Flow, Any, TriggerState]:
        try:
            flow = self.runtime.flows.get(namespace, flow_id)
        except NotFoundError:
            raise NotFoundError(f"Flow of trigger {trigger_id} not found") from None
        trigger = next((t for t in flow.triggers if t.id == trigger_id), None)
        if trigger is None:
            raise NotFoundError(f"Flow {flow_id} has no trigger {trigger_id}")
        state = self._trigger_states.get(namespace, flow_id, trigger_id) or \
            TriggerState(namespace, flow_id, trigger_id, disabled=bool(trigger.disabled))
        return flow, trigger, state

    def _view(self, trigger: Any, state: TriggerState) -> TriggerView:
        definition = trigger.model_dump(mode="json", by_alias=True, exclude_none=True)
        definition["type"] = getattr(type(trigger), "kestra_type", "") or definition.get("type")
        return TriggerView(state.namespace, state.flow_id, state.trigger_id, definition, state)

    def _put(self, trigger: Any, state: TriggerState) -> TriggerView:
        state = replace(state, updated=utc_now())
        self._trigger_states.put(state)
        return self._view(trigger, state)

    def triggers(self, namespace: str | None = None, flow_id: str | None = None) -> list[TriggerView]:
        views = []
        states = {(s.namespace, s.flow_id, s.trigger_id): s  # one query, not one per trigger
                  for s in self._trigger_states.list(namespace, flow_id)}
        for stored in self._flows.list(namespace):
            if flow_id is not None and stored.id != flow_id:
                continue
            try:
                flow = self.runtime.flows.get(stored.namespace, stored.id, stored.revision)
            except (FlowValidationError, NotFoundError):
                continue  # a flow that no longer parses (plugin removed) shows no trigger
            for trigger in flow.triggers:
                state = states.get((flow.namespace, flow.id, trigger.id)) or \
                    TriggerState(flow.namespace, flow.id, trigger.id, disabled=bool(trigger.disabled))
                views.append(self._view(trigger, state))
        return views

    def create_backfill(self, namespace: str, flow_id: str, trigger_id: str,
                        request: BackfillRequest) -> TriggerView:
        from lanner.scheduler import backfill

        flow, trigger, _ = self._trigger(namespace, flow_id, trigger_id)
        try:
            state = backfill.create_backfill(
                self._trigger_states, flow, trigger_id, start=request.start, end=request.end,
                inputs=request.inputs, labels=dict(request.labels), now=utc_now())
        except InputError as exc:  # not a Schedule, end before start: Kestra answers 400
            raise BadRequestError("; ".join(i.message for i in exc.issues)) from None
        return self._view(trigger, state)

    def _change_backfill(self, namespace: str, flow_id: str, trigger_id: str,
                         change: Callable[..., TriggerState]) -> TriggerView:
        _, trigger, _ = self._trigger(namespace, flow_id, trigger_id)
        try:
            state = change(self._trigger_states, namespace, flow_id, trigger_id, utc_now())
        except NotFoundError:
            raise BadRequestError("No backfill found") from None
        return self._view(trigger, state)

    def pause_backfill(self, namespace: str, flow_id: str, trigger_id: str, paused: bool) -> TriggerView:
        from lanner.scheduler import backfill

        change = backfill.pause_backfill if paused else backfill.unpause_backfill
        return self._change_backfill(namespace, flow_id, trigger_id, change)

    def delete_backfill(self, namespace: str, flow_id: str, trigger_id: str) -> TriggerView:
        from lanner.scheduler import backfill

        return self._change_backfill(namespace, flow_id, trigger_id, backfill.cancel_backfill)

    def set_trigger_disabled(self, namespace: str, flow_id: str, trigger_id: str,
                             disabled: bool) -> TriggerView | None:
        try:
            _, trigger, state = self._trigger(namespace, flow_id, trigger_id)
        except NotFoundError:
            return None
        if state.disabled == disabled and self._trigger_states.get(namespace, flow_id, trigger_id):
            return self._view(trigger, state)
        next_date = None if disabled else state.next_execution_date
        return self._put(trigger, replace(state, disabled=disabled, next_execution_date=next_date))

    # ---- plugins and server ------------------------------------------------------------------
    def plugins(self) -> list[PluginInfo]:
        from lanner.plugins import registry

        return [PluginInfo(name, registry.REGISTRY.kind(name) or "object", registry.is_deprecated(name))
                for name in registry.all_types()]

    def plugin_schema(self, type_name: str) -> dict[str, Any]:
        from lanner.plugins.schema import task_schema

        return task_schema(type_name)

    def configs(self) -> dict[str, Any]:
        from lanner import __version__

        url = self.services.settings.section("url")
        return {
            "version": __version__,
            "edition": "OSS",
            "commitId": None,
            "url": str(url) if url else None,
            "isBasicAuthEnabled": self.basic_auth_enabled,
            # The copilot needs a chat provider: `ai: {type: gemini|openai, ...}`.
            "isAiEnabled": bool(self.services.settings.section("ai", "type")),
            "isTaskRunEnabled": False,
            "isAnonymousUsageEnabled": False,
            "isUiAnonymousUsageEnabled": False,
            "systemNamespace": "system",
            "hiddenLabelsPrefixes": ["system."],
            "preview": {"initial": 100, "max": 5000},
            "server": "lanner",
        }

    # ---- AI copilot (optional port: lanner.api.ports.CopilotServices) ---------------------------
    def generate_flow(self, prompt: str, flow_yaml: str | None = None) -> FlowGeneration:
        from lanner.copilot.service import generate_from_config

        result = generate_from_config(self.services.settings.section("ai"), prompt, flow_yaml)
        return FlowGeneration(result.yaml, result.explanation, result.valid, result.issues, result.attempts,
                              result.retrieved, result.retrieval, result.diff)
