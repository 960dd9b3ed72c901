"""Wires the scheduler room to the runtime: its launcher and flow source, and a thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from lanner.errors import LannerError
from lanner.expr.engine import Renderer
from lanner.model.execution import Execution, ExecutionTrigger
from lanner.model.flow import Flow
from lanner.model.state import State
from lanner.runtime.executor_loop import Runtime
from lanner.runtime.services import utc_now

_log = logging.getLogger("lanner.scheduler")


class RuntimeLauncher:
    """``scheduler.ports.ExecutionLauncher`` on top of the runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def create(self, flow: Flow, inputs: Mapping[str, Any], *, labels: Sequence[tuple[str, str]],
               trigger: ExecutionTrigger, variables: Mapping[str, Any],
               execution_id: str | None = None) -> Execution:
        return self.runtime.create_execution(flow, inputs, labels=labels, trigger=trigger,
                                             variables=variables, execution_id=execution_id)

    def state(self, execution_id: str) -> State | None:
        # From the store: a cluster gateway's ``get`` would also start watching the execution.
        found = self.runtime.services.stores.executions.get(execution_id)
        return found.state.current if found is not None else None


class RuntimeFlows:
    """``scheduler.ports.FlowSource``: the current revision of every stored flow."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def list_flows(self) -> list[Flow]:
        flows = []
        for stored in self.runtime.services.stores.flows.list():
            if stored.deleted:
                continue
            try:
                flows.append(self.runtime.flows.get(stored.namespace, stored.id, stored.revision))
            except LannerError as exc:  # a flow that no longer validates schedules nothing
                _log.warning("flow %s.%s skipped by the scheduler: %s", stored.namespace, stored.id, exc)
        return flows


class SchedulerThread:
    """The scheduler loop in a daemon thread; Flow triggers and stopAfter via ``on_end``."""

    def __init__(self, runtime: Runtime, interval: float = 1.0) -> None:
        from lanner.scheduler.loop import Scheduler

        services = runtime.services
        recover = services.settings.section("scheduler", "recover-missed-schedules") or "ALL"
        self.scheduler = Scheduler(RuntimeFlows(runtime), RuntimeLauncher(runtime),
                                   services.stores.triggers, utc_now, renderer=Renderer(),
                                   default_recover=str(recover))
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, name="lanner-scheduler", daemon=True)
        runtime.on_end(self._ended)

    def _ended(self, execution: Execution) -> None:
        try:
            self.scheduler.on_execution_ended(execution)
        except Exception:
            _log.exception("scheduler hook failed for %s", execution.id)

    def _run(self) -> None:
        self.scheduler.run(self._stop, interval=self._interval)

    def start(self) -> SchedulerThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
