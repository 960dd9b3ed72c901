"""PostgreSQL Query / Queries / CopyOut against a real PostgreSQL 18, through the worker."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime
from decimal import Decimal

import pytest

from lanner.model.state import State
from lanner.plugins.serde import read_ion
from lanner.tasks.jdbc.postgresql import CopyOut, Queries, Query

pytestmark = pytest.mark.slow

TABLE = """
CREATE TABLE trips (
    id integer PRIMARY KEY,
    vendor text,
    pickup timestamp,
    fare numeric(10, 2),
    distance double precision,
    paid boolean,
    extra jsonb
);
"""


def _seed(pgdb) -> None:
    with pgdb.connect() as connection:
        connection.execute(TABLE)
        connection.execute(
            "INSERT INTO trips VALUES "
            "(1, 'Creative \"Mobile\"', '2019-01-01 00:46:40', 7.50, 1.5, true, '{\"a\": [1, 2]}'),"
            "(2, 'VeriFone', '2019-01-01 01:02:03.250', 12.00, 3.25, false, NULL),"
            "(3, NULL, NULL, NULL, NULL, NULL, NULL)")


def test_queries_run_ddl_and_dml_in_one_transaction(harness, pgdb):
    task = harness.task(Queries, pgdb.task(fetchType="FETCH", sql=TABLE + """
        INSERT INTO trips (id, vendor) VALUES (1, 'a; b'), (2, $$it's; fine$$);
        -- a comment; with a semicolon
        SELECT id, vendor FROM trips ORDER BY id;
        UPDATE trips SET vendor = upper(vendor);
        SELECT count(*) AS n FROM trips;
    """))
    result = harness.run(task)
    assert result.state is State.SUCCESS, result.error
    outputs = result.outputs["outputs"]
    assert outputs == [
        {"rows": [{"id": 1, "vendor": "a; b"}, {"id": 2, "vendor": "it's; fine"}], "size": 2},
        {"rows": [{"n": 2}], "size": 1},
    ]
    assert pgdb.scalar("SELECT string_agg(vendor, '|' ORDER BY id) FROM trips") == "A; B|IT'S; FINE"


def test_a_failing_statement_rolls_everything_back(harness, pgdb):
    _seed(pgdb)
    task = harness.task(Queries, pgdb.task(sql="""
        CREATE TABLE merged (id integer);
        INSERT INTO merged SELECT id FROM trips;
        DELETE FROM trips WHERE id = 1;
        INSERT INTO trips (id) VALUES (2);
    """))
    result = harness.run(task)
    assert result.state is State.FAILED
    assert "Statement 4 of 4 failed" in result.error
    assert "duplicate key value violates unique constraint" in result.error
    # Nothing half-applied: no new table, the deleted row is back.
    assert pgdb.scalar("SELECT to_regclass('merged') IS NULL") is True
    assert pgdb.scalar("SELECT count(*) FROM trips") == 3
    assert any("Rolled back" in message for message in harness.messages("WARN"))


def test_without_transaction_each_statement_is_kept(harness, pgdb):
    _seed(pgdb)
    task = harness.task(Queries, pgdb.task(transaction=False, sql="""
        DELETE FROM trips WHERE id = 1;
        INSERT INTO trips (id) VALUES (2);
    """))
    assert harness.run(task).state is State.FAILED
    assert pgdb.scalar("SELECT count(*) FROM trips") == 2


def test_fetch_one_fetch_and_store(harness, pgdb):
    _seed(pgdb)
    one = harness.run(harness.task(Query, pgdb.task(
        sql="SELECT * FROM trips ORDER BY id", fetchType="FETCH_ONE")))
    assert one.state is State.SUCCESS, one.error
    assert one.outputs == {"row": {"id": 1, "vendor": 'Creative "Mobile"', "pickup": "2019-01-01T00:46:40",
                                   "fare": 7.5, "distance": 1.5, "paid": True, "extra": {"a": [1, 2]}},
                           "size": 1}

    fetched = harness.run(harness.task(Query, pgdb.task(
        sql="SELECT id, fare FROM trips ORDER BY id", fetch=True)))  # the deprecated boolean
    assert fetched.outputs["rows"] == [{"id": 1, "fare": 7.5}, {"id": 2, "fare": 12}, {"id": 3, "fare": None}]
    assert fetched.outputs["size"] == 3

    stored = harness.run(harness.task(Query, pgdb.task(
        sql="SELECT * FROM trips ORDER BY id", fetchType="STORE", fetchSize=2)))
    assert stored.state is State.SUCCESS, stored.error
    assert stored.outputs["size"] == 3
    uri = stored.outputs["uri"]
    assert uri.endswith(".ion")
    with harness.files.open(uri) as handle:
        text = handle.read().decode()
    assert text.splitlines()[0] == (
        '{id:1,vendor:"Creative \\"Mobile\\"",pickup:LocalDateTime::"2019-01-01T00:46:40",'
        'fare:7.50,distance:1.5e0,paid:true,extra:{a:[1,2]}}')
    rows = list(read_ion(text.splitlines(keepends=True)))
    assert rows[1]["pickup"] == datetime(2019, 1, 1, 1, 2, 3, 250000)
    assert rows[1]["fare"] == Decimal("12.00")
    columns = ["id", "vendor", "pickup", "fare", "distance", "paid", "extra"]
    assert rows[2] == dict.fromkeys(columns) | {"id": 3}
    assert any(metric.name == "fetch.size" and metric.value == 3 for metric in stored.metrics)


def test_fetch_one_of_an_empty_result_and_of_a_statement_without_rows(harness, pgdb):
    _seed(pgdb)
    empty = harness.run(harness.task(Query, pgdb.task(sql="SELECT * FROM trips WHERE false",
                                                      fetchType="FETCH_ONE")))
    assert empty.outputs == {"row": None, "size": 0}
    update = harness.run(harness.task(Query, pgdb.task(sql="UPDATE trips SET paid = true",
                                                       fetchType="FETCH")))
    assert update.state is State.SUCCESS and update.outputs == {}


def test_parameters_are_bound_not_pasted(harness, pgdb):
    _seed(pgdb)
    task = harness.task(Query, pgdb.task(
        fetchType="FETCH",
        sql="SELECT id, :vendor::text AS echoed, '100%' AS pct FROM trips "
            "WHERE vendor LIKE :pattern AND id > :min_id -- :not_a_param",
        parameters={"vendor": "x'); DROP TABLE trips; --", "pattern": "Veri%", "min_id": "{{ 1 }}"}))
    result = harness.run(task)
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["rows"] == [{"id": 2, "echoed": "x'); DROP TABLE trips; --", "pct": "100%"}]
    assert pgdb.scalar("SELECT count(*) FROM trips") == 3


def test_several_statements_in_query_warn_and_run(harness, pgdb):
    result = harness.run(harness.task(Query, pgdb.task(
        sql="CREATE TABLE t (x int); INSERT INTO t VALUES (7); SELECT x FROM t", fetchType="FETCH_ONE")))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs == {"row": {"x": 7}, "size": 1}
    assert any("single SQL statement" in message for message in harness.messages("WARN"))


def test_course_host_names_are_mapped_by_the_hosts_configuration(harness, pgdb):
    hosts = {"pgdatabase": f"127.0.0.1:{pgdb.port}"}
    harness.deps = dataclasses.replace(harness.deps, config={"hosts": hosts})
    task = harness.task(Query, pgdb.task(url=f"jdbc:postgresql://pgdatabase:5432/{pgdb.name}",
                                         sql="SELECT current_database() AS db", fetchType="FETCH_ONE"))
    result = harness.run(task)
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["row"] == {"db": pgdb.name}


def test_wrong_password_fails_cleanly_without_echoing_it(harness, pgdb):
    wrong = "not-the-Password-42"
    result = harness.run(harness.task(Query, pgdb.task(password=wrong, sql="SELECT 1")))
    assert result.state is State.FAILED
    assert f'password authentication failed for user "{pgdb.user}"' in result.error
    assert f"127.0.0.1:{pgdb.port}/{pgdb.name}" in result.error
    assert all(wrong not in message for message in harness.messages())


def test_unknown_host_says_how_to_map_it(harness, pgdb):
    result = harness.run(harness.task(Query, pgdb.task(
        url="jdbc:postgresql://nosuchhost.invalid:5432/ny_taxi", sql="SELECT 1")))
    assert result.state is State.FAILED
    assert "Cannot connect to PostgreSQL at nosuchhost.invalid:5432/ny_taxi" in result.error
    assert "hosts" in result.error


def test_missing_table_names_it(harness, pgdb):
    result = harness.run(harness.task(Query, pgdb.task(sql="SELECT * FROM public.nope")))
    assert result.state is State.FAILED
    assert 'relation "public.nope" does not exist' in result.error
    assert "42P01" in result.error


def test_copy_out_a_query_to_csv(harness, pgdb):
    _seed(pgdb)
    result = harness.run(harness.task(CopyOut, pgdb.task(
        sql="SELECT id, vendor FROM trips ORDER BY id", format="CSV", header=True, delimiter=";")))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["rowCount"] == 3
    with harness.files.open(result.outputs["uri"]) as handle:
        assert handle.read().decode() == 'id;vendor\n1;"Creative ""Mobile"""\n2;VeriFone\n3;\n'

    table = harness.run(harness.task(CopyOut, pgdb.task(table="trips", columns=["id", "paid"])))
    with harness.files.open(table.outputs["uri"]) as handle:
        assert handle.read().decode().splitlines() == ["1\tt", "2\tf", "3\t\\N"]


def test_a_killed_query_is_cancelled_on_the_server(harness, pgdb):
    kill = threading.Event()
    timer = threading.Timer(0.5, kill.set)
    timer.start()
    try:
        result = harness.run(harness.task(Query, pgdb.task(sql="SELECT pg_sleep(30)")), kill_event=kill)
    finally:
        timer.cancel()
    assert result.state is State.KILLED
    assert result.ended_at is not None
    assert pgdb.scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'") == 0


def test_fetch_one_of_a_large_result_leaves_the_transaction_usable(harness, pgdb):
    result = harness.run(harness.task(Queries, pgdb.task(fetchType="FETCH_ONE", fetchSize=1000, sql="""
        CREATE TABLE big AS SELECT generate_series(1, 200000) AS n;
        SELECT n FROM big ORDER BY n;
        SELECT count(*) AS c FROM big;
    """)))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["outputs"] == [{"row": {"n": 1}, "size": 1}, {"row": {"c": 200000}, "size": 1}]
    assert pgdb.scalar("SELECT count(*) FROM big") == 200000
