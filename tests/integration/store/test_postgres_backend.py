"""PostgreSQL backend specifics: URLs, migrations under concurrency, transactions per thread,
the connection pool, SKIP LOCKED claims, and LISTEN/NOTIFY wake-ups (with a lost connection)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import psycopg
import pytest

from lanner.errors import ConfigurationError
from lanner.store import open_stores
from lanner.store.ports import Job, KVEntry
from lanner.store.sql import SqlStores
from lanner.store.sql.listen import PostgresNotifier
from lanner.store.sql.migrations import LATEST_VERSION, applied_versions
from tests.conformance.postgres_server import PostgresForTests

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _kv(key: str, value: object) -> KVEntry:
    return KVEntry("company.team", key, value, "JSON", None, T0, T0, None)


def _open(url: str) -> SqlStores:
    stores = open_stores(url)
    assert isinstance(stores, SqlStores)
    return stores


def test_both_url_schemes_open_the_same_database(pg_url: str) -> None:
    first = _open(pg_url)
    first.kv.put(_kv("k", {"a": 1}))
    alias = _open(pg_url.replace("postgresql://", "postgres://", 1))
    assert alias.kv.get("company.team", "k") == _kv("k", {"a": 1})
    first.close()
    alias.close()


def test_processes_opening_a_new_database_together_migrate_it_once(empty_pg_url: str) -> None:
    opened: list[SqlStores] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            opened.append(_open(empty_pg_url))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert applied_versions(opened[0].db) == list(range(1, LATEST_VERSION + 1))
    for stores in opened:
        stores.close()


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as raw:
        raw.execute("INSERT INTO lanner_schema VALUES (999, 'future', 0)")
    with pytest.raises(ConfigurationError, match="newer than this Lanner knows"):
        open_stores(pg_url)


def test_a_transaction_belongs_to_its_thread(pg_url: str) -> None:
    stores = _open(pg_url)
    written, look, looked = threading.Event(), threading.Event(), threading.Event()
    seen: list[object] = []

    def writer() -> None:
        with stores.transaction():
            stores.kv.put(_kv("k", 1))
            assert stores.kv.get("company.team", "k") is not None  # its own write, same connection
            written.set()
            look.wait()
            looked.wait()

    def reader() -> None:
        written.wait()
        seen.append(stores.kv.get("company.team", "k"))  # another connection: not committed yet
        look.set()
        looked.set()

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [None]
    assert stores.kv.get("company.team", "k") == _kv("k", 1)
    stores.close()


def test_more_threads_than_pooled_connections(pg_url: str) -> None:
    stores = _open(pg_url)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for n in range(10):
                with stores.transaction():
                    stores.kv.put(_kv(f"t{index}-{n}", n))
                    stores.logs.append([])
                assert stores.kv.get("company.team", f"t{index}-{n}") is not None
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]  # the pool holds 10
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(stores.kv.list("company.team")) == 160
    stores.close()


@pytest.mark.timeout(60)
def test_a_claim_skips_rows_another_claimer_has_locked(pg_url: str) -> None:
    first, second = _open(pg_url), _open(pg_url)
    first.jobs.enqueue([Job(f"j{i}", "run_task", "e", None, {}) for i in range(2)])
    taken: list[list[str]] = []
    with first.transaction():
        assert [j.id for j in first.jobs.claim("w1", 1, 30)] == ["j0"]  # j0 locked, uncommitted
        other = threading.Thread(target=lambda: taken.append([j.id for j in second.jobs.claim("w2", 5, 30)]))
        other.start()
        other.join(timeout=20)
        assert not other.is_alive(), "the second claimer waited for the first one's lock"
    assert taken == [["j1"]]
    first.close()
    second.close()


def test_wait_for_notification_on_any_channel(pg_url: str) -> None:
    stores = _open(pg_url)
    notifier = stores.notifier
    assert isinstance(notifier, PostgresNotifier)
    assert notifier.wait_for_notification("custom_channel", 0.01) is False
    with psycopg.connect(pg_url, autocommit=True) as raw:
        raw.execute("NOTIFY custom_channel, 'hello'")
    assert notifier.wait_for_notification("custom_channel", 10) is True
    stores.close()


def test_the_listening_connection_comes_back_after_it_was_cut(
    pg_url: str, postgres_server: PostgresForTests
) -> None:
    stores, producer = _open(pg_url), _open(pg_url)
    assert stores.jobs.wait_for_jobs(0.01) is False  # starts listening
    database = pg_url.rsplit("/", 1)[1]
    ended = postgres_server.admin_sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND query LIKE 'LISTEN%%'", (database,))
    assert ended, "no listening connection found"
    deadline = time.monotonic() + 20
    woken = False
    while not woken and time.monotonic() < deadline:  # the hint is lost while re-connecting
        producer.jobs.enqueue([Job(f"j{time.monotonic_ns()}", "run_task", "e", None, {})])
        woken = stores.jobs.wait_for_jobs(0.5)
    assert woken
    stores.close()
    producer.close()


def test_close_stops_the_listening_thread(pg_url: str) -> None:
    stores = _open(pg_url)
    stores.events.wait_for_events(0.01)
    listener = stores.notifier._thread  # type: ignore[attr-defined]
    assert listener is not None and listener.is_alive()
    began = time.monotonic()
    stores.close()
    assert time.monotonic() - began < 3
    assert not listener.is_alive()
    assert stores.events.wait_for_events(5) is False  # returns at once once closed
