"""The ``trigger.*`` variables of a schedule tick, and fire-time helpers. Cron math itself lives on
the Schedule trigger type (``lanner.tasks.triggers.schedule.Schedule.next_date/previous_date``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from pydantic import TypeAdapter

SCHEDULE_TYPE = "io.kestra.plugin.core.trigger.Schedule"
FLOW_TRIGGER_TYPE = "io.kestra.plugin.core.trigger.Flow"
WEBHOOK_TYPE = "io.kestra.plugin.core.trigger.Webhook"
_TICK = timedelta(microseconds=1)


class FireTimes(Protocol):
    def next_date(self, after: datetime) -> datetime: ...

    def previous_date(self, before: datetime) -> datetime: ...


def trigger_kind(trigger: Any) -> str:
    """The canonical Kestra type of a trigger object (aliases resolved by its class)."""
    return str(getattr(type(trigger), "kestra_type", "") or getattr(trigger, "type", ""))


def is_schedule(trigger: Any) -> bool:
    return trigger_kind(trigger) == SCHEDULE_TYPE


def at_or_after(schedule: FireTimes, moment: datetime) -> datetime:
    """The first fire time ``t >= moment``."""
    return schedule.next_date(moment - _TICK)


def at_or_before(schedule: FireTimes, moment: datetime) -> datetime:
    """The last fire time ``t <= moment``."""
    return schedule.previous_date(moment + _TICK)


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


@lru_cache(maxsize=256)
def parse_duration(text: str | None) -> timedelta | None:
    """An ISO-8601 duration of a trigger property (``PT1H``), or None when unset."""
    if not text:
        return None
    parsed: timedelta = TypeAdapter(timedelta).validate_python(text)
    return parsed
