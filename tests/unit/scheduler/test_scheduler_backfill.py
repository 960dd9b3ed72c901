"""Backfills: enumeration in ``tick``, one execution at a time, pause/unpause/cancel, dry run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.scheduler.scheduler_fakes import (
    FakeLauncher,
    MemoryTriggers,
    StaticFlows,
    schedule_flow,
    seed,
    trigger_dates,
    utc,
)

from lanner.errors import ConflictError, InputError, NotFoundError
from lanner.scheduler.backfill import (
    cancel_backfill,
    create_backfill,
    dry_run,
    pause_backfill,
    unpause_backfill,
)
from lanner.scheduler.loop import Scheduler
from lanner.store.ports import TriggerState

NOW = utc(2024, 6, 15, 12, 0, 0)
KEY = ("zoomcamp", "05_postgres_taxi_scheduled", "green_schedule")
MONTHS_2019 = [f"2019-{m:02d}-01T09:00:00Z" for m in range(1, 13)]


def setup(flow=None, triggers=None):
    flow = flow or seed("05_")
    launcher, triggers = FakeLauncher(), triggers or MemoryTriggers()
    return flow, Scheduler(StaticFlows(flow), launcher, triggers), launcher, triggers


def step_through(scheduler, launcher, start, ticks: int, *, end_each: bool = True):
    """Tick once a second; end whatever is running after each tick. Never two in flight."""
    created = []
    now = start
    for _ in range(ticks):
        batch = scheduler.tick(now)
        running = launcher.unfinished()
        assert len({e.trigger.id for e in running}) == len(running)  # one per trigger at most
        if end_each:
            for execution in running:
                launcher.end(execution)
        created.extend(batch)
        now += timedelta(seconds=1)
    return created


def test_seed_05_green_backfill_of_2019_gives_twelve_executions_in_order(trigger_store):
    flow, scheduler, launcher, triggers = setup(triggers=trigger_store)
    scheduler.tick(NOW)  # the triggers exist; next green tick is 2024-07-01
    # start <= t <= end, both inclusive: 2019-12-01T09:00 is the twelfth
    state = create_backfill(triggers, flow, "green_schedule", start=utc(2019, 1, 1), end=utc(2019, 12, 1, 9),
                            labels={"backfill": "true"}, now=NOW)
    assert state.backfill is not None and state.backfill.total == 12 and state.backfill.done == 0
    created = step_through(scheduler, launcher, NOW, 30)
    assert trigger_dates(created) == MONTHS_2019
    assert {e.inputs["taxi"] for e in created} == {"green"}
    assert all(e.labels_map["backfill"] == "true" for e in created)
    assert all(e.trigger.id == "green_schedule" for e in created)
    final = triggers.get(*KEY)
    assert final.backfill is None and final.next_execution_date == utc(2024, 7, 1, 9)


def test_a_backfill_waits_for_each_execution_to_end():
    flow, scheduler, launcher, triggers = setup()
    scheduler.tick(NOW)
    create_backfill(triggers, flow, "green_schedule", start=utc(2019, 1, 1), end=utc(2019, 3, 31), now=NOW)
    [january] = scheduler.tick(NOW)
    for seconds in range(1, 5):
        assert scheduler.tick(NOW + timedelta(seconds=seconds)) == []
    assert triggers.get(*KEY).backfill.done == 1
    launcher.end(january)
    [february] = scheduler.tick(NOW + timedelta(seconds=5))
    assert february.trigger.variables == {"date": "2019-02-01T09:00:00Z", "next": "2019-03-01T09:00:00Z",
                                          "previous": "2019-01-01T09:00:00Z"}
    assert february.variables["schedule"]["date"] == "2019-02-01T09:00:00Z"


def test_backfill_inputs_overlay_trigger_inputs_and_labels_are_added():
    flow, scheduler, launcher, triggers = setup()
    scheduler.tick(NOW)
    create_backfill(triggers, flow, "yellow_schedule", start=utc(2020, 1, 1), end=utc(2020, 1, 31),
                    inputs={"taxi": "green"}, labels=[{"key": "reason", "value": "outage"}], now=NOW)
    [execution] = step_through(scheduler, launcher, NOW, 3)
    assert execution.inputs["taxi"] == "green"
    assert execution.labels_map["reason"] == "outage"
    assert execution.trigger.variables["date"] == "2020-01-01T10:00:00Z"


def test_pause_unpause_and_cancel():
    flow, scheduler, launcher, triggers = setup()
    scheduler.tick(NOW)
    create_backfill(triggers, flow, "green_schedule", start=utc(2019, 1, 1), end=utc(2019, 12, 31), now=NOW)
    first = step_through(scheduler, launcher, NOW, 3)
    assert trigger_dates(first) == MONTHS_2019[:3]
    pause_backfill(triggers, *KEY, now=NOW)
    assert triggers.get(*KEY).backfill.paused
    assert step_through(scheduler, launcher, NOW + timedelta(seconds=3), 5) == []
    unpause_backfill(triggers, *KEY, now=NOW)
    again = step_through(scheduler, launcher, NOW + timedelta(seconds=8), 2)
    assert trigger_dates(again) == MONTHS_2019[3:5]
    cancel_backfill(triggers, *KEY, now=NOW)
    assert triggers.get(*KEY).backfill is None
    assert step_through(scheduler, launcher, NOW + timedelta(seconds=10), 5) == []
    with pytest.raises(NotFoundError):
        pause_backfill(triggers, *KEY, now=NOW)


def test_cancel_keeps_the_running_execution_locking_the_trigger():
    flow, scheduler, launcher, triggers = setup(schedule_flow("""\
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
"""))
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    create_backfill(triggers, flow, "hourly", start=utc(2023, 1, 1), end=utc(2023, 1, 1, 5),
                    now=utc(2024, 1, 1, 10, 30))
    [running] = scheduler.tick(utc(2024, 1, 1, 10, 31))
    cancel_backfill(triggers, "company.team", "scheduled", "hourly", now=utc(2024, 1, 1, 10, 32))
    assert scheduler.tick(utc(2024, 1, 1, 11)) == []  # still locked by the backfill execution
    launcher.end(running)
    [normal] = scheduler.tick(utc(2024, 1, 1, 11, 0, 5))
    assert normal.trigger.variables["date"] == "2024-01-01T11:00:00Z"


def test_the_normal_schedule_resumes_after_a_backfill_and_recovers_what_it_missed():
    flow, scheduler, launcher, triggers = setup(schedule_flow("""\
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
"""))
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    create_backfill(triggers, flow, "hourly", start=utc(2023, 1, 1), end=utc(2023, 1, 1, 2),
                    now=utc(2024, 1, 1, 10, 30))
    created = step_through(scheduler, launcher, utc(2024, 1, 1, 10, 59, 58), 8)
    assert trigger_dates(created) == ["2023-01-01T00:00:00Z", "2023-01-01T01:00:00Z", "2023-01-01T02:00:00Z",
                                      "2024-01-01T11:00:00Z"]


def test_end_defaults_to_now_and_future_dates_wait():
    flow, scheduler, launcher, triggers = setup()
    scheduler.tick(NOW)
    state = create_backfill(triggers, flow, "green_schedule", start=utc(2024, 3, 15), now=NOW)
    assert state.backfill.end == NOW and state.backfill.total == 3
    assert trigger_dates(step_through(scheduler, launcher, NOW, 6)) == [
        "2024-04-01T09:00:00Z", "2024-05-01T09:00:00Z", "2024-06-01T09:00:00Z"]


def test_backfills_are_refused_when_disabled_running_or_inverted():
    flow, _scheduler, _launcher, triggers = setup()
    with pytest.raises(InputError):
        create_backfill(triggers, flow, "green_schedule", start=utc(2020, 1, 1), end=utc(2019, 1, 1), now=NOW)
    with pytest.raises(NotFoundError):
        create_backfill(triggers, flow, "nope", start=utc(2019, 1, 1), now=NOW)
    create_backfill(triggers, flow, "green_schedule", start=utc(2019, 1, 1), now=NOW)
    with pytest.raises(ConflictError, match="already has a backfill"):
        create_backfill(triggers, flow, "green_schedule", start=utc(2019, 1, 1), now=NOW)
    triggers.put(TriggerState(*KEY[:2], "yellow_schedule", disabled=True))
    with pytest.raises(ConflictError, match="disabled"):
        create_backfill(triggers, flow, "yellow_schedule", start=utc(2019, 1, 1), now=NOW)
    with pytest.raises(ConflictError, match="disabled"):
        create_backfill(triggers, seed("01_"), "schedule", start=utc(2019, 1, 1), now=NOW)


def test_a_disabled_trigger_state_does_not_process_its_backfill():
    flow, scheduler, launcher, triggers = setup()
    scheduler.tick(NOW)
    state = create_backfill(triggers, flow, "green_schedule", start=utc(2019, 1, 1), end=utc(2019, 2, 1),
                            now=NOW)
    from dataclasses import replace
    triggers.put(replace(state, disabled=True))
    assert step_through(scheduler, launcher, NOW, 5) == []


def test_dry_run_lists_the_dates():
    flow = seed("05_")
    green = next(t for t in flow.triggers if t.id == "green_schedule")
    dates = dry_run(green, utc(2019, 1, 1), utc(2019, 12, 31))
    assert [d.isoformat() for d in dates] == [f"2019-{m:02d}-01T09:00:00+00:00" for m in range(1, 13)]
    assert dry_run(green, utc(2019, 1, 1, 9), utc(2019, 1, 1, 9)) == [utc(2019, 1, 1, 9)]
    assert dry_run(green, utc(2019, 1, 1, 9, 0, 1), utc(2019, 1, 31)) == []
    assert len(dry_run(green, utc(2019, 1, 1), utc(2030, 1, 1), limit=5)) == 5


def test_backfill_dates_respect_conditions():
    flow = schedule_flow("""\
  - id: weekdays
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
    conditions:
      - type: io.kestra.plugin.core.condition.Not
        conditions:
          - type: io.kestra.plugin.core.condition.Weekend
""")
    trigger = flow.triggers[0]
    dates = dry_run(trigger, utc(2024, 1, 5), utc(2024, 1, 9, 9))
    assert [d.day for d in dates] == [5, 8, 9]
    _, scheduler, launcher, triggers = setup(flow)
    scheduler.tick(NOW)
    create_backfill(triggers, flow, "weekdays", start=utc(2024, 1, 5), end=utc(2024, 1, 9, 23), now=NOW)
    created = step_through(scheduler, launcher, NOW, 8)
    assert trigger_dates(created) == ["2024-01-05T09:00:00Z", "2024-01-08T09:00:00Z", "2024-01-09T09:00:00Z"]
    assert triggers.get("company.team", "scheduled", "weekdays").backfill is None
