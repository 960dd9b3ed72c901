"""Flows as the runtime sees them: parsed once per revision, stored in the flow store."""

from __future__ import annotations

import threading

from lanner.errors import NotFoundError
from lanner.model.execution import Execution
from lanner.model.flow import Flow
from lanner.runtime.services import Services, utc_now


class FlowCache:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._parsed: dict[tuple[str, str, int], Flow] = {}
        self._lock = threading.Lock()
        self._shares: dict[tuple[str, str, int], bool] = {}

    def deploy(self, source: str, file: str | None = None) -> Flow:
        """Validate (raises ``FlowValidationError``), then create or revise the stored flow."""
        from lanner.plugins.flowparse import load_flow

        flow = load_flow(source, file)
        stored = self._services.stores.flows.save(flow.namespace, flow.id, source, utc_now())
        flow = flow.model_copy(update={"revision": stored.revision, "source": source})
        with self._lock:
            self._parsed[(flow.namespace, flow.id, stored.revision)] = flow
        return flow

    def get(self, namespace: str, flow_id: str, revision: int | None = None) -> Flow:
        if revision is not None:
            with self._lock:
                cached = self._parsed.get((namespace, flow_id, revision))
            if cached is not None:
                return cached
        stored = self._services.stores.flows.get(namespace, flow_id, revision)
        if stored is None or stored.deleted:
            raise NotFoundError(f"Requested Flow is not found: {namespace}.{flow_id}"
                                + (f" revision {revision}" if revision else ""))
        key = (namespace, flow_id, stored.revision)
        with self._lock:
            cached = self._parsed.get(key)
        if cached is not None:
            return cached
        from lanner.plugins.flowparse import load_flow

        flow = load_flow(stored.source, f"{namespace}.{flow_id}").model_copy(
            update={"revision": stored.revision, "source": stored.source})
        with self._lock:
            self._parsed[key] = flow
        return flow

    def shares_directories(self, flow: Flow) -> bool:
        """Whether the flow has a WorkingDirectory (whose directory the runtime must clean)."""
        key = (flow.namespace, flow.id, flow.revision)
        cached = self._shares.get(key)
        if cached is None:
            from lanner.plugins.api import FlowableTask, walk_tasks

            everything = [*flow.tasks, *flow.errors, *flow.finally_, *flow.after_execution]
            cached = any(isinstance(t, FlowableTask) and t.kestra_type.endswith(".WorkingDirectory")
                         for t in walk_tasks(everything))
            self._shares[key] = cached
        return cached

    def for_execution(self, execution: Execution) -> Flow:
        return self.get(execution.namespace, execution.flow_id, execution.flow_revision)
