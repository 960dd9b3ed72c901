"""Trigger types: Schedule cron/time zone validation and fire times; Flow and Webhook schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from lanner.tasks.triggers.flow import FlowTrigger
from lanner.tasks.triggers.schedule import Schedule, croniter_expression
from lanner.tasks.triggers.webhook import Webhook

SCHEDULE = "io.kestra.plugin.core.trigger.Schedule"


def schedule(**values):
    return Schedule.model_validate({"id": "s", "type": SCHEDULE, **values})


@pytest.mark.parametrize("cron", ["0 10 * * *", "0 9 1 * *", "*/5 * * * 1-5", "0 0 * * 7", "@daily",
                                  "@hourly", "@yearly", "@annually", "@monthly", "@weekly", "@midnight",
                                  "0 0 * * MON"])
def test_valid_crons(cron):
    assert schedule(cron=cron).cron == cron


@pytest.mark.parametrize("cron", ["61 * * * *", "* * * *", "* * * * * * *", "every day", "0 25 * * *"])
def test_invalid_crons(cron):
    with pytest.raises(ValidationError, match="Invalid cron expression"):
        schedule(cron=cron)


def test_with_seconds_puts_seconds_first():
    trigger = schedule(cron="30 0 9 * * *", withSeconds=True)
    assert trigger.next_date(datetime(2024, 1, 1, tzinfo=UTC)) == datetime(2024, 1, 1, 9, 0, 30, tzinfo=UTC)
    with pytest.raises(ValidationError, match="withSeconds"):
        schedule(cron="0 9 * * *", withSeconds=True)
    assert croniter_expression("30 0 9 * * *", with_seconds=True) == "0 9 * * * 30"


def test_time_zones():
    with pytest.raises(ValidationError, match="Unknown time zone 'Mars/Olympus'"):
        schedule(cron="0 9 * * *", timezone="Mars/Olympus")
    paris = schedule(cron="0 9 * * *", timezone="Europe/Paris")
    fire = paris.next_date(datetime(2024, 7, 1, tzinfo=UTC))
    assert fire == datetime(2024, 7, 1, 9, tzinfo=ZoneInfo("Europe/Paris"))
    assert fire.astimezone(UTC).hour == 7


def test_next_previous_and_backfill_fire_times():
    monthly = schedule(cron="0 9 1 * *")
    start = datetime(2019, 1, 1, tzinfo=UTC)
    times = monthly.fire_times(start, datetime(2019, 12, 31, tzinfo=UTC))
    assert len(times) == 12 and times[0] == datetime(2019, 1, 1, 9, tzinfo=UTC)
    assert times[-1] == datetime(2019, 12, 1, 9, tzinfo=UTC)
    assert monthly.next_date(times[0]) == times[1]
    assert monthly.previous_date(times[1]) == times[0]
    first = datetime(2019, 1, 1, 9, tzinfo=UTC)
    assert monthly.fire_times(first, first) == [times[0]]


def test_common_trigger_properties():
    trigger = schedule(cron="@daily", disabled=True, labels=[{"key": "k", "value": "v"}],
                       stopAfter=["FAILED"], inputs={"a": 1}, recoverMissedSchedules="NONE",
                       lateMaximumDelay="PT1H")
    assert trigger.disabled and trigger.labels == {"k": "v"} and trigger.stopAfter == ["FAILED"]
    with pytest.raises(ValidationError):
        schedule(cron="@daily", recoverMissedSchedules="SOME")
    with pytest.raises(ValidationError):
        schedule(cron="@daily", stopAfter=["DONE"])


def test_flow_trigger_and_webhook():
    flow_trigger = FlowTrigger.model_validate({
        "id": "f", "type": "io.kestra.plugin.core.trigger.Flow", "states": ["SUCCESS"],
        "preconditions": {"id": "p", "flows": [{"namespace": "n", "flowId": "up", "states": ["FAILED"]}]},
    })
    assert flow_trigger.preconditions is not None and flow_trigger.preconditions.flows[0].flowId == "up"
    base = {"id": "w", "type": "io.kestra.plugin.core.trigger.Webhook"}
    assert len(Webhook.model_validate({**base, "key": "k" * 256}).key) == 256
    with pytest.raises(ValidationError):
        Webhook.model_validate({**base, "key": "k" * 257})
