"""SQLite Query / Queries end to end through the worker (the standard library's sqlite3)."""

from __future__ import annotations

import sqlite3

from lanner.model.state import State
from lanner.plugins.serde import read_ion
from lanner.tasks.jdbc.sqlite import Queries, Query


def test_in_memory_query_fetch_one(harness):
    result = harness.run(harness.task(Query, {"sql": "SELECT 1 AS one, 'a''b' AS s, NULL AS n, 2.5 AS f",
                                              "fetchType": "FETCH_ONE"}))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs == {"row": {"one": 1, "s": "a'b", "n": None, "f": 2.5}, "size": 1}


def test_queries_with_a_trigger_and_store(harness):
    result = harness.run(harness.task(Queries, {"fetchType": "STORE", "sql": """
        CREATE TABLE t (x INTEGER, label TEXT);
        CREATE TABLE log (n INTEGER);
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN
            INSERT INTO log VALUES (NEW.x);
            UPDATE t SET label = CASE WHEN NEW.x > 1 THEN 'big' ELSE 'small' END WHERE x = NEW.x;
        END;
        INSERT INTO t (x) VALUES (1), (2);
        SELECT x, label FROM t ORDER BY x;
        SELECT sum(n) AS total FROM log;
    """}))
    assert result.state is State.SUCCESS, result.error
    first, second = result.outputs["outputs"]
    assert first["size"] == 2 and second["size"] == 1
    with harness.files.open(first["uri"]) as handle:
        assert list(read_ion(handle.read().decode().splitlines(keepends=True))) == [
            {"x": 1, "label": "small"}, {"x": 2, "label": "big"}]


def test_file_database_rolls_back_on_failure(harness, tmp_path):
    database = tmp_path / "data.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        connection.execute("INSERT INTO t VALUES (1)")
    connection.close()
    result = harness.run(harness.task(Queries, {
        "url": f"jdbc:sqlite:{database}",
        "sql": "INSERT INTO t VALUES (2); CREATE TABLE u (y); INSERT INTO t VALUES (1);"}))
    assert result.state is State.FAILED
    assert "UNIQUE constraint failed: t.x" in result.error
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM t").fetchone() == (1,)
        assert connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'u'").fetchone() == (0,)
    connection.close()


def test_scripts_with_their_own_transactions_are_not_wrapped(harness):
    result = harness.run(harness.task(Queries, {"fetchType": "FETCH", "sql": """
        CREATE TABLE t (x);
        BEGIN;
        INSERT INTO t VALUES (1);
        COMMIT;
        SELECT count(*) AS c FROM t;
    """}))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["outputs"] == [{"rows": [{"c": 1}], "size": 1}]


def test_parameters_and_database_output(harness):
    result = harness.run(harness.task(Queries, {
        "url": "jdbc:sqlite:data.db", "outputDbFile": True, "fetchType": "FETCH_ONE",
        "parameters": {"who": "ann", "n": "{{ 2 + 1 }}"},
        "sql": "CREATE TABLE t (who, n); INSERT INTO t VALUES (:who, :n); "
               "SELECT who, n, ':who' AS lit FROM t"}))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["outputs"] == [{"row": {"who": "ann", "n": 3, "lit": ":who"}, "size": 1}]
    again = harness.run(harness.task(Query, {"sqliteFile": result.outputs["databaseUri"],
                                             "fetchType": "FETCH", "sql": "SELECT who FROM t"}))
    assert again.state is State.SUCCESS, again.error
    assert again.outputs == {"rows": [{"who": "ann"}], "size": 1}


def test_errors(harness):
    missing = harness.run(harness.task(Query, {"sql": "SELECT * FROM nope"}))
    assert missing.state is State.FAILED and "no such table: nope" in missing.error
    bad_param = harness.run(harness.task(Query, {"sql": "SELECT :a, :b", "parameters": {"a": 1}}))
    assert bad_param.state is State.FAILED and "parameters" in bad_param.error
    bad_url = harness.run(harness.task(Query, {"url": "jdbc:postgresql://h/db", "sql": "SELECT 1"}))
    assert bad_url.state is State.FAILED and "jdbc:sqlite:" in bad_url.error


def test_after_sql_runs_in_the_same_transaction_without_output(harness, tmp_path):
    database = tmp_path / "queue.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE queue (id INTEGER)")
        connection.execute("INSERT INTO queue VALUES (1), (2)")
    connection.close()
    result = harness.run(harness.task(Query, {
        "url": f"jdbc:sqlite:{database}", "fetchType": "FETCH", "sql": "SELECT id FROM queue ORDER BY id",
        "afterSQL": "DELETE FROM queue; SELECT 'ignored' AS x"}))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs == {"rows": [{"id": 1}, {"id": 2}], "size": 2}
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM queue").fetchone() == (0,)
    connection.close()
