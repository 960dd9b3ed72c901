"""DuckDB Query / Queries end to end through the worker (embedded database, no server)."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pytest

from lanner.model.state import State
from lanner.plugins.serde import read_ion
from lanner.tasks.jdbc.duckdb import Queries, Query

EXEC = "kestra:///company/team/my-flow/executions/exec0000000000000000001"
PRODUCTS = [{"brand": "Apple", "price": 999.5}, {"brand": "Apple", "price": 500},
            {"brand": "Essence", "price": 9.99}, {"brand": "N/A", "price": 10}]


def _ion_rows(harness, uri):
    with harness.files.open(uri) as handle:
        return list(read_ion(handle.read().decode().splitlines(keepends=True)))


def test_course_flow_03_query_runs_offline(harness):
    """Seed flow 03: INSTALL json (built in) must not need the network; outputs[0].uri is the SELECT."""
    products = harness.files.put_bytes(f"{EXEC}/tasks/transform/r1/products.json",
                                       json.dumps(PRODUCTS).encode())
    task = harness.task(Queries, {
        "inputFiles": {"products.json": "{{ outputs.transform.outputFiles['products.json'] }}"},
        "fetchType": "STORE",
        "sql": """INSTALL json;
LOAD json;
SELECT brand, round(avg(price), 2) as avg_price
FROM read_json_auto('{{workingDir}}/products.json')
GROUP BY brand
ORDER BY avg_price DESC;
"""})
    result = harness.run(task, {"outputs": {"transform": {"outputFiles": {"products.json": products}}}})
    assert result.state is State.SUCCESS, result.error
    outputs = result.outputs["outputs"]
    assert len(outputs) == 1 and outputs[0]["size"] == 3
    assert outputs[0]["uri"].endswith(".ion")
    assert _ion_rows(harness, outputs[0]["uri"]) == [
        {"brand": "Apple", "avg_price": 749.75}, {"brand": "N/A", "avg_price": 10.0},
        {"brand": "Essence", "avg_price": 9.99}]


def test_relative_paths_resolve_in_the_working_directory(harness):
    task = harness.task(Query, {"inputFiles": {"in.csv": "id,name\n1,a\n2,b\n"}, "fetchType": "FETCH",
                                "sql": "SELECT * FROM read_csv_auto('in.csv') ORDER BY id"})
    result = harness.run(task)
    assert result.state is State.SUCCESS, result.error
    assert result.outputs == {"rows": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], "size": 2}


def test_output_files_are_uploaded(harness):
    task = harness.task(Queries, {
        "outputFiles": ["out", "report.csv"],
        "sql": """CREATE TABLE t AS SELECT range AS x FROM range(3);
COPY t TO '{{ outputFiles.out }}' (HEADER, DELIMITER ',');
COPY (SELECT count(*) AS n FROM t) TO '{{ outputFiles['report.csv'] }}' (HEADER);"""})
    result = harness.run(task)
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["outputs"] == []
    files = result.outputs["outputFiles"]
    with harness.files.open(files["out"]) as handle:
        assert handle.read() == b"x\n0\n1\n2\n"
    with harness.files.open(files["report.csv"]) as handle:
        assert handle.read() == b"n\n3\n"


def test_fetch_types_and_cell_types(harness):
    sql = ("SELECT 1 AS i, 1.50::DECIMAL(5,2) AS d, 2.5::DOUBLE AS f, 'x\"y' AS s, "
           "TIMESTAMP '2019-01-01 00:46:40' AS ts, TIMESTAMPTZ '2019-01-01 00:46:40+00' AS tz, "
           "DATE '2019-01-01' AS day, [1, 2] AS l, "
           "{'k': 'v'} AS st, NULL AS n")
    one = harness.run(harness.task(Query, {"sql": sql, "fetchType": "FETCH_ONE"}))
    assert one.state is State.SUCCESS, one.error
    assert one.outputs == {"row": {"i": 1, "d": 1.5, "f": 2.5, "s": 'x"y', "ts": "2019-01-01T00:46:40",
                                   "tz": "2019-01-01T00:46:40Z", "day": "2019-01-01", "l": [1, 2],
                                   "st": {"k": "v"}, "n": None}, "size": 1}
    stored = harness.run(harness.task(Query, {"sql": sql, "store": True}))
    with harness.files.open(stored.outputs["uri"]) as handle:
        line = handle.read().decode()
    assert line == ('{i:1,d:1.50,f:2.5e0,s:"x\\"y",ts:LocalDateTime::"2019-01-01T00:46:40",'
                    'tz:2019-01-01T00:46:40Z,day:2019-01-01,l:[1,2],st:{k:"v"},n:null}\n')
    tokyo = harness.run(harness.task(Query, {"sql": "SELECT TIMESTAMPTZ '2019-01-01 00:00:00+00' AS t",
                                             "fetchType": "FETCH_ONE", "timeZoneId": "Asia/Tokyo"}))
    assert tokyo.outputs["row"] == {"t": "2019-01-01T09:00:00+09:00"}


def test_fetch_size_batches_and_the_metric(harness):
    result = harness.run(harness.task(Query, {"sql": "SELECT range AS x FROM range(2500)",
                                              "fetchType": "STORE", "fetchSize": 1000}))
    assert result.outputs["size"] == 2500
    rows = _ion_rows(harness, result.outputs["uri"])
    assert rows[0] == {"x": 0} and rows[-1] == {"x": 2499} and len(rows) == 2500
    assert [(m.name, m.value) for m in result.metrics] == [("fetch.size", 2500.0)]


def test_none_fetch_type_adds_an_empty_entry_per_result(harness):
    sql = "CREATE TABLE t (x int); SELECT 1; INSERT INTO t VALUES (1); SELECT 2"
    result = harness.run(harness.task(Queries, {"sql": sql}))
    assert result.outputs == {"outputs": [{}, {}]}


def test_insert_returning_is_a_result_set(harness):
    result = harness.run(harness.task(Queries, {
        "fetchType": "FETCH",
        "sql": "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2) RETURNING x * 10 AS y; "
               "SELECT count(*) AS c FROM t"}))
    assert result.outputs["outputs"] == [{"rows": [{"y": 10}, {"y": 20}], "size": 2},
                                         {"rows": [{"c": 2}], "size": 1}]


def test_parameters(harness):
    result = harness.run(harness.task(Queries, {
        "fetchType": "FETCH_ONE", "parameters": {"name": "o'brien", "n": 3},
        "sql": "CREATE TABLE t AS SELECT :name AS who; SELECT who, :n * 2 AS twice, ':n' AS literal FROM t"}))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs["outputs"] == [{"row": {"who": "o'brien", "twice": 6, "literal": ":n"}, "size": 1}]


def test_a_failure_rolls_back_the_whole_script(harness, tmp_path):
    database = tmp_path / "kept.db"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE t (x int PRIMARY KEY); INSERT INTO t VALUES (1)")
    result = harness.run(harness.task(Queries, {
        "url": f"jdbc:duckdb:{database}",
        "sql": "INSERT INTO t VALUES (2); CREATE TABLE u (y int); INSERT INTO t VALUES (1);"}))
    assert result.state is State.FAILED
    assert "Statement 3 of 3 failed" in result.error and "Duplicate key" in result.error
    with duckdb.connect(str(database)) as connection:
        assert connection.execute("SELECT count(*) FROM t").fetchone() == (1,)
        tables = connection.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'u'")
        assert tables.fetchone() == (0,)


def test_database_file_in_and_out(harness):
    first = harness.run(harness.task(Queries, {"outputDbFile": True,
                                               "sql": "CREATE TABLE t AS SELECT 42 AS answer;"}))
    assert first.state is State.SUCCESS, first.error
    database = first.outputs["databaseUri"]
    second = harness.run(harness.task(Query, {"databaseUri": database, "fetchType": "FETCH_ONE",
                                              "sql": "SELECT answer FROM t"}))
    assert second.state is State.SUCCESS, second.error
    assert second.outputs == {"row": {"answer": 42}, "size": 1}


def test_query_with_several_statements_warns(harness):
    result = harness.run(harness.task(Query, {"sql": "CREATE TABLE t AS SELECT 1 AS x; SELECT x FROM t",
                                              "fetchType": "FETCH_ONE"}))
    assert result.outputs == {"row": {"x": 1}, "size": 1}
    assert any("single SQL statement" in message for message in harness.messages("WARN"))


@pytest.mark.parametrize(
    ("sql", "message"),
    [("SELECT * FROM nope", "Table with name nope does not exist"),
     ("SELEC 1", "syntax error"),
     ("SELECT * FROM read_csv_auto('missing.csv')", "missing.csv")],
)
def test_errors_keep_duckdbs_words(harness, sql, message):
    result = harness.run(harness.task(Query, {"sql": sql}))
    assert result.state is State.FAILED
    assert message in result.error


def test_missing_parameter_is_named(harness):
    result = harness.run(harness.task(Query, {"sql": "SELECT :a + $b", "parameters": {"a": 1}}))
    assert result.state is State.FAILED
    assert "b" in result.error and "parameters" in result.error


def test_naive_timestamps_round_trip_through_ion(harness):
    result = harness.run(harness.task(Query, {"sql": "SELECT TIMESTAMP '2020-02-29 12:00:00.5' AS t",
                                              "fetchType": "STORE"}))
    assert _ion_rows(harness, result.outputs["uri"]) == [{"t": datetime(2020, 2, 29, 12, 0, 0, 500000)}]
