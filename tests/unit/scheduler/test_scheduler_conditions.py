"""Condition types one by one (Kestra semantics: inclusive DateTimeBetween, strict TimeBetween...)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from tests.unit.scheduler.scheduler_fakes import utc

from lanner.model.execution import Execution, Label, StateInfo
from lanner.model.state import State
from lanner.scheduler.conditions import (
    ConditionContext,
    ConditionEvaluator,
    condition_name,
    unsupported_conditions,
)

C = "io.kestra.plugin.core.condition."
EVAL = ConditionEvaluator()


def on(date: datetime, raw: dict) -> bool:
    text = date.isoformat()
    return EVAL.matches(raw, ConditionContext({"trigger": {"date": text}}, date=date))


def with_execution(raw: dict, *, state: State = State.SUCCESS, namespace: str = "company.team",
                   flow_id: str = "up", labels=(), outputs=None) -> bool:
    execution = Execution(id="e1", namespace=namespace, flow_id=flow_id, flow_revision=1,
                          state=StateInfo.new(state, utc(2024, 1, 1)),
                          labels=tuple(Label(*p) for p in labels), outputs=outputs)
    return EVAL.matches(raw, ConditionContext({"trigger": {"outputs": outputs or {}}}, execution=execution))


@pytest.mark.parametrize(("written", "name"), [
    (C + "DayWeek", "DayWeek"),
    (C + "DayWeekCondition", "DayWeek"),
    ("io.kestra.core.models.conditions.types.WeekendCondition", "Weekend"),
    ("io.kestra.core.models.conditions.types.VariableCondition", "Expression"),
    (C + "ExpressionCondition", "Expression"),
])
def test_legacy_and_current_type_names(written, name):
    assert condition_name({"type": written}) == name


def test_day_week_and_weekend():
    saturday = utc(2024, 1, 6, 9)
    assert on(saturday, {"type": C + "DayWeek", "dayOfWeek": "SATURDAY"})
    assert not on(saturday, {"type": C + "DayWeek", "dayOfWeek": "MONDAY"})
    assert on(saturday, {"type": C + "Weekend"})
    assert not on(utc(2024, 1, 8, 9), {"type": C + "Weekend"})


def test_the_day_is_the_one_of_the_trigger_zone():
    # 2024-01-06 23:30 UTC is already Sunday in Paris
    paris = utc(2024, 1, 6, 23, 30).astimezone(ZoneInfo("Europe/Paris"))
    assert on(paris, {"type": C + "DayWeek", "dayOfWeek": "SUNDAY"})


def in_month(day: str, which: str) -> dict:
    return {"type": C + "DayWeekInMonth", "dayOfWeek": day, "dayInMonth": which}


def test_day_week_in_month():
    first_monday, last_friday = utc(2024, 1, 1), utc(2024, 1, 26)
    assert on(first_monday, in_month("MONDAY", "FIRST"))
    assert not on(utc(2024, 1, 8), in_month("MONDAY", "FIRST"))
    assert on(utc(2024, 1, 8), in_month("MONDAY", "SECOND"))
    assert on(last_friday, in_month("FRIDAY", "LAST"))
    assert not on(utc(2024, 1, 19), in_month("FRIDAY", "LAST"))


def test_time_between_is_strict_and_uses_offsets():
    raw = {"type": C + "TimeBetween", "after": "16:00:00+02:00", "before": "20:00:00+02:00"}
    assert on(utc(2024, 6, 1, 15), raw)  # 17:00+02:00
    assert not on(utc(2024, 6, 1, 14), raw)  # exactly 16:00+02:00: not after
    assert not on(utc(2024, 6, 1, 18, 30), raw)
    assert on(utc(2024, 6, 1, 8), {"type": C + "TimeBetween", "before": "09:00:00Z"})


def test_date_time_between_is_inclusive():
    raw = {"type": C + "DateTimeBetween", "after": "2025-01-01T00:00:00Z", "before": "2025-12-31T23:59:59Z"}
    assert on(utc(2025, 1, 1), raw)
    assert on(utc(2025, 12, 31, 23, 59, 59), raw)
    assert not on(utc(2024, 12, 31, 23, 59, 59), raw)
    assert on(utc(2026, 1, 1), {"type": C + "DateTimeBetween", "date": "{{ trigger.date }}",
                                "after": "2025-12-31T23:59:59Z"})


def test_not_or_and_expression():
    saturday = utc(2024, 1, 6, 9)
    sunday_or_monday = {"type": C + "Or", "conditions": [{"type": C + "DayWeek", "dayOfWeek": "SUNDAY"},
                                                          {"type": C + "DayWeek", "dayOfWeek": "MONDAY"}]}
    assert not on(saturday, sunday_or_monday)
    assert on(saturday, {"type": C + "Not", "conditions": [sunday_or_monday]})
    year_is_2024 = "{{ trigger.date | date('yyyy') == '2024' }}"
    assert on(saturday, {"type": C + "Expression", "expression": year_is_2024})
    assert not on(saturday, {"type": C + "Expression", "expression": "{{ false }}"})


def test_unsupported_or_broken_conditions_never_match(caplog):
    assert not on(utc(2024, 1, 1), {"type": C + "PublicHoliday", "country": "FR"})
    assert not on(utc(2024, 1, 1), {"type": C + "DayWeek", "dayOfWeek": "FUNDAY"})
    assert not on(utc(2024, 1, 1), {"type": C + "TimeBetween"})
    assert "not supported" in caplog.text
    nested = [{"type": C + "Not", "conditions": [{"type": C + "PublicHoliday"}]}, {"type": C + "Weekend"}]
    assert unsupported_conditions(nested) == [C + "PublicHoliday"]


def test_execution_conditions():
    assert with_execution({"type": C + "ExecutionFlow", "namespace": "company.team", "flowId": "up"})
    assert not with_execution({"type": C + "ExecutionFlow", "namespace": "company.team", "flowId": "other"})
    assert with_execution({"type": C + "ExecutionStatus", "in": ["FAILED", "WARNING"]}, state=State.FAILED)
    assert not with_execution({"type": C + "ExecutionStatus", "notIn": ["SUCCESS"]})
    assert with_execution({"type": C + "ExecutionNamespace", "namespace": "company", "comparison": "PREFIX"})
    assert with_execution({"type": C + "ExecutionNamespace", "namespace": "company", "prefix": True})
    assert with_execution({"type": C + "ExecutionNamespace", "namespace": ".team", "comparison": "SUFFIX"})
    assert not with_execution({"type": C + "ExecutionNamespace", "namespace": "company"})
    labels = [("env", "prod"), ("owner", "ada")]
    assert with_execution({"type": C + "ExecutionLabels", "labels": {"env": "prod"}}, labels=labels)
    assert with_execution({"type": C + "ExecutionLabels", "labels": [{"key": "owner", "value": "ada"}]},
                          labels=labels)
    assert not with_execution({"type": C + "ExecutionLabels", "labels": {"env": "dev"}}, labels=labels)
    outputs_rule = {"type": C + "ExecutionOutputs", "expression": "{{ trigger.outputs.rows > 10 }}"}
    assert with_execution(outputs_rule, outputs={"rows": 12})
    assert not with_execution(outputs_rule)
    assert not EVAL.matches({"type": C + "ExecutionFlow", "namespace": "a", "flowId": "b"},
                            ConditionContext({}))  # no execution: does not match
