"""ExecutionStore conformance: create/get/save (partial task-run updates), search, counts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.conformance.conformance_builders import at, execution, rich_execution, task_run

from lanner.errors import ConflictError
from lanner.model.state import State
from lanner.store.ports import ExecutionQuery, Stores


def test_create_then_get_returns_an_equal_execution(stores: Stores) -> None:
    original = rich_execution()
    stores.executions.create(original)
    assert stores.executions.get(original.id) == original


def test_unset_original_created_date_survives_a_round_trip(stores: Stores) -> None:
    original = execution(runs=1)
    assert original.original_created_date is None
    stores.executions.create(original)
    assert stores.executions.get(original.id) == original


def test_get_unknown_is_none(stores: Stores) -> None:
    assert stores.executions.get("nope") is None


def test_create_twice_is_a_conflict(stores: Stores) -> None:
    original = execution()
    stores.executions.create(original)
    with pytest.raises(ConflictError):
        stores.executions.create(original)


def test_save_with_previous_updates_one_task_run(stores: Stores) -> None:
    before = execution(state=State.RUNNING, runs=5)
    stores.executions.create(before)
    changed = before.task_runs[2].with_state(State.RUNNING, at(10))
    after = before.with_task_run(changed)
    stores.executions.save(after, before)
    assert stores.executions.get(before.id) == after


def test_successive_partial_saves_reload_equal(stores: Stores) -> None:
    current = execution(state=State.RUNNING, runs=10)
    stores.executions.create(current)
    for index in range(10):
        run = current.task_runs[index]
        new = current.with_task_run(replace(run, outputs={"value": index}))
        stores.executions.save(new, current)
        current = new
    done = current.with_state(State.SUCCESS, at(50))
    stores.executions.save(done, current)
    assert stores.executions.get(current.id) == done


def test_save_appends_inserts_and_removes_task_runs(stores: Stores) -> None:
    before = execution(state=State.RUNNING, runs=3)
    stores.executions.create(before)
    appended = before.with_task_run(task_run(before, "appended"))
    stores.executions.save(appended, before)
    assert stores.executions.get(before.id) == appended

    runs = list(appended.task_runs)
    runs.insert(1, task_run(before, "inserted"))
    del runs[3]
    reshaped = replace(appended, task_runs=tuple(runs))
    stores.executions.save(reshaped, appended)
    assert stores.executions.get(before.id) == reshaped

    shrunk = replace(reshaped, task_runs=reshaped.task_runs[:2])
    stores.executions.save(shrunk, reshaped)
    assert stores.executions.get(before.id) == shrunk


def test_save_without_previous_rewrites_everything(stores: Stores) -> None:
    before = execution(state=State.RUNNING, runs=4)
    stores.executions.create(before)
    after = replace(before, task_runs=before.task_runs[1:3]).with_state(State.SUCCESS, at(9))
    stores.executions.save(after)
    assert stores.executions.get(before.id) == after


def test_save_of_a_header_change_only(stores: Stores) -> None:
    before = execution(state=State.RUNNING, runs=2)
    stores.executions.create(before)
    after = replace(before, outputs={"result": 1}, variables={"x": [1]}).with_state(State.FAILED, at(9))
    stores.executions.save(after, before)
    assert stores.executions.get(before.id) == after


def test_save_of_an_unknown_execution_creates_it(stores: Stores) -> None:
    fresh = execution(runs=2)
    stores.executions.save(fresh)
    assert stores.executions.get(fresh.id) == fresh


def test_delete(stores: Stores) -> None:
    gone = execution(runs=2)
    stores.executions.create(gone)
    assert stores.executions.delete(gone.id) is True
    assert stores.executions.get(gone.id) is None
    assert stores.executions.delete(gone.id) is False
    stores.executions.create(gone)  # the id is free again, task runs included
    assert stores.executions.get(gone.id) == gone


def _ids(page: object) -> list[str]:
    return [e.id for e in page.results]  # type: ignore[attr-defined]


def test_search_filters(stores: Stores) -> None:
    a = execution("company.team", "alpha", State.SUCCESS, start=0, labels=(("env", "prod"),))
    b = execution("company.team.sub", "beta", State.FAILED, start=10, labels=(("env", "dev"),))
    c = execution("companyx", "alpha", State.RUNNING, start=20, labels=(("env", "prod"), ("team", "x")))
    d = execution("other", "Gamma_Flow", State.CREATED, start=30)
    for e in (a, b, c, d):
        stores.executions.create(e)
    search = stores.executions.search

    assert _ids(search(ExecutionQuery(namespace="company.team"))) == [b.id, a.id]
    assert _ids(search(ExecutionQuery(namespace="company"))) == [b.id, a.id]
    assert _ids(search(ExecutionQuery(flow_id="alpha"))) == [c.id, a.id]
    assert _ids(search(ExecutionQuery(states=[State.FAILED, State.RUNNING]))) == [c.id, b.id]
    assert _ids(search(ExecutionQuery(states=[]))) == []
    assert _ids(search(ExecutionQuery(labels=[("env", "prod")]))) == [c.id, a.id]
    assert _ids(search(ExecutionQuery(labels=[("env", "prod"), ("team", "x")]))) == [c.id]
    assert _ids(search(ExecutionQuery(labels=[("env", "staging")]))) == []
    assert _ids(search(ExecutionQuery(start_after=at(10), start_before=at(20)))) == [c.id, b.id]
    assert _ids(search(ExecutionQuery(text="gamma"))) == [d.id]
    assert _ids(search(ExecutionQuery(text="SUB"))) == [b.id]
    assert _ids(search(ExecutionQuery(text=a.id))) == [a.id]
    assert _ids(search(ExecutionQuery(text="%"))) == []
    assert _ids(search(ExecutionQuery(text="_"))) == [d.id]


def test_search_pages_and_sorts(stores: Stores) -> None:
    created = [execution(start=i, runs=1) for i in range(7)]
    for e in created:
        stores.executions.create(e)
    newest_first = [e.id for e in reversed(created)]

    first = stores.executions.search(ExecutionQuery(page=1, size=3))
    assert first.total == 7
    assert _ids(first) == newest_first[:3]
    assert _ids(stores.executions.search(ExecutionQuery(page=3, size=3))) == newest_first[6:]
    assert _ids(stores.executions.search(ExecutionQuery(page=4, size=3))) == []
    oldest_first = stores.executions.search(ExecutionQuery(size=100, sort_desc=False))
    assert _ids(oldest_first) == [e.id for e in created]
    assert oldest_first.results[0] == created[0]  # task runs are loaded too


def test_same_start_date_sorts_by_creation_order(stores: Stores) -> None:
    same = [execution(start=5) for _ in range(4)]
    for e in same:
        stores.executions.create(e)
    assert _ids(stores.executions.search(ExecutionQuery(sort_desc=False))) == [e.id for e in same]
    assert _ids(stores.executions.search(ExecutionQuery())) == [e.id for e in reversed(same)]
    assert stores.executions.oldest_in_state("company.team", "hello", State.CREATED) == same[0]


def test_count_in_states(stores: Stores) -> None:
    for state in (State.RUNNING, State.RUNNING, State.QUEUED, State.SUCCESS):
        stores.executions.create(execution(flow_id="limited", state=state))
    stores.executions.create(execution(flow_id="other", state=State.RUNNING))
    stores.executions.create(execution(namespace="company.other", flow_id="limited", state=State.RUNNING))
    count = stores.executions.count_in_states
    assert count("company.team", "limited", [State.RUNNING]) == 2
    assert count("company.team", "limited", {State.RUNNING, State.QUEUED}) == 3
    assert count("company.team", "limited", []) == 0
    assert count("company.team", "missing", [State.RUNNING]) == 0


def test_oldest_in_state(stores: Stores) -> None:
    late = execution(flow_id="q", state=State.QUEUED, start=50)
    early = execution(flow_id="q", state=State.QUEUED, start=10)
    running = execution(flow_id="q", state=State.RUNNING, start=0)
    for e in (late, early, running):
        stores.executions.create(e)
    assert stores.executions.oldest_in_state("company.team", "q", State.QUEUED) == early
    assert stores.executions.oldest_in_state("company.team", "q", State.PAUSED) is None


def test_unfinished(stores: Stores) -> None:
    states = [State.CREATED, State.RUNNING, State.PAUSED, State.QUEUED, State.SUCCESS, State.FAILED,
              State.KILLED, State.WARNING, State.CANCELLED]
    made = [execution(state=s, start=i) for i, s in enumerate(states)]
    for e in made:
        stores.executions.create(e)
    assert [e.id for e in stores.executions.unfinished()] == [e.id for e in made[:4]]
    finished = made[1].with_state(State.SUCCESS, at(99))
    stores.executions.save(finished, made[1])
    assert [e.id for e in stores.executions.unfinished()] == [made[0].id, made[2].id, made[3].id]
