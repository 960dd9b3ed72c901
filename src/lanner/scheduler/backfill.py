"""Backfills of Schedule triggers (kestra-reference §4.1, Kestra ``Trigger.initBackfill``).

A backfill replays every fire time ``start <= t <= end`` in date order, one execution at a time
(the trigger lock: the next one is emitted only after the previous one ended), with the trigger's
inputs overlaid by the backfill's and the backfill's labels added. Kestra adds no label of its own.
While it runs the normal schedule waits; once done the backfill is removed and the schedule goes on
from its own cursor (missed dates then follow ``recoverMissedSchedules``). The enumeration itself
runs in ``Scheduler.tick``; this module creates, pauses, resumes, cancels and previews.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from lanner.errors import ConflictError, InputError, Issue, NotFoundError
from lanner.model.flow import Flow
from lanner.scheduler.conditions import ConditionEvaluator, label_pairs
from lanner.scheduler.cron import is_schedule
from lanner.scheduler.launch import flow_variables
from lanner.scheduler.ticks import SEARCH_LIMIT, ScheduleDates
from lanner.store.ports import Backfill, TriggerState, TriggerStore

# Fire times counted for ``total`` when a backfill is created (a minutely cron over a year has
# 525 600: counting stops here and ``total`` says "at least").
MAX_COUNTED = 100_000


def dry_run(schedule: Any, start: datetime, end: datetime, *, limit: int = MAX_COUNTED,
            evaluator: ConditionEvaluator | None = None, flow: Flow | None = None) -> list[datetime]:
    """The dates a backfill of ``schedule`` over ``[start, end]`` would emit, in order."""
    dates = ScheduleDates(schedule, flow_variables(flow) if flow else {}, evaluator or ConditionEvaluator())
    return list(islice(backfill_dates(dates, _aware(start), _aware(end)), limit))


def backfill_dates(dates: ScheduleDates, start: datetime, end: datetime) -> Iterator[datetime]:
    """Accepted fire times ``start <= t <= end`` in order."""
    candidate = dates.at_or_after(start)
    while candidate <= end:
        if dates.accepts(candidate):
            yield candidate
        candidate = dates.next(candidate)


def scan_backfill(dates: ScheduleDates, current: datetime, end: datetime) -> tuple[datetime | None, datetime]:
    """``(date to emit, cursor)`` from ``current``: no date and a cursor after ``end`` means the
    backfill is over; no date and a cursor before it means conditions rejected too many dates in
    one go (the next tick resumes from the cursor)."""
    candidate = dates.at_or_after(current)
    for _ in range(SEARCH_LIMIT):
        if candidate > end:
            return None, candidate
        if dates.accepts(candidate):
            return candidate, candidate
        candidate = dates.next(candidate)
    return None, candidate


def claim_trigger_id(trigger_id: str, backfill: Backfill) -> str:
    """The key backfill ticks are claimed under: a date already run by the schedule (or by an
    earlier backfill) is replayed, as in Kestra, yet N schedulers still emit it once."""
    created = backfill.created or backfill.start
    return f"{trigger_id}@backfill:{created.astimezone(UTC).isoformat()}"


def create_backfill(
    triggers: TriggerStore,
    flow: Flow,
    trigger_id: str,
    *,
    start: datetime,
    end: datetime | None = None,
    inputs: Mapping[str, Any] | None = None,
    labels: Any = None,
    now: datetime,
    evaluator: ConditionEvaluator | None = None,
) -> TriggerState:
    """Start a backfill (``end`` None: now). Refused while the flow or trigger is disabled or
    another backfill of the trigger is in progress."""
    schedule = _schedule(flow, trigger_id)
    start, end = _aware(start), _aware(end or now)
    if start > end:
        raise InputError([Issue("backfill.start", f"the start ({start.isoformat()}) is after the end "
                                                  f"({end.isoformat()})")])
    state = triggers.get(flow.namespace, flow.id, trigger_id)
    if flow.disabled or schedule.disabled or (state is not None and state.disabled):
        raise ConflictError(f"Trigger '{trigger_id}' of {flow.namespace}.{flow.id} is disabled: "
                            "enable it before starting a backfill")
    if state is not None and state.backfill is not None:
        raise ConflictError(f"Trigger '{trigger_id}' of {flow.namespace}.{flow.id} already has a backfill "
                            "in progress: cancel it first")
    if state is None:
        dates = ScheduleDates(schedule, flow_variables(flow), evaluator or ConditionEvaluator())
        state = TriggerState(flow.namespace, flow.id, trigger_id, next_execution_date=dates.first_after(now))
    total = len(dry_run(schedule, start, end, evaluator=evaluator, flow=flow))
    backfill = Backfill(start=start, end=end, current_date=start, inputs=dict(inputs or {}),
                        labels=tuple(label_pairs(labels)), total=total, created=now)
    updated = replace(state, backfill=backfill, updated=now)
    triggers.put(updated)
    return updated


def pause_backfill(triggers: TriggerStore, namespace: str, flow_id: str, trigger_id: str,
                   now: datetime) -> TriggerState:
    return _change(triggers, namespace, flow_id, trigger_id, now, paused=True)


def unpause_backfill(triggers: TriggerStore, namespace: str, flow_id: str, trigger_id: str,
                     now: datetime) -> TriggerState:
    return _change(triggers, namespace, flow_id, trigger_id, now, paused=False)


def cancel_backfill(triggers: TriggerStore, namespace: str, flow_id: str, trigger_id: str,
                    now: datetime) -> TriggerState:
    """Drop the backfill: dates not emitted yet are not; the running execution keeps running
    (and keeps the trigger locked until it ends)."""
    state = _with_backfill(triggers, namespace, flow_id, trigger_id)
    updated = replace(state, backfill=None, updated=now)
    triggers.put(updated)
    return updated


def _change(triggers: TriggerStore, namespace: str, flow_id: str, trigger_id: str, now: datetime,
            *, paused: bool) -> TriggerState:
    state = _with_backfill(triggers, namespace, flow_id, trigger_id)
    assert state.backfill is not None
    updated = replace(state, backfill=replace(state.backfill, paused=paused), updated=now)
    triggers.put(updated)
    return updated


def _with_backfill(triggers: TriggerStore, namespace: str, flow_id: str, trigger_id: str) -> TriggerState:
    state = triggers.get(namespace, flow_id, trigger_id)
    if state is None or state.backfill is None:
        raise NotFoundError(f"Trigger '{trigger_id}' of {namespace}.{flow_id} has no backfill in progress")
    return state


def _schedule(flow: Flow, trigger_id: str) -> Any:
    for trigger in flow.triggers:
        if getattr(trigger, "id", None) == trigger_id:
            if not is_schedule(trigger):
                raise InputError([Issue("triggerId", f"trigger '{trigger_id}' is not a Schedule: only "
                                                     "schedules can be backfilled")])
            return trigger
    raise NotFoundError(f"Flow {flow.namespace}.{flow.id} has no trigger '{trigger_id}'")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
