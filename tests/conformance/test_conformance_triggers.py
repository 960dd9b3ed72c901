"""TriggerStore conformance: trigger contexts, and ticks claimed once across schedulers."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.conformance.conformance_builders import at
from tests.conformance.conftest import Backend
from tests.conformance.test_conformance_kv import entry

from lanner.store.ports import Backfill, Stores, TriggerState

PARIS = ZoneInfo("Europe/Paris")


class Boom(Exception):
    pass


def state(trigger_id: str = "daily", namespace: str = "company.team", flow_id: str = "hello",
          **fields: object) -> TriggerState:
    return TriggerState(namespace, flow_id, trigger_id, **fields)  # type: ignore[arg-type]


def test_put_get_round_trip_with_every_field(stores: Stores) -> None:
    backfill = Backfill(
        start=at(0), end=at(86400 * 30), current_date=at(3600), inputs={"taxi": "green", "n": [1, 2]},
        labels=(("backfill", "true"), ("month", "2019-01")), paused=True, total=30, done=2, created=at(5),
    )
    full = state(next_execution_date=at(7200).astimezone(PARIS), last_date=at(3600), execution_id="exec1",
                 disabled=True, backfill=backfill, updated=at(10))
    stores.triggers.put(full)
    assert stores.triggers.get("company.team", "hello", "daily") == full


def test_a_bare_state_round_trips(stores: Stores) -> None:
    bare = state()
    stores.triggers.put(bare)
    assert stores.triggers.get("company.team", "hello", "daily") == bare
    assert stores.triggers.get("company.team", "hello", "other") is None


def test_put_replaces(stores: Stores) -> None:
    stores.triggers.put(state(next_execution_date=at(60)))
    newer = state(next_execution_date=at(120), last_date=at(60), execution_id="e2", updated=at(61))
    stores.triggers.put(newer)
    assert stores.triggers.get("company.team", "hello", "daily") == newer
    assert stores.triggers.list() == [newer]


def test_list_filters_and_sorts(stores: Stores) -> None:
    made = [
        state("b", "company.team", "flow2"),
        state("a", "company.team", "flow2"),
        state("z", "company.team.sub", "flow1"),
        state("a", "company.teamx", "flow1"),
        state("a", "company", "flow1"),
    ]
    for s in made:
        stores.triggers.put(s)

    def keys(found: list[TriggerState]) -> list[tuple[str, str, str]]:
        return [(s.namespace, s.flow_id, s.trigger_id) for s in found]

    assert keys(stores.triggers.list("company.team")) == [
        ("company.team", "flow2", "a"), ("company.team", "flow2", "b"), ("company.team.sub", "flow1", "z"),
    ]
    assert keys(stores.triggers.list("company.team", "flow2")) == [
        ("company.team", "flow2", "a"), ("company.team", "flow2", "b"),
    ]
    assert keys(stores.triggers.list(flow_id="flow1")) == [
        ("company", "flow1", "a"), ("company.team.sub", "flow1", "z"), ("company.teamx", "flow1", "a"),
    ]
    assert len(stores.triggers.list()) == 5
    assert stores.triggers.list("nothing") == []


def test_delete_forgets_the_state_and_its_ticks(stores: Stores) -> None:
    stores.triggers.put(state())
    assert stores.triggers.claim_tick("company.team", "hello", "daily", at(0), "e1")
    assert stores.triggers.delete("company.team", "hello", "daily") is True
    assert stores.triggers.get("company.team", "hello", "daily") is None
    assert stores.triggers.delete("company.team", "hello", "daily") is False
    assert stores.triggers.claim_tick("company.team", "hello", "daily", at(0), "e2")


def test_a_tick_is_claimed_once(stores: Stores) -> None:
    claim = stores.triggers.claim_tick
    assert claim("company.team", "hello", "daily", at(0), "e1") is True
    assert claim("company.team", "hello", "daily", at(0), "e2") is False
    # The same instant written in another zone is the same tick.
    assert claim("company.team", "hello", "daily", at(0).astimezone(PARIS), "e3") is False
    assert claim("company.team", "hello", "daily", at(60), "e4") is True
    assert claim("company.team", "hello", "hourly", at(0), "e5") is True
    assert claim("company.team", "other", "daily", at(0), "e6") is True
    assert claim("company.other", "hello", "daily", at(0), "e7") is True


def test_a_rolled_back_claim_can_be_claimed_again(stores: Stores) -> None:
    with pytest.raises(Boom), stores.transaction():
        assert stores.triggers.claim_tick("company.team", "hello", "daily", at(0), "e1")
        stores.triggers.put(state(last_date=at(0)))
        raise Boom
    assert stores.triggers.get("company.team", "hello", "daily") is None
    assert stores.triggers.claim_tick("company.team", "hello", "daily", at(0), "e2") is True


def test_prune_ticks(stores: Stores) -> None:
    for minute in range(5):
        assert stores.triggers.claim_tick("company.team", "hello", "daily", at(60 * minute), f"e{minute}")
    assert stores.triggers.prune_ticks(at(120)) == 2
    assert stores.triggers.prune_ticks(at(120)) == 0
    assert stores.triggers.claim_tick("company.team", "hello", "daily", at(0), "again") is True
    assert stores.triggers.claim_tick("company.team", "hello", "daily", at(120), "again") is False


def test_schedulers_racing_for_ticks_emit_each_once(backend: Backend) -> None:
    """Four schedulers (own connections: as separate processes would be) claim the same
    100 ticks, each in a transaction with the work it would do; each tick is won once."""
    schedulers = [backend.open() for _ in range(4)]
    ticks = [at(60) + timedelta(minutes=n) for n in range(100)]
    won: list[list[int]] = [[] for _ in schedulers]
    start = threading.Barrier(len(schedulers))

    def run(index: int) -> None:
        stores = schedulers[index]
        start.wait()
        for n, tick in enumerate(ticks):
            with stores.transaction():
                if stores.triggers.claim_tick("company.team", "hello", "daily", tick, f"s{index}-{n}"):
                    won[index].append(n)
                    stores.kv.put(entry(f"tick-{n}", index, kv_type="NUMBER"))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(schedulers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = sorted(n for wins in won for n in wins)
    assert claimed == list(range(100))
    assert len(backend.stores.kv.list("company.team")) == 100

