"""Which fire time of a Schedule to emit now: pure decisions, no store, no clock.

Kestra rules (kestra-reference §4.1): a trigger's cursor ``next_execution_date`` is emitted once
``now`` reaches it. When several fire times are due at once the scheduler was down (or the
trigger was locked by a long execution) and ``recoverMissedSchedules`` decides: ALL replays them
one by one, oldest first; LAST keeps only the most recent; NONE skips to the next future time.
``lateMaximumDelay`` skips ticks older than ``date + delay``; ``conditions`` skip dates that do
not match. Kestra applies the recovery policy when its scheduler starts; Lanner has no leader
and no per-process memory, so it applies it whenever more than one fire time is due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from lanner.scheduler.conditions import ConditionContext, ConditionEvaluator, schedule_conditions
from lanner.scheduler.cron import FireTimes, at_or_after, at_or_before, iso_in_zone

# Fire times examined per decision when conditions reject dates (a Weekend condition on a
# minutely cron skips 7 200 dates a week): the cursor moves on and the next tick continues.
SEARCH_LIMIT = 10_000
RECOVER_POLICIES = ("ALL", "LAST", "NONE")


@dataclass(frozen=True, slots=True)
class Plan:
    emit: datetime | None = None  # the fire time to emit now
    next_date: datetime | None = None  # the new cursor (None: unchanged)


class ScheduleDates:
    """A Schedule trigger's fire times seen through its conditions."""

    def __init__(self, schedule: Any, flow_variables: Mapping[str, Any], evaluator: ConditionEvaluator):
        self.schedule: FireTimes = schedule
        self.zone: tzinfo = schedule.zone
        self.conditions = schedule_conditions(schedule)
        self.flow_variables = flow_variables
        self.evaluator = evaluator

    # Dates are handled in UTC and shown in the trigger zone: two local times of the same zone
    # compare by wall clock in Python (the two 02:00 of a night when clocks go back are "equal").
    def in_zone(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def next(self, moment: datetime) -> datetime:
        """The next cron time strictly after ``moment`` (conditions ignored)."""
        return self.schedule.next_date(moment).astimezone(UTC)

    def previous(self, moment: datetime) -> datetime:
        """The last cron time strictly before ``moment`` (conditions ignored)."""
        return self.schedule.previous_date(moment).astimezone(UTC)

    def at_or_after(self, moment: datetime) -> datetime:
        return at_or_after(self.schedule, moment).astimezone(UTC)

    def at_or_before(self, moment: datetime) -> datetime:
        return at_or_before(self.schedule, moment).astimezone(UTC)

    def accepts(self, date: datetime) -> bool:
        if not self.conditions:
            return True
        variables = self._cron_variables(date)
        ctx = ConditionContext({"flow": self.flow_variables, "trigger": variables, "schedule": variables},
                               date=self.in_zone(date))
        return self.evaluator.all_match(self.conditions, ctx)

    def first_after(self, moment: datetime) -> datetime:
        """The first accepted fire time after ``moment`` (the plain next one if none is found)."""
        candidate = self.next(moment)
        plain = candidate
        for _ in range(SEARCH_LIMIT):
            if self.accepts(candidate):
                return candidate
            candidate = self.next(candidate)
        return plain

    def last_before(self, moment: datetime) -> datetime:
        """The last accepted fire time strictly before ``moment`` (the plain one if none found)."""
        candidate = self.previous(moment)
        plain = candidate
        for _ in range(SEARCH_LIMIT):
            if self.accepts(candidate):
                return candidate
            candidate = self.previous(candidate)
        return plain

    def variables(self, date: datetime) -> dict[str, str]:
        """``trigger.date/next/previous``; with conditions, next/previous are accepted dates."""
        if not self.conditions:
            return self._cron_variables(date)
        return {"date": self._show(date), "next": self._show(self.first_after(date)),
                "previous": self._show(self.last_before(date))}

    def _cron_variables(self, date: datetime) -> dict[str, str]:
        return {"date": self._show(date), "next": self._show(self.next(date)),
                "previous": self._show(self.previous(date))}

    def _show(self, moment: datetime) -> str:
        return iso_in_zone(self.in_zone(moment))


def plan_tick(dates: ScheduleDates, due: datetime, now: datetime, policy: str,
              late_delay: timedelta | None) -> Plan:
    """What to do with a cursor ``due`` at ``now``: emit a date, move the cursor, or nothing."""
    if due > now:
        return Plan()
    start = due.astimezone(UTC)
    if dates.next(start) <= now:  # more than one fire time is due: some were missed
        if policy == "NONE":
            return Plan(next_date=dates.first_after(now))
        if policy == "LAST":
            latest = _latest_accepted(dates, start, now)
            if latest is None:
                return Plan(next_date=dates.first_after(now))
            start = latest
    if late_delay is not None and start + late_delay < now:
        start = dates.at_or_after(now - late_delay)
    candidate = start
    for _ in range(SEARCH_LIMIT):
        if candidate > now:
            return Plan(next_date=candidate)
        if dates.accepts(candidate):
            return Plan(emit=candidate, next_date=dates.next(candidate))
        candidate = dates.next(candidate)
    return Plan(next_date=candidate)


def _latest_accepted(dates: ScheduleDates, oldest: datetime, now: datetime) -> datetime | None:
    candidate = dates.at_or_before(now)
    for _ in range(SEARCH_LIMIT):
        if candidate < oldest:
            return None
        if dates.accepts(candidate):
            return candidate
        candidate = dates.previous(candidate)
    return None
