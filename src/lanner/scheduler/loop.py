"""The scheduler: every second, each enabled Schedule trigger of each enabled flow may emit one
execution (kestra-reference §4.1).

- A new trigger starts at its first fire time after now (no catch-up for a brand-new trigger).
- A trigger is locked while the last execution it emitted is not terminated: runs of one trigger
  never overlap, backfills included, and a backlog after downtime drains one execution at a time
  (never a catch-up storm). ``stopAfter`` disables the trigger when that execution ends in one of
  its states.
- N schedulers may share one trigger store without a leader: an execution is created only after
  ``TriggerStore.claim_tick(flow, trigger, date)`` succeeded, and other state changes are written
  only when the stored state is still the one the decision was based on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from lanner.errors import LannerError
from lanner.expr.engine import Renderer
from lanner.model.execution import Execution
from lanner.model.flow import Flow
from lanner.model.ids import new_id
from lanner.scheduler.backfill import claim_trigger_id, scan_backfill
from lanner.scheduler.conditions import ConditionEvaluator
from lanner.scheduler.cron import is_schedule, parse_duration
from lanner.scheduler.flow_trigger import FlowTriggers
from lanner.scheduler.launch import flow_variables, schedule_request
from lanner.scheduler.ports import Clock, ExecutionLauncher, FlowSource, LaunchRequest
from lanner.scheduler.ticks import RECOVER_POLICIES, ScheduleDates, plan_tick
from lanner.store.ports import TriggerState, TriggerStore

log = logging.getLogger("lanner.scheduler")

Advance = Callable[[TriggerState, str | None], TriggerState]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        flows: FlowSource,
        launcher: ExecutionLauncher,
        triggers: TriggerStore,
        clock: Clock = utc_now,
        *,
        renderer: Renderer | None = None,
        default_recover: str = "ALL",
        claim_grace: timedelta = timedelta(seconds=60),
    ) -> None:
        if default_recover not in RECOVER_POLICIES:
            raise ValueError(f"recoverMissedSchedules must be one of {RECOVER_POLICIES}")
        self.flows = flows
        self.launcher = launcher
        self.triggers = triggers
        self.clock = clock
        self.renderer = renderer or Renderer()
        self.evaluator = ConditionEvaluator(self.renderer)
        self.flow_triggers = FlowTriggers(self.evaluator, self.renderer)
        self.default_recover = default_recover
        self.claim_grace = claim_grace
        # (namespace, flow, claim id, date) -> when this scheduler first lost that claim
        self._lost_claims: dict[tuple[str, str, str, datetime], datetime] = {}

    # ---- public ----------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> list[Execution]:
        """Evaluate every Schedule trigger once; the executions created, in order."""
        now = now or self.clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)  # naive times are UTC, as everywhere in Lanner
        created: list[Execution] = []
        for flow in self.flows.list_flows():
            if flow.disabled or flow.deleted:
                continue
            for trigger in flow.triggers:
                if not is_schedule(trigger) or trigger.disabled:
                    continue
                try:
                    execution = self._evaluate(flow, trigger, now)
                except Exception:  # one broken trigger must not stop the others
                    log.exception("Schedule trigger '%s' of %s.%s failed", trigger.id, flow.namespace,
                                  flow.id)
                    continue
                if execution is not None:
                    created.append(execution)
        self._forget_old_claims(now)
        return created

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set (for a thread)."""
        while not stop.is_set():
            try:
                self.tick(self.clock())
            except Exception:
                log.exception("scheduler tick failed")
            stop.wait(interval)

    def on_execution_ended(self, execution: Execution) -> list[Execution]:
        """Apply ``stopAfter`` of the trigger that created ``execution`` and start the executions
        of the Flow triggers it satisfies. The runtime calls this once per ended execution."""
        now = self.clock()
        flows = self.flows.list_flows()
        self._stop_after(execution, flows, now)
        requests = self.flow_triggers.requests(execution, flows, now=now, is_disabled=self._state_disabled)
        return [e for e in (self._launch(r, None) for r in requests) if e is not None]

    # ---- one Schedule trigger --------------------------------------------------------------
    def _evaluate(self, flow: Flow, schedule: Any, now: datetime) -> Execution | None:
        stored = self.triggers.get(flow.namespace, flow.id, schedule.id)
        dates = ScheduleDates(schedule, flow_variables(flow), self.evaluator)
        if stored is None:
            self.triggers.put(TriggerState(flow.namespace, flow.id, schedule.id,
                                           next_execution_date=dates.first_after(now), updated=now))
            return None
        if stored.disabled:
            return None
        state = stored
        if state.execution_id is not None:
            current = self.launcher.state(state.execution_id)
            if current is not None and not current.is_terminated:
                return None  # locked: the previous execution of this trigger is still running
            if current is not None and current.value in (schedule.stopAfter or ()):
                self._disable(flow.namespace, flow.id, schedule.id, state.execution_id, now)
                return None
            state = replace(state, execution_id=None)  # written with the next change
        if state.backfill is not None:
            return self._backfill_tick(flow, schedule, dates, stored, state, now)
        if state.next_execution_date is None:
            self._save_if_unchanged(stored, replace(state, next_execution_date=dates.first_after(now),
                                                    updated=now))
            return None
        plan = plan_tick(dates, state.next_execution_date, now,
                         schedule.recoverMissedSchedules or self.default_recover,
                         parse_duration(schedule.lateMaximumDelay))
        date, following = plan.emit, plan.next_date
        if date is None:
            if following is not None and following != state.next_execution_date:
                self._save_if_unchanged(stored, replace(state, next_execution_date=following, updated=now))
            return None

        def advance(fresh: TriggerState, execution_id: str | None) -> TriggerState:
            return replace(fresh, next_execution_date=following, last_date=date, execution_id=execution_id,
                           updated=now)
        return self._emit(stored, schedule.id, date, now, advance,
                          lambda: schedule_request(flow, schedule, dates, date, self.renderer))

    def _backfill_tick(self, flow: Flow, schedule: Any, dates: ScheduleDates, stored: TriggerState,
                       state: TriggerState, now: datetime) -> Execution | None:
        backfill = state.backfill
        assert backfill is not None
        if backfill.paused:
            return None
        date, cursor = scan_backfill(dates, backfill.current_date, backfill.end)
        if date is None:
            done = cursor > backfill.end
            self._save_if_unchanged(stored, replace(
                state, backfill=None if done else replace(backfill, current_date=cursor), updated=now))
            return None
        if date > now:
            return None  # a backfill reaching into the future waits for its dates
        claim_id = claim_trigger_id(schedule.id, backfill)
        following = dates.next(date)

        def advance(fresh: TriggerState, execution_id: str | None) -> TriggerState:
            current = fresh.backfill
            if current is None or claim_trigger_id(schedule.id, current) != claim_id:
                return replace(fresh, execution_id=execution_id, updated=now)  # cancelled meanwhile
            progressed = replace(current, current_date=following, done=current.done + 1)
            return replace(fresh, backfill=None if following > current.end else progressed, last_date=date,
                           execution_id=execution_id, updated=now)
        return self._emit(stored, claim_id, date, now, advance,
                          lambda: schedule_request(flow, schedule, dates, date, self.renderer, backfill))

    # ---- writing ---------------------------------------------------------------------------
    def _emit(self, stored: TriggerState, claim_id: str, date: datetime, now: datetime, advance: Advance,
              build: Callable[[], LaunchRequest]) -> Execution | None:
        """Claim ``date``, create its execution, then move the trigger on (and lock it)."""
        key = (stored.namespace, stored.flow_id, claim_id, date)
        execution_id = new_id()
        if not self.triggers.claim_tick(stored.namespace, stored.flow_id, claim_id, date, execution_id):
            first_lost = self._lost_claims.setdefault(key, now)
            if now - first_lost >= self.claim_grace:
                # The winner stopped between its claim and its save: move on without it.
                log.warning("trigger '%s' of %s.%s: tick %s was claimed but never recorded; skipping it",
                            stored.trigger_id, stored.namespace, stored.flow_id, date.isoformat())
                self._save_if_unchanged(stored, advance(stored, None))
                self._lost_claims.pop(key, None)
            return None
        self._lost_claims.pop(key, None)
        execution = None
        try:
            try:
                request = build()
            except LannerError as exc:  # e.g. an input expression that does not render
                log.warning("trigger '%s' of %s.%s: no execution for %s: %s", stored.trigger_id,
                            stored.namespace, stored.flow_id, date.isoformat(), exc)
            else:
                execution = self._launch(request, execution_id)
        finally:
            fresh = self.triggers.get(stored.namespace, stored.flow_id, stored.trigger_id) or stored
            self.triggers.put(advance(fresh, execution.id if execution is not None else None))
        return execution

    def _launch(self, request: LaunchRequest, execution_id: str | None) -> Execution | None:
        try:
            return request.launch(self.launcher, execution_id)
        except LannerError as exc:
            # Kestra records a FAILED execution; here the tick is consumed and the reason logged.
            log.warning("trigger '%s' of %s.%s created no execution: %s", request.trigger.id,
                        request.flow.namespace, request.flow.id, exc)
            return None

    def _save_if_unchanged(self, stored: TriggerState, updated: TriggerState) -> None:
        """Write unless someone (another scheduler, the API) changed the state since it was read."""
        if self.triggers.get(stored.namespace, stored.flow_id, stored.trigger_id) == stored:
            self.triggers.put(updated)

    def _disable(self, namespace: str, flow_id: str, trigger_id: str, execution_id: str,
                 now: datetime) -> None:
        fresh = (self.triggers.get(namespace, flow_id, trigger_id)
                 or TriggerState(namespace, flow_id, trigger_id))
        lock = None if fresh.execution_id == execution_id else fresh.execution_id
        self.triggers.put(replace(fresh, disabled=True, execution_id=lock, updated=now))
        log.info("trigger '%s' of %s.%s disabled by stopAfter (execution %s)", trigger_id, namespace,
                 flow_id, execution_id)

    def _stop_after(self, execution: Execution, flows: list[Flow], now: datetime) -> None:
        if execution.trigger is None or not execution.state.current.is_terminated:
            return
        for flow in flows:
            if (flow.namespace, flow.id) != (execution.namespace, execution.flow_id):
                continue
            for trigger in flow.triggers:
                stop_states = trigger.stopAfter or ()
                if trigger.id == execution.trigger.id and execution.state.current.value in stop_states:
                    state = self.triggers.get(flow.namespace, flow.id, trigger.id)
                    if state is None or not state.disabled:
                        self._disable(flow.namespace, flow.id, trigger.id, execution.id, now)

    def _state_disabled(self, namespace: str, flow_id: str, trigger_id: str) -> bool:
        state = self.triggers.get(namespace, flow_id, trigger_id)
        return state is not None and state.disabled

    def _forget_old_claims(self, now: datetime) -> None:
        horizon = now - 10 * self.claim_grace
        for key in [k for k, first in self._lost_claims.items() if first < horizon]:
            del self._lost_claims[key]


__all__ = ["Scheduler", "utc_now"]
