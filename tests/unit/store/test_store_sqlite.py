"""SQLite specifics: migrations, persistence across opens, pragmas, writing only what changed."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from tests.unit.store.store_builders import T0, two_task_execution

from lanner.errors import ConfigurationError, ConflictError
from lanner.model.execution import Execution, StateInfo, TaskRun
from lanner.model.ids import new_id
from lanner.model.state import State
from lanner.store import open_stores
from lanner.store.memory import MemoryStores
from lanner.store.sql import SqlStores, open_sqlite
from lanner.store.sql.database import SharedConnectionDatabase
from lanner.store.sql.executions import changed_task_runs
from lanner.store.sql.migrations import LATEST_VERSION, applied_versions, migrate


def test_open_creates_folders_and_applies_migrations(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "lanner.db"
    stores = open_sqlite(str(path))
    assert path.exists()
    assert applied_versions(stores.db) == list(range(1, LATEST_VERSION + 1))
    assert migrate(stores.db) == []  # nothing left to apply
    stores.close()


def test_pragmas(tmp_path: Path) -> None:
    stores = open_sqlite(str(tmp_path / "x.db"))
    assert stores.db.query_one("PRAGMA journal_mode") == ("wal",)
    assert stores.db.query_one("PRAGMA synchronous") == (1,)  # NORMAL
    assert stores.db.query_one("PRAGMA busy_timeout")[0] >= 5000  # type: ignore[index]
    stores.close()


def test_data_survives_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lanner.db'}"
    first = open_stores(url)
    execution = two_task_execution()
    first.executions.create(execution)
    first.flows.save("company.team", "hello", "source", T0)
    first.close()
    again = open_stores(url)
    assert again.executions.get(execution.id) == execution
    assert again.flows.get("company.team", "hello") is not None
    again.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    open_sqlite(str(path)).close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO lanner_schema VALUES (999, 'future', 0)")
    raw.commit()
    raw.close()
    with pytest.raises(ConfigurationError, match="newer than this Lanner knows"):
        open_sqlite(str(path))


def _changes(stores: SqlStores) -> int:
    assert isinstance(stores.db, SharedConnectionDatabase)
    return int(stores.db._connection.total_changes)


def test_save_writes_only_changed_rows(tmp_path: Path) -> None:
    stores = open_sqlite(str(tmp_path / "x.db"))
    before = two_task_execution(runs=50)
    stores.executions.create(before)

    one_changed = before.with_task_run(replace(before.task_runs[7], outputs={"v": 1}))
    start = _changes(stores)
    stores.executions.save(one_changed, before)
    assert _changes(stores) - start == 1  # one task run row, no header

    # Equal but not identical task runs are not rewritten either.
    copies = replace(one_changed, task_runs=tuple(replace(r) for r in one_changed.task_runs))
    start = _changes(stores)
    stores.executions.save(copies, one_changed)
    assert _changes(stores) - start == 0

    header = copies.with_state(State.SUCCESS, T0)
    start = _changes(stores)
    stores.executions.save(header, copies)
    assert _changes(stores) - start == 1
    assert stores.executions.get(before.id) == header
    stores.close()


def _run(task_id: str) -> TaskRun:
    return TaskRun(new_id(), "e", "ns", "f", task_id, StateInfo.new(State.CREATED, T0))


def test_changed_task_runs_diff() -> None:
    a, b, c, d = (_run(x) for x in "abcd")
    b2 = b.with_state(State.RUNNING, T0)
    assert changed_task_runs((a, b, c), (a, b2, c)) == ([(1, b2)], [])
    assert changed_task_runs((a, b), (a, b, c)) == ([(2, c)], [])
    assert changed_task_runs((a, b, c), (a, c)) == ([(1, c)], [b.id])
    assert changed_task_runs((a, b), (a, d, b)) == ([(1, d), (2, b)], [])
    assert changed_task_runs((a, b, c), (a,)) == ([], [b.id, c.id])
    assert changed_task_runs((), (a,)) == ([(0, a)], [])


def test_factory_urls(tmp_path: Path) -> None:
    assert isinstance(open_stores("memory://"), MemoryStores)
    relative = open_stores("sqlite:///:memory:")
    assert isinstance(relative, SqlStores)
    relative.close()
    absolute = open_stores(f"sqlite:///{tmp_path}/sub/l.db")
    absolute.close()
    assert (tmp_path / "sub" / "l.db").exists()
    for bad in ("sqlite:///", "mysql://x", "lanner.db"):
        with pytest.raises(ConfigurationError):
            open_stores(bad)


def test_a_unique_violation_is_a_conflict(tmp_path: Path) -> None:
    stores = open_sqlite(str(tmp_path / "x.db"))
    stores.db.execute("INSERT INTO kv VALUES ('ns', 'k', '1', 'NUMBER', NULL, 0, 0, NULL)")
    with pytest.raises(ConflictError, match="already exists"):
        stores.db.execute("INSERT INTO kv VALUES ('ns', 'k', '2', 'NUMBER', NULL, 0, 0, NULL)")
    with pytest.raises(sqlite3.IntegrityError):  # other integrity errors stay what they are
        stores.db.execute("INSERT INTO kv VALUES ('ns', NULL, '2', 'NUMBER', NULL, 0, 0, NULL)")
    stores.close()


def test_after_commit_hooks_run_after_the_outer_commit_only(tmp_path: Path) -> None:
    stores = open_sqlite(str(tmp_path / "x.db"))
    ran: list[str] = []
    stores.db.after_commit(lambda: ran.append("now"))
    assert ran == ["now"]
    with stores.transaction():
        stores.db.after_commit(lambda: ran.append("outer"))
        with pytest.raises(ValueError), stores.transaction():
            stores.db.after_commit(lambda: ran.append("undone"))
            raise ValueError
        with stores.transaction():
            stores.db.after_commit(lambda: ran.append("inner"))
        assert ran == ["now"]
    assert ran == ["now", "outer", "inner"]
    with pytest.raises(ValueError), stores.transaction():
        stores.db.after_commit(lambda: ran.append("rolled back"))
        raise ValueError
    assert ran == ["now", "outer", "inner"]
    stores.close()


def test_two_connections_on_one_file_share_the_queue(tmp_path: Path) -> None:
    """Two handles (as two processes) see each other's jobs; claims never overlap."""
    from lanner.store.ports import Job

    first, second = open_sqlite(str(tmp_path / "x.db")), open_sqlite(str(tmp_path / "x.db"))
    first.jobs.enqueue([Job(f"j{i}", "run_task", "e", None, {}) for i in range(3)])
    assert [j.id for j in second.jobs.claim("w2", 2, 30)] == ["j0", "j1"]
    assert [j.id for j in first.jobs.claim("w1", 5, 30)] == ["j2"]
    first.close()
    second.close()


def test_reads_from_other_threads(tmp_path: Path) -> None:
    import threading

    stores = open_sqlite(str(tmp_path / "x.db"))
    execution: Execution = two_task_execution()
    stores.executions.create(execution)
    seen: list[Execution | None] = []
    thread = threading.Thread(target=lambda: seen.append(stores.executions.get(execution.id)))
    thread.start()
    thread.join()
    assert seen == [execution]
    stores.close()
