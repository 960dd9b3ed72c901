"""Schedule triggers through ``Scheduler.tick(now)``: explicit times, executions ended by hand."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

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

from lanner.model.state import State
from lanner.scheduler.loop import Scheduler
from lanner.store.ports import TriggerState, TriggerStore

HOURLY = """\
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
"""


def make(*flows, default_recover: str = "ALL", store=None):
    launcher, triggers = FakeLauncher(), store or MemoryTriggers()
    scheduler = Scheduler(StaticFlows(*flows), launcher, triggers, default_recover=default_recover)
    return scheduler, launcher, triggers


def drain(scheduler: Scheduler, launcher: FakeLauncher, start: datetime, end: datetime,
          step: timedelta = timedelta(seconds=1), state: State = State.SUCCESS) -> list:
    """Tick every ``step`` from ``start`` to ``end``; end each created execution after the tick
    that created it (and check a locked trigger emits nothing meanwhile)."""
    created = []
    now = start
    while now <= end:
        batch = scheduler.tick(now)
        assert len(launcher.unfinished()) <= len({(e.flow_id, e.trigger.id) for e in launcher.created})
        if batch:
            assert scheduler.tick(now) == []  # locked while running
        for execution in batch:
            launcher.end(execution, state)
        created.extend(batch)
        now += step
    return created


def test_a_new_trigger_starts_at_its_next_fire_time_without_catching_up():
    scheduler, _launcher, triggers = make(schedule_flow(HOURLY))
    assert scheduler.tick(utc(2024, 1, 1, 10, 30)) == []
    state = triggers.get("company.team", "scheduled", "hourly")
    assert state is not None and state.next_execution_date == utc(2024, 1, 1, 11)
    assert scheduler.tick(utc(2024, 1, 1, 10, 59, 59)) == []
    [execution] = scheduler.tick(utc(2024, 1, 1, 11, 0, 0, 300))
    assert execution.trigger is not None
    assert execution.trigger.type == "io.kestra.plugin.core.trigger.Schedule"
    assert execution.trigger.id == "hourly"
    assert dict(execution.trigger.variables) == {
        "date": "2024-01-01T11:00:00Z", "next": "2024-01-01T12:00:00Z", "previous": "2024-01-01T10:00:00Z"}
    assert execution.variables["schedule"] == execution.trigger.variables
    state = triggers.get("company.team", "scheduled", "hourly")
    assert state.execution_id == execution.id
    assert state.next_execution_date == utc(2024, 1, 1, 12)
    assert state.last_date == utc(2024, 1, 1, 11)


def test_a_trigger_is_locked_while_its_execution_runs():
    scheduler, launcher, _ = make(schedule_flow(HOURLY))
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    [first] = scheduler.tick(utc(2024, 1, 1, 11))
    assert scheduler.tick(utc(2024, 1, 1, 12)) == []
    assert scheduler.tick(utc(2024, 1, 1, 12, 0, 30)) == []
    launcher.end(first, State.FAILED)
    [second] = scheduler.tick(utc(2024, 1, 1, 12, 0, 31))
    assert second.trigger.variables["date"] == "2024-01-01T12:00:00Z"


def _after_downtime(policy: str, store=None) -> tuple[Scheduler, FakeLauncher, TriggerStore, datetime]:
    flow = schedule_flow(HOURLY + f"    recoverMissedSchedules: {policy}\n")
    scheduler, launcher, triggers = make(flow, store=store)
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    [before] = scheduler.tick(utc(2024, 1, 1, 11))
    launcher.end(before)
    # down from 11:00:01 for three days: 12:00 Jan 1 .. 11:00 Jan 4 are missed (72 times)
    return scheduler, launcher, triggers, utc(2024, 1, 4, 11, 30)


def test_recover_all_replays_every_missed_time_one_per_tick_never_two_in_flight(trigger_store):
    scheduler, launcher, _, back = _after_downtime("ALL", trigger_store)
    created = drain(scheduler, launcher, back, back + timedelta(minutes=5))
    hours = [utc(2024, 1, 1, 12) + timedelta(hours=h) for h in range(72)]
    expected = [h.isoformat().replace("+00:00", "Z") for h in hours]
    assert trigger_dates(created) == expected


def test_recover_all_replays_sequentially_even_when_executions_last():
    scheduler, launcher, _, back = _after_downtime("ALL")
    emitted = []
    now = back
    for _ in range(10):
        batch = scheduler.tick(now)
        assert len(batch) == 1 and len(launcher.unfinished()) == 1
        assert scheduler.tick(now + timedelta(seconds=1)) == []  # still running: locked
        launcher.end(batch[0])
        emitted.extend(batch)
        now += timedelta(seconds=2)
    assert trigger_dates(emitted)[:2] == ["2024-01-01T12:00:00Z", "2024-01-01T13:00:00Z"]


def test_recover_last_emits_only_the_most_recent_missed_time():
    scheduler, launcher, triggers, back = _after_downtime("LAST")
    created = drain(scheduler, launcher, back, back + timedelta(minutes=5))
    assert trigger_dates(created) == ["2024-01-04T11:00:00Z"]
    assert triggers.get("company.team", "scheduled", "hourly").next_execution_date == utc(2024, 1, 4, 12)


def test_recover_none_skips_to_the_next_future_time():
    scheduler, launcher, triggers, back = _after_downtime("NONE")
    assert drain(scheduler, launcher, back, back + timedelta(minutes=5)) == []
    assert triggers.get("company.team", "scheduled", "hourly").next_execution_date == utc(2024, 1, 4, 12)
    [next_one] = scheduler.tick(utc(2024, 1, 4, 12))
    assert next_one.trigger.variables["date"] == "2024-01-04T12:00:00Z"


def test_the_default_recovery_policy_is_configurable():
    flow = schedule_flow(HOURLY)
    scheduler, launcher, _ = make(flow, default_recover="NONE")
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    assert drain(scheduler, launcher, utc(2024, 1, 2), utc(2024, 1, 2, 0, 1)) == []
    with pytest.raises(ValueError):
        make(flow, default_recover="SOME")


def test_late_maximum_delay_skips_ticks_that_are_too_late():
    scheduler, launcher, triggers = make(schedule_flow(HOURLY + "    lateMaximumDelay: PT10M\n"))
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    [late_but_fine] = scheduler.tick(utc(2024, 1, 1, 11, 5))
    launcher.end(late_but_fine)
    assert scheduler.tick(utc(2024, 1, 1, 12, 20)) == []
    assert triggers.get("company.team", "scheduled", "hourly").next_execution_date == utc(2024, 1, 1, 13)


def test_conditions_skip_non_matching_dates_and_shape_next_and_previous():
    flow = schedule_flow("""\
  - id: weekend
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
    conditions:
      - type: io.kestra.plugin.core.condition.Weekend
""")
    scheduler, launcher, _ = make(flow)
    scheduler.tick(utc(2024, 1, 1))  # a Monday
    created = drain(scheduler, launcher, utc(2024, 1, 1, 9), utc(2024, 1, 15), step=timedelta(hours=1))
    assert trigger_dates(created) == ["2024-01-06T09:00:00Z", "2024-01-07T09:00:00Z",
                                      "2024-01-13T09:00:00Z", "2024-01-14T09:00:00Z"]
    saturday = created[2].trigger.variables
    assert saturday["next"] == "2024-01-14T09:00:00Z" and saturday["previous"] == "2024-01-07T09:00:00Z"


def test_day_week_in_month_condition_first_monday():
    flow = schedule_flow("""\
  - id: first_monday
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 11 * * *"
    conditions:
      - type: io.kestra.plugin.core.condition.DayWeekInMonth
        date: "{{ trigger.date }}"
        dayOfWeek: MONDAY
        dayInMonth: FIRST
""")
    scheduler, launcher, _ = make(flow)
    scheduler.tick(utc(2024, 1, 1))
    created = drain(scheduler, launcher, utc(2024, 1, 1), utc(2024, 3, 31), step=timedelta(hours=6))
    assert trigger_dates(created) == ["2024-01-01T11:00:00Z", "2024-02-05T11:00:00Z", "2024-03-04T11:00:00Z"]


def test_stop_after_disables_the_trigger_when_its_execution_ends_in_a_listed_state():
    scheduler, launcher, triggers = make(schedule_flow(HOURLY + "    stopAfter: [FAILED]\n"))
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    [ok] = scheduler.tick(utc(2024, 1, 1, 11))
    launcher.end(ok, State.SUCCESS)
    [failing] = scheduler.tick(utc(2024, 1, 1, 12))
    launcher.end(failing, State.FAILED)
    assert scheduler.tick(utc(2024, 1, 1, 13)) == []
    state = triggers.get("company.team", "scheduled", "hourly")
    assert state.disabled and state.execution_id is None
    half_hour = timedelta(minutes=30)
    assert drain(scheduler, launcher, utc(2024, 1, 1, 14), utc(2024, 1, 1, 18), step=half_hour) == []


def test_stop_after_is_also_applied_when_the_runtime_reports_the_end():
    scheduler, launcher, triggers = make(schedule_flow(HOURLY + "    stopAfter: [FAILED]\n"))
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    [failing] = scheduler.tick(utc(2024, 1, 1, 11))
    ended = launcher.end(failing, State.FAILED)
    assert scheduler.on_execution_ended(ended) == []
    state = triggers.get("company.team", "scheduled", "hourly")
    assert state.disabled and state.execution_id is None


def test_a_disabled_trigger_emits_nothing_seed_01():
    flow = seed("01_")
    scheduler, launcher, triggers = make(flow)
    assert drain(scheduler, launcher, utc(2024, 1, 1), utc(2024, 1, 3), step=timedelta(hours=1)) == []
    assert triggers.list() == []


def test_a_disabled_flow_or_trigger_state_emits_nothing():
    disabled_flow = schedule_flow(HOURLY, extra="disabled: true")
    scheduler, launcher, _ = make(disabled_flow)
    assert drain(scheduler, launcher, utc(2024, 1, 1), utc(2024, 1, 1, 5), step=timedelta(minutes=30)) == []

    scheduler, launcher, triggers = make(schedule_flow(HOURLY))
    triggers.put(TriggerState("company.team", "scheduled", "hourly", next_execution_date=utc(2024, 1, 1),
                              disabled=True))
    assert drain(scheduler, launcher, utc(2024, 1, 1), utc(2024, 1, 1, 5), step=timedelta(minutes=30)) == []


def test_trigger_inputs_and_rendered_labels_reach_the_execution():
    flow = seed("05_")
    scheduler, launcher, _ = make(flow)
    scheduler.tick(utc(2019, 1, 1))
    created = drain(scheduler, launcher, utc(2019, 1, 1, 9), utc(2019, 1, 1, 10), step=timedelta(minutes=30))
    assert [(e.trigger.id, e.inputs["taxi"]) for e in created] == [("green_schedule", "green"),
                                                                    ("yellow_schedule", "yellow")]
    labelled = schedule_flow(HOURLY + "    labels:\n      team: \"{{ flow.namespace }}\"\n      hour: "
                                      "\"{{ trigger.date | date('HH') }}\"\n")
    scheduler, launcher, _ = make(labelled)
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    [execution] = scheduler.tick(utc(2024, 1, 1, 11))
    assert execution.labels_map["team"] == "company.team" and execution.labels_map["hour"] == "11"


def test_a_timezone_follows_daylight_saving_changes():
    flow = schedule_flow("""\
  - id: paris
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
    timezone: Europe/Paris
""")
    scheduler, launcher, _ = make(flow)
    scheduler.tick(utc(2024, 3, 29))
    created = drain(scheduler, launcher, utc(2024, 3, 29), utc(2024, 4, 1, 12), step=timedelta(minutes=30))
    assert trigger_dates(created) == ["2024-03-29T09:00:00+01:00", "2024-03-30T09:00:00+01:00",
                                      "2024-03-31T09:00:00+02:00", "2024-04-01T09:00:00+02:00"]
    assert created[2].trigger.variables["previous"] == "2024-03-30T09:00:00+01:00"


def test_an_hourly_schedule_in_a_zone_runs_every_real_hour_when_clocks_go_back():
    flow = schedule_flow("""\
  - id: paris
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
    timezone: Europe/Paris
""")
    scheduler, launcher, _ = make(flow)
    scheduler.tick(utc(2024, 10, 26, 22, 30))
    quarter = timedelta(minutes=15)
    created = drain(scheduler, launcher, utc(2024, 10, 26, 23), utc(2024, 10, 27, 2), step=quarter)
    assert trigger_dates(created) == ["2024-10-27T01:00:00+02:00", "2024-10-27T02:00:00+02:00",
                                      "2024-10-27T02:00:00+01:00", "2024-10-27T03:00:00+01:00"]
    instants = [datetime.fromisoformat(d).astimezone(UTC) for d in trigger_dates(created)]
    assert {b - a for a, b in itertools.pairwise(instants)} == {timedelta(hours=1)}


def test_a_time_skipped_by_spring_forward_still_runs_once_that_day():
    flow = schedule_flow("""\
  - id: paris
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "30 2 * * *"
    timezone: Europe/Paris
""")
    scheduler, launcher, _ = make(flow)
    scheduler.tick(utc(2024, 3, 29, 12))
    half_hour = timedelta(minutes=30)
    created = drain(scheduler, launcher, utc(2024, 3, 29, 12), utc(2024, 4, 1, 12), step=half_hour)
    days = [d[:10] for d in trigger_dates(created)]
    assert days == ["2024-03-30", "2024-03-31", "2024-04-01"]


def test_with_seconds():
    flow = schedule_flow("""\
  - id: every_20s
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/20 * * * * *"
    withSeconds: true
""")
    scheduler, launcher, _ = make(flow)
    scheduler.tick(utc(2024, 1, 1, 0, 0, 5))
    created = drain(scheduler, launcher, utc(2024, 1, 1, 0, 0, 6), utc(2024, 1, 1, 0, 1, 0))
    assert trigger_dates(created) == ["2024-01-01T00:00:20Z", "2024-01-01T00:00:40Z", "2024-01-01T00:01:00Z"]


def test_an_execution_that_cannot_be_created_consumes_the_tick():
    flow = schedule_flow(HOURLY)
    scheduler, launcher, triggers = make(flow)

    def refuse() -> None:
        from lanner.errors import InputError, Issue
        raise InputError([Issue("inputs.x", "bad")])
    scheduler.tick(utc(2024, 1, 1, 10, 30))
    launcher.on_create = refuse
    assert scheduler.tick(utc(2024, 1, 1, 11)) == []
    state = triggers.get("company.team", "scheduled", "hourly")
    assert state.next_execution_date == utc(2024, 1, 1, 12) and state.execution_id is None


def test_run_ticks_until_stopped():
    stop = threading.Event()
    times = iter([utc(2024, 1, 1, 10, 30), utc(2024, 1, 1, 11)])
    launcher, triggers = FakeLauncher(), MemoryTriggers()

    def clock() -> datetime:
        moment = next(times, None)
        if moment is None or moment.hour == 11:
            stop.set()
        return moment or utc(2024, 1, 1, 11)
    Scheduler(StaticFlows(schedule_flow(HOURLY)), launcher, triggers, clock).run(stop, interval=0)
    assert trigger_dates(launcher.created) == ["2024-01-01T11:00:00Z"]
