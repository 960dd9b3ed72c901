"""Trigger conditions (``io.kestra.plugin.core.condition.*``), evaluated on raw condition maps.

Schedule triggers evaluate the date conditions (and Not/Or/Expression) with ``trigger.date``;
Flow and Webhook triggers evaluate everything, execution conditions against the upstream
execution. Semantics follow Kestra's classes: DateTimeBetween is inclusive, TimeBetween strict,
Not passes when none of its conditions does, Or when any does.

A condition type Lanner does not implement never matches (a warning is logged once), so a
trigger never fires because a guard was silently ignored; ``unsupported_conditions`` lets the
validator report them beforehand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, time, timedelta
from typing import Any

from lanner.errors import LannerError
from lanner.expr.engine import Renderer
from lanner.model.execution import Execution

log = logging.getLogger("lanner.scheduler")

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_LEGACY_NAMES = {"Variable": "Expression"}
SCHEDULE_CONDITIONS = frozenset(
    {"DayWeek", "DayWeekInMonth", "Weekend", "TimeBetween", "DateTimeBetween", "Not", "Or", "Expression"})
EXECUTION_CONDITIONS = frozenset(
    {"ExecutionFlow", "ExecutionStatus", "ExecutionNamespace", "ExecutionLabels", "ExecutionOutputs"})
SUPPORTED_CONDITIONS = SCHEDULE_CONDITIONS | EXECUTION_CONDITIONS


@dataclass(frozen=True, slots=True)
class ConditionContext:
    variables: Mapping[str, Any]  # what expressions see: trigger, flow...
    date: datetime | None = None  # the tick of a schedule: the default `date` of date conditions
    execution: Execution | None = None  # the upstream execution (Flow trigger)


def condition_name(raw: Mapping[str, Any]) -> str:
    """``io.kestra.core.models.conditions.types.DayWeekCondition`` -> ``DayWeek``."""
    name = str(raw.get("type", "")).rsplit(".", 1)[-1]
    if name.endswith("Condition") and name != "Condition":
        name = name[: -len("Condition")]
    return _LEGACY_NAMES.get(name, name)


def unsupported_conditions(conditions: Iterable[Mapping[str, Any]]) -> list[str]:
    """Types (as written) Lanner cannot evaluate, nested Not/Or included."""
    found: list[str] = []
    for raw in conditions:
        name = condition_name(raw)
        if name not in SUPPORTED_CONDITIONS:
            found.append(str(raw.get("type")))
        elif name in ("Not", "Or"):
            found.extend(unsupported_conditions(raw.get("conditions") or ()))
    return found


def schedule_conditions(trigger: Any) -> list[Mapping[str, Any]]:
    """The conditions a Schedule applies to its dates (``scheduleConditions`` is the legacy name)."""
    raw = [*(getattr(trigger, "conditions", None) or ()),
           *(getattr(trigger, "scheduleConditions", None) or ())]
    return [c for c in raw if condition_name(c) not in EXECUTION_CONDITIONS]


class ConditionEvaluator:
    def __init__(self, renderer: Renderer | None = None) -> None:
        self.renderer = renderer or Renderer()
        self._warned: set[str] = set()  # each problem is logged once per evaluator
        self._checks: dict[str, Callable[[Mapping[str, Any], ConditionContext], bool]] = {
            "DayWeek": self._day_week,
            "DayWeekInMonth": self._day_week_in_month,
            "Weekend": lambda raw, ctx: self._date(raw, ctx).weekday() >= 5,
            "TimeBetween": self._time_between,
            "DateTimeBetween": self._date_time_between,
            "Not": lambda raw, ctx: not any(self.matches(c, ctx) for c in raw.get("conditions") or ()),
            "Or": lambda raw, ctx: any(self.matches(c, ctx) for c in raw.get("conditions") or ()),
            "Expression": lambda raw, ctx: self.renderer.render_bool(raw.get("expression"), ctx.variables),
            "ExecutionFlow": self._execution_flow,
            "ExecutionStatus": self._execution_status,
            "ExecutionNamespace": self._execution_namespace,
            "ExecutionLabels": self._execution_labels,
            "ExecutionOutputs": self._execution_outputs,
        }

    def all_match(self, conditions: Sequence[Mapping[str, Any]], ctx: ConditionContext) -> bool:
        return all(self.matches(raw, ctx) for raw in conditions)

    def matches(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        name = condition_name(raw)
        check = self._checks.get(name)
        if check is None:
            self._warn_once(f"condition type `{raw.get('type')}` is not supported by Lanner: "
                            "it never matches")
            return False
        try:
            return bool(check(raw, ctx))
        except (LannerError, ValueError, TypeError, KeyError) as exc:
            self._warn_once(f"condition `{raw.get('type')}` could not be evaluated ({exc}): "
                            "it does not match")
            return False

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning(message)

    # ---- date conditions ---------------------------------------------------------------------
    def _text(self, raw: Mapping[str, Any], key: str, ctx: ConditionContext) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        return str(self.renderer.render(value, ctx.variables)).strip()

    def _date(self, raw: Mapping[str, Any], ctx: ConditionContext) -> datetime:
        """The tested date: ``date`` rendered, by default the trigger date."""
        if raw.get("date") is None or (ctx.date is not None and _is_default_date(raw["date"])):
            if ctx.date is None:
                raise ValueError("no `date` to test (set `date:`)")
            return ctx.date
        return parse_datetime(self._text(raw, "date", ctx) or "")

    def _day_week(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        return self._date(raw, ctx).weekday() == _day_index(self._text(raw, "dayOfWeek", ctx))

    def _day_week_in_month(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        day = self._date(raw, ctx).date()
        weekday = _day_index(self._text(raw, "dayOfWeek", ctx))
        which = (self._text(raw, "dayInMonth", ctx) or "").upper()
        first = day.replace(day=1)
        first_match = first + timedelta(days=(weekday - first.weekday()) % 7)
        if which == "LAST":
            next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
            last = next_month - timedelta(days=1)
            return day == last - timedelta(days=(last.weekday() - weekday) % 7)
        offsets = {"FIRST": 0, "SECOND": 1, "THIRD": 2, "FOURTH": 3}
        if which not in offsets:
            raise ValueError(f"dayInMonth must be FIRST, SECOND, THIRD, FOURTH or LAST, not '{which}'")
        return day == first_match + timedelta(weeks=offsets[which])

    def _time_between(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        current = _offset_seconds(self._date(raw, ctx).timetz())
        after, before = self._text(raw, "after", ctx), self._text(raw, "before", ctx)
        if after is None and before is None:
            raise ValueError("Invalid condition with no before nor after")
        return ((after is None or current > _offset_seconds(parse_time(after)))
                and (before is None or current < _offset_seconds(parse_time(before))))

    def _date_time_between(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        current = self._date(raw, ctx)
        after, before = self._text(raw, "after", ctx), self._text(raw, "before", ctx)
        if after is None and before is None:
            raise ValueError("Invalid condition with no before nor after")
        return ((after is None or current >= parse_datetime(after))
                and (before is None or current <= parse_datetime(before)))

    # ---- execution conditions ----------------------------------------------------------------
    @staticmethod
    def _execution(ctx: ConditionContext) -> Execution:
        if ctx.execution is None:
            raise ValueError("Invalid condition with null execution")
        return ctx.execution

    def _execution_flow(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        execution = self._execution(ctx)
        return execution.namespace == raw.get("namespace") and execution.flow_id == raw.get("flowId")

    def _execution_status(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        state = self._execution(ctx).state.current.value
        allowed, refused = raw.get("in"), raw.get("notIn")
        return (allowed is None or state in allowed) and (refused is None or state not in refused)

    def _execution_namespace(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        actual, wanted = self._execution(ctx).namespace, str(raw.get("namespace"))
        comparison = str(raw.get("comparison") or ("PREFIX" if raw.get("prefix") else "EQUALS")).upper()
        if comparison == "PREFIX":
            return actual.startswith(wanted)
        if comparison == "SUFFIX":
            return actual.endswith(wanted)
        return actual == wanted

    def _execution_labels(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        present = {(label.key, label.value) for label in self._execution(ctx).labels}
        return all(pair in present for pair in label_pairs(raw.get("labels")))

    def _execution_outputs(self, raw: Mapping[str, Any], ctx: ConditionContext) -> bool:
        if not self._execution(ctx).outputs:
            return False
        return self.renderer.render_bool(raw.get("expression"), ctx.variables)


def label_pairs(labels: Any) -> list[tuple[str, str]]:
    """Labels as a map or as Kestra's ``[{key, value}]`` list -> ``[(key, value)]`` texts."""
    if not labels:
        return []
    if isinstance(labels, Mapping):
        items: Iterable[tuple[Any, Any]] = labels.items()
    else:
        items = [(item["key"], item.get("value")) for item in labels]
    return [(str(key), _label_text(value)) for key, value in items]


def _label_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_datetime(text: str) -> datetime:
    """ISO-8601 date-time (``Z`` or offset; none means UTC) or a bare date (midnight UTC)."""
    from datetime import UTC

    text = text.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.combine(Date.fromisoformat(text), time())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_time(text: str) -> time:
    """An ISO-8601 time with offset (``16:00:00+02:00``, ``16:00:00Z``); none means UTC."""
    from datetime import UTC

    moment = time.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _offset_seconds(moment: time) -> float:
    """Java ``OffsetTime`` ordering: the time of day shifted to UTC (not wrapped at midnight)."""
    offset = moment.utcoffset() or timedelta()
    return (moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
            - offset.total_seconds())


def _day_index(name: str | None) -> int:
    upper = (name or "").upper()
    if upper not in DAYS:
        raise ValueError(f"dayOfWeek must be one of {', '.join(DAYS)}, not '{name}'")
    return DAYS.index(upper)


def _is_default_date(value: Any) -> bool:
    return isinstance(value, str) and value.replace(" ", "") in ("{{trigger.date}}", "{{schedule.date}}")
