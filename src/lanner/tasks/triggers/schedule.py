"""``io.kestra.plugin.core.trigger.Schedule``: create executions on a cron schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from lanner.plugins.api import Trigger

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def croniter_expression(cron: str, with_seconds: bool = False) -> str:
    """Kestra's cron (nicknames; seconds FIRST when ``withSeconds``) as croniter reads it
    (seconds LAST)."""
    text = cron.strip()
    text = NICKNAMES.get(text.lower(), text)
    fields = text.split()
    if with_seconds:
        if len(fields) != 6:
            raise ValueError(f"Invalid cron expression '{cron}': `withSeconds` needs 6 fields "
                             "(seconds minutes hours day-of-month month day-of-week)")
        fields = [*fields[1:], fields[0]]
    elif len(fields) != 5:
        raise ValueError(f"Invalid cron expression '{cron}': 5 fields expected (minutes hours day-of-month "
                         "month day-of-week), or a nickname such as @daily")
    from croniter import croniter

    expression = " ".join(fields)
    try:
        croniter(expression)
    except (ValueError, KeyError) as exc:
        raise ValueError(f"Invalid cron expression '{cron}': {exc}") from None
    return expression


class Schedule(Trigger):
    """Create an execution at each time matching `cron` (5 fields, or 6 with `withSeconds`; nicknames
    such as `@daily` allowed), evaluated in `timezone` (default UTC).

    In the created execution, `{{ trigger.date }}` is the scheduled time, `{{ trigger.next }}` and
    `{{ trigger.previous }}` the neighbouring ones (ISO-8601 strings). Executions of one schedule
    never overlap; `recoverMissedSchedules` decides what happens to times missed while Lanner was
    down (ALL, LAST or NONE).
    """

    kestra_type = "io.kestra.plugin.core.trigger.Schedule"
    aliases = ("io.kestra.core.models.triggers.types.Schedule",)
    examples = (
        """\
id: daily_report
namespace: company.team

inputs:
  - id: name
    type: STRING
    defaults: World

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }} at {{ trigger.date ?? execution.startDate }}"

triggers:
  - id: every_morning
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * 1-5"
    timezone: Europe/Paris
    inputs:
      name: team
""",
    )

    cron: str = Field(description="Cron expression (`min hour day month weekday`) or a nickname (@daily...).")
    withSeconds: bool = Field(default=False, description="The cron has 6 fields, seconds first.")
    timezone: str | None = Field(default=None, description="IANA time zone of the cron (default UTC).")
    scheduleConditions: list[dict[str, Any]] | None = Field(default=None, description="Deprecated: use "
                                                                                      "`conditions`.")
    lateMaximumDelay: str | None = Field(default=None, description="ISO-8601 duration: skip a schedule "
                                                                   "that would start later than this.")
    recoverMissedSchedules: Literal["ALL", "LAST", "NONE"] | None = Field(
        default=None, description="After downtime: replay ALL missed times, only the LAST, or NONE.")
    backfill: dict[str, Any] | None = Field(default=None, description="Deprecated: start backfills from "
                                                                      "the API/CLI.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"Unknown time zone '{value}' (use an IANA name such as Europe/Paris "
                                 "or UTC)") from None
        return value

    @field_validator("cron")
    @classmethod
    def _cron_syntax(cls, value: str) -> str:
        text = NICKNAMES.get(value.strip().lower(), value.strip())
        croniter_expression(text, with_seconds=len(text.split()) == 6)
        return value

    @model_validator(mode="after")
    def _cron_fields(self) -> Schedule:
        croniter_expression(self.cron, self.withSeconds)
        return self

    # ---- fire times (used by the scheduler) ---------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")

    def _iter(self, start: datetime) -> Any:
        from croniter import croniter

        return croniter(croniter_expression(self.cron, self.withSeconds), start.astimezone(self.zone))

    def next_date(self, after: datetime) -> datetime:
        """The first fire time strictly after ``after`` (aware datetime, in the trigger zone)."""
        result: datetime = self._iter(after).get_next(datetime)
        return result

    def previous_date(self, before: datetime) -> datetime:
        """The last fire time strictly before ``before``."""
        result: datetime = self._iter(before).get_prev(datetime)
        return result

    def fire_times(self, start: datetime, end: datetime, limit: int = 10_000) -> list[datetime]:
        """Every fire time ``t`` with ``start <= t <= end`` in order (backfills), at most ``limit``."""
        times: list[datetime] = []
        current = self.next_date(start - timedelta(seconds=1))
        while current <= end and len(times) < limit:
            times.append(current)
            current = self.next_date(current)
        return times
