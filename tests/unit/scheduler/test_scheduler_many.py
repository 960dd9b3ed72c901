"""Several schedulers on one trigger store: no tick is emitted twice, nobody waits for a leader."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.scheduler.scheduler_fakes import (
    FakeLauncher,
    StaticFlows,
    schedule_flow,
    trigger_dates,
    utc,
)

from lanner.scheduler.backfill import create_backfill
from lanner.scheduler.loop import Scheduler
from lanner.store.ports import TriggerState, TriggerStore

HOURLY = """\
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
"""
KEY = ("company.team", "scheduled", "hourly")


class StaleView:
    """The store as another scheduler saw it: its first read is a snapshot taken before ``then``
    ran (a scheduler that read the state just before its peer acted on it)."""

    def __init__(self, store: TriggerStore, then) -> None:
        self.store, self.then, self.used = store, then, False

    def get(self, namespace: str, flow_id: str, trigger_id: str):
        found = self.store.get(namespace, flow_id, trigger_id)
        if not self.used:
            self.used = True
            self.then()
        return found

    def __getattr__(self, name: str):
        return getattr(self.store, name)


def pair(store):
    flow = schedule_flow(HOURLY)
    launcher = FakeLauncher()
    first = Scheduler(StaticFlows(flow), launcher, store)
    second = Scheduler(StaticFlows(flow), launcher, store)
    return flow, store, launcher, first, second


def test_two_schedulers_ticking_in_turn_emit_each_time_once(trigger_store):
    _, _store, launcher, first, second = pair(trigger_store)
    first.tick(utc(2024, 1, 1, 10, 30))
    second.tick(utc(2024, 1, 1, 10, 30))
    created = []
    now = utc(2024, 1, 1, 11)
    while now < utc(2024, 1, 1, 16):
        for scheduler in (first, second, second, first):
            created.extend(scheduler.tick(now))
            for execution in launcher.unfinished():
                launcher.end(execution)
        now += timedelta(minutes=20)
    assert trigger_dates(created) == [f"2024-01-01T{h}:00:00Z" for h in range(11, 16)]


def test_a_scheduler_running_while_its_peer_creates_the_execution_does_not_duplicate_it(trigger_store):
    _, store, launcher, first, second = pair(trigger_store)
    first.tick(utc(2024, 1, 1, 10, 30))
    now = utc(2024, 1, 1, 11)
    inner: list = []
    calls: list = []

    def second_ticks_now() -> None:  # first has claimed 11:00 and is creating its execution
        if not calls:
            calls.append(1)
            inner.extend(second.tick(now))
    launcher.on_create = second_ticks_now
    outer = first.tick(now)
    launcher.on_create = None
    assert len(outer) == 1 and inner == [] and calls == [1]
    assert len(launcher.created) == 1
    assert not store.claim_tick(*KEY, now, "probe")
    assert store.get(*KEY).execution_id == outer[0].id


def test_a_scheduler_acting_on_a_stale_read_does_not_duplicate_nor_unlock(trigger_store):
    flow, store, launcher, first, _ = pair(trigger_store)
    first.tick(utc(2024, 1, 1, 10, 30))
    now = utc(2024, 1, 1, 11)
    peer_created: list = []
    stale = StaleView(store, lambda: peer_created.extend(first.tick(now)))
    late = Scheduler(StaticFlows(flow), launcher, stale)
    assert late.tick(now) == []  # it read "11:00 is due", its peer emitted it meanwhile
    assert len(peer_created) == 1 and len(launcher.created) == 1
    state = store.get(*KEY)
    assert state.execution_id == peer_created[0].id and state.next_execution_date == utc(2024, 1, 1, 12)


def test_a_stale_skip_decision_is_not_written_over_a_fresher_state(trigger_store):
    flow = schedule_flow(HOURLY + "    recoverMissedSchedules: NONE\n")
    store, launcher = trigger_store, FakeLauncher()
    store.put(TriggerState(*KEY, next_execution_date=utc(2024, 1, 1, 8)))
    api_change = TriggerState(*KEY, next_execution_date=utc(2024, 1, 1, 8), disabled=True)
    late = Scheduler(StaticFlows(flow), launcher, StaleView(store, lambda: store.put(api_change)))
    assert late.tick(utc(2024, 1, 1, 11, 30)) == []
    assert store.get(*KEY) == api_change  # the NONE skip was not written over the API's change


def test_backfill_ticks_are_claimed_apart_from_the_normal_schedule(trigger_store):
    flow, store, launcher, first, second = pair(trigger_store)
    first.tick(utc(2024, 1, 1, 10, 30))
    create_backfill(store, flow, "hourly", start=utc(2024, 1, 1, 8), end=utc(2024, 1, 1, 10),
                    now=utc(2024, 1, 1, 10, 30))
    created = []
    now = utc(2024, 1, 1, 10, 31)
    for _ in range(6):
        for scheduler in (first, second):
            created.extend(scheduler.tick(now))
            for execution in launcher.unfinished():
                launcher.end(execution)
        now += timedelta(seconds=1)
    assert trigger_dates(created) == ["2024-01-01T08:00:00Z", "2024-01-01T09:00:00Z", "2024-01-01T10:00:00Z"]
    # an earlier (normal) run of 10:00 does not stop a backfill from replaying it again
    create_backfill(store, flow, "hourly", start=utc(2024, 1, 1, 10), end=utc(2024, 1, 1, 10),
                    now=utc(2024, 1, 1, 10, 40))
    again = first.tick(utc(2024, 1, 1, 10, 41))
    assert trigger_dates(again) == ["2024-01-01T10:00:00Z"]


def test_a_tick_claimed_by_a_scheduler_that_then_died_is_skipped_after_a_grace_period(trigger_store):
    _, store, _launcher, first, _ = pair(trigger_store)
    first.tick(utc(2024, 1, 1, 10, 30))
    assert store.claim_tick(*KEY, utc(2024, 1, 1, 11), "ghost")  # claimed, never recorded
    assert first.tick(utc(2024, 1, 1, 11)) == []
    assert first.tick(utc(2024, 1, 1, 11, 0, 30)) == []
    assert store.get(*KEY).next_execution_date == utc(2024, 1, 1, 11)
    assert first.tick(utc(2024, 1, 1, 11, 1, 0)) == []  # grace over: 11:00 is given up
    assert store.get(*KEY).next_execution_date == utc(2024, 1, 1, 12)
    [noon] = first.tick(utc(2024, 1, 1, 12))
    assert noon.trigger.variables["date"] == "2024-01-01T12:00:00Z"
