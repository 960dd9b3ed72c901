"""Cron math for Schedule triggers (croniter), and the ``trigger.*`` variables of a tick."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lanner.errors import FlowValidationError, Issue

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class Cron:
    """A cron expression in a time zone. ``with_seconds``: 6 fields, seconds first."""

    def __init__(self, expression: str, timezone: str | None = None, with_seconds: bool = False) -> None:
        from croniter import croniter

        text = NICKNAMES.get(expression.strip(), expression.strip())
        self.expression = text
        self.zone = ZoneInfo(timezone or "UTC")
        self.with_seconds = with_seconds
        if with_seconds:
            # croniter puts seconds LAST; Kestra (cron-utils/Quartz style) puts them first.
            fields = text.split()
            if len(fields) == 6:
                text = " ".join([*fields[1:], fields[0]])
        if not croniter.is_valid(text):
            raise FlowValidationError([Issue("cron", f"Invalid cron expression '{expression}'")])
        self._text = text

    def _iter(self, start: datetime) -> Any:
        from croniter import croniter

        return croniter(self._text, start.astimezone(self.zone))

    def next_after(self, moment: datetime) -> datetime:
        """First fire time strictly after ``moment``."""
        return self._iter(moment).get_next(datetime)  # type: ignore[no-any-return]

    def first_at_or_after(self, moment: datetime) -> datetime:
        return self.next_after(moment - timedelta(seconds=1))

    def previous_before(self, moment: datetime) -> datetime:
        """Last fire time strictly before ``moment``."""
        return self._iter(moment).get_prev(datetime)  # type: ignore[no-any-return]


def iso_in_zone(moment: datetime) -> str:
    """``2019-01-01T09:00:00Z`` for UTC, ``...+01:00`` elsewhere (Jackson ZonedDateTime)."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def schedule_variables(cron: Cron, date: datetime) -> dict[str, str]:
    """``trigger.date/next/previous`` of the execution a schedule emits for ``date``."""
    return {
        "date": iso_in_zone(date),
        "next": iso_in_zone(cron.next_after(date)),
        "previous": iso_in_zone(cron.previous_before(date)),
    }
