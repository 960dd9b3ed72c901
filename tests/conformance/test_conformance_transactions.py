"""``Stores.transaction()``: writes to several stores land together or not at all."""

from __future__ import annotations

import pytest
from tests.conformance.conformance_builders import at, execution, log
from tests.conformance.test_conformance_kv import entry

from lanner.model.state import State
from lanner.store.ports import Stores


class Boom(Exception):
    pass


def test_commit_keeps_every_write(stores: Stores) -> None:
    running = execution(state=State.RUNNING, runs=2)
    with stores.transaction():
        stores.executions.create(running)
        stores.logs.append([log(running.id, "started")])
        stores.kv.put(entry("k", "v"))
        stores.flows.save("company.team", "hello", "source", at(0))
    assert stores.executions.get(running.id) == running
    assert len(stores.logs.for_execution(running.id)) == 1
    assert stores.kv.get("company.team", "k") is not None
    assert stores.flows.get("company.team", "hello") is not None


def test_an_exception_undoes_every_write(stores: Stores) -> None:
    kept = execution(state=State.RUNNING, runs=2)
    stores.executions.create(kept)
    stores.kv.put(entry("k", "before"))
    stores.logs.append([log(kept.id, "before")])
    stores.flows.save("company.team", "hello", "v1", at(0))

    changed = kept.with_task_run(kept.task_runs[0].with_state(State.RUNNING, at(5)))
    with pytest.raises(Boom), stores.transaction():
        stores.executions.save(changed, kept)
        stores.executions.create(execution())
        stores.logs.append([log(kept.id, "during")])
        stores.logs.delete_execution("other")
        stores.kv.put(entry("k", "during"))
        stores.kv.put(entry("new", "during"))
        stores.flows.save("company.team", "hello", "v2", at(1))
        stores.flows.delete("company.team", "hello", at(2))
        raise Boom

    assert stores.executions.get(kept.id) == kept
    assert stores.executions.unfinished() == [kept]
    assert [e.message for e in stores.logs.for_execution(kept.id)] == ["before"]
    assert stores.kv.get("company.team", "k").value == "before"  # type: ignore[union-attr]
    assert stores.kv.get("company.team", "new") is None
    assert [f.revision for f in stores.flows.revisions("company.team", "hello")] == [1]
    assert stores.flows.get("company.team", "hello") is not None


def test_a_failed_inner_block_is_undone_alone(stores: Stores) -> None:
    with stores.transaction():
        stores.kv.put(entry("outer", "1"))
        with pytest.raises(Boom), stores.transaction():
            stores.kv.put(entry("inner", "2"))
            raise Boom
        stores.kv.put(entry("after", "3"))
    assert [e.key for e in stores.kv.list("company.team")] == ["after", "outer"]


def test_a_conflict_inside_a_transaction_leaves_earlier_writes(stores: Stores) -> None:
    existing = execution()
    stores.executions.create(existing)
    with stores.transaction():
        stores.kv.put(entry("k", "v"))
        with pytest.raises(Exception, match="already exists"):
            stores.executions.create(existing)
    assert stores.kv.get("company.team", "k") is not None
    assert stores.executions.get(existing.id) == existing
