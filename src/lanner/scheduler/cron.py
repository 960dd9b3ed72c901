"""The ``trigger.*`` variables of a schedule tick. Cron math itself lives on the Schedule
trigger type (``lanner.tasks.triggers.schedule.Schedule.next_date/previous_date/fire_times``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class FireTimes(Protocol):
    def next_date(self, after: datetime) -> datetime: ...

    def previous_date(self, before: datetime) -> datetime: ...


def iso_in_zone(moment: datetime) -> str:
    """``2019-01-01T09:00:00Z`` for UTC, ``...+01:00`` elsewhere (Jackson ZonedDateTime)."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def schedule_variables(schedule: FireTimes, date: datetime) -> dict[str, str]:
    """``trigger.date/next/previous`` of the execution a schedule emits for ``date``."""
    return {
        "date": iso_in_zone(date),
        "next": iso_in_zone(schedule.next_date(date)),
        "previous": iso_in_zone(schedule.previous_date(date)),
    }
