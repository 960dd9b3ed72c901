"""The local warehouse engine: BigQuery semantics on DuckDB, bytes processed, pruning, locking."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from lanner.plugins.api import TaskFailure
from lanner.tasks.gcp.bq_engine import Engine, QueryOptions, StatementResult
from lanner.tasks.gcp.bq_sql import Names, merge_as_insert
from lanner.tasks.gcp.bq_warehouse import open_warehouse
from lanner.tasks.gcp.localbucket import LocalBuckets


class Warehouse:
    def __init__(self, root: Path) -> None:
        self.path = root / "wh.duckdb"
        self.buckets = LocalBuckets(root / "gcs")

    def run(self, sql: str, **options: Any) -> StatementResult:
        with open_warehouse(None, self.path) as (conn, catalog):
            engine = Engine(conn, catalog, self.buckets, Names("p", "d"))
            result = engine.run_script(sql, QueryOptions(**options))[-1]
            if result.rowset is not None:
                result.rows = [tuple(r) for b in result.rowset.batches for r in b]  # type: ignore[attr-defined]
            return result

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.run(sql).rows  # type: ignore[attr-defined, no-any-return]

    def bytes(self, sql: str) -> int:
        return self.run(sql, dry_run=True).bytes_processed


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    warehouse = Warehouse(tmp_path)
    warehouse.run("CREATE SCHEMA d OPTIONS(location = 'EU')")
    # 3 days x 2 rows + 1 NULL day; v is INT64 (8 bytes), s STRING ('ab': 4 bytes).
    warehouse.run("""CREATE TABLE d.t (ts TIMESTAMP, v INT64, s STRING) PARTITION BY DATE(ts);
                     INSERT INTO d.t VALUES
                       ('2019-01-01 01:00:00', 1, 'ab'), ('2019-01-01 23:00:00', 2, 'ab'),
                       ('2019-01-02 00:00:00', 3, 'ab'), ('2019-01-02 12:00:00', 4, 'ab'),
                       ('2019-01-03 10:00:00', 5, 'ab'), ('2019-01-03 11:00:00', 6, 'ab'),
                       (NULL, 7, 'ab')""")
    yield warehouse


DAY = 2 * 8  # the v bytes of one day's partition


@pytest.mark.parametrize(("where", "days"), [
    ("DATE(ts) = '2019-01-02'", 1),
    ("DATE(ts) = DATE '2019-01-02'", 1),
    ("DATE(ts) BETWEEN '2019-01-02' AND '2019-01-03'", 2),
    ("DATE(ts) >= '2019-01-02'", 2),
    ("DATE(ts) > '2019-01-02'", 1),
    ("DATE(ts) < '2019-01-02'", 1),
    ("'2019-01-02' >= DATE(ts)", 2),
    ("ts >= TIMESTAMP '2019-01-02 12:00:00'", 2),
    ("ts < '2019-01-02 00:00:00'", 1),
    ("ts = '2019-01-03 10:00:00'", 1),
    ("TIMESTAMP_TRUNC(ts, DAY) = '2019-01-01'", 1),
    ("CAST(ts AS DATE) IN ('2019-01-01', '2019-01-03')", 2),
    ("DATE(ts) = '2019-01-01' OR DATE(ts) = '2019-01-03'", 2),
    ("DATE(ts) = DATE_SUB(DATE '2019-01-03', INTERVAL 1 DAY)", 1),
    ("DATE(ts) = '2019-01-02' AND v > 0", 1),
    ("v > 3", 4),  # not a partition filter: every partition, the NULL one included
    ("DATE(ts) = '2019-01-02' OR v > 3", 4),
    ("ts IS NULL", 0.5),
    ("ts IS NOT NULL", 3),
    ("DATE(ts) = '2020-01-01'", 0),
])
def test_partition_filters_prune(wh: Warehouse, where: str, days: float) -> None:
    uses_ts = "ts" in where
    per_day = DAY + (2 * 8 if uses_ts else 0)  # ts is read too when the filter names it
    expected = int(days * per_day) if days != 0.5 else 8  # the NULL partition: one v, ts NULL (0 bytes)
    if days == 4:
        expected = 3 * per_day + 8
    assert wh.bytes(f"SELECT v FROM d.t WHERE {where}") == expected
    assert wh.run(f"SELECT v FROM d.t WHERE {where}").bytes_processed == expected


def test_pruning_through_ctes_joins_and_subqueries(wh: Warehouse) -> None:
    one_day = DAY + 2 * 8
    with_cte = "WITH x AS (SELECT v FROM d.t WHERE DATE(ts) = '2019-01-02') SELECT SUM(v) FROM x"
    assert wh.bytes(with_cte) == one_day
    assert wh.bytes("SELECT a.v FROM d.t AS a JOIN d.t AS b ON a.v = b.v AND DATE(a.ts) = '2019-01-02'") == (
        one_day + 7 * 8)
    assert wh.bytes("SELECT * FROM (SELECT s FROM d.t) WHERE s = 'ab'") == 7 * 4
    assert wh.bytes("SELECT COUNT(*) FROM d.t") == 0
    assert wh.bytes("SELECT * FROM d.t") == 6 * 8 + 7 * 8 + 7 * 4


def test_month_partitions_and_clustered_copies(wh: Warehouse) -> None:
    wh.run("CREATE TABLE d.m PARTITION BY TIMESTAMP_TRUNC(ts, MONTH) CLUSTER BY s, v AS SELECT * FROM d.t")
    parts = wh.rows("SELECT partition_id, total_rows FROM d.INFORMATION_SCHEMA.PARTITIONS "
                    "WHERE table_name = 'm' ORDER BY 1")
    assert parts == [("201901", 6), ("__NULL__", 1)]
    assert wh.bytes("SELECT v FROM d.m WHERE DATE(ts) = '2019-01-02'") == 6 * 8 + 6 * 8
    assert wh.bytes("SELECT v FROM d.m WHERE ts >= '2019-02-01'") == 0
    columns = wh.rows("SELECT column_name, is_partitioning_column, clustering_ordinal_position "
                      "FROM d.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'm'")
    assert columns == [("ts", "YES", None), ("v", "NO", 2), ("s", "NO", 1)]


def test_merge_semantics_and_statistics(wh: Warehouse) -> None:
    wh.run("CREATE TABLE d.target (k STRING, n INT64); INSERT INTO d.target VALUES ('a', 1)")
    wh.run("CREATE TABLE d.source AS SELECT * FROM UNNEST([STRUCT('a' AS k, 10 AS n), "
           "STRUCT('b' AS k, 2 AS n), STRUCT('b' AS k, 3 AS n)])")
    merged = wh.run("""MERGE d.target T USING d.source S ON T.k = S.k
                       WHEN NOT MATCHED THEN INSERT ROW""")
    assert merged.statement_type == "MERGE" and merged.affected_rows == 2
    # Every new-key source row is inserted, duplicates included; a matched row is left alone.
    assert wh.rows("SELECT k, n FROM d.target ORDER BY k, n") == [("a", 1), ("b", 2), ("b", 3)]
    wh.run("""MERGE d.target T USING (SELECT 'a' AS k, 5 AS n) S ON T.k = S.k
              WHEN MATCHED THEN UPDATE SET n = S.n
              WHEN NOT MATCHED BY SOURCE THEN DELETE""")
    assert wh.rows("SELECT k, n FROM d.target") == [("a", 5)]
    assert wh.rows("SELECT total_rows, total_logical_bytes FROM d.INFORMATION_SCHEMA.PARTITIONS "
                   "WHERE table_name = 'target'") == [(1, 3 + 8)]


@pytest.mark.parametrize(("merge", "insert"), [
    ("MERGE d.t T USING d.s S ON T.k = S.k WHEN NOT MATCHED THEN INSERT (k) VALUES (S.k)",
     "INSERT INTO d.t (k) SELECT S.k FROM d.s AS S WHERE NOT EXISTS(SELECT 1 FROM d.t AS T WHERE T.k = S.k)"),
    ("MERGE d.t USING (SELECT 1 AS k) s ON t.k = s.k WHEN NOT MATCHED AND s.k > 0 THEN INSERT (k) VALUES (k)",
     "INSERT INTO d.t (k) SELECT k FROM (SELECT 1 AS k) AS s "
     "WHERE NOT EXISTS(SELECT 1 FROM d.t WHERE t.k = s.k) AND s.k > 0"),
    ("MERGE d.t T USING d.s S ON T.k = S.k WHEN NOT MATCHED THEN INSERT ROW", None),
    ("MERGE d.t T USING d.t S ON T.k = S.k WHEN NOT MATCHED THEN INSERT (k) VALUES (S.k)",
     "INSERT INTO d.t (k) SELECT S.k FROM d.t AS S WHERE NOT EXISTS(SELECT 1 FROM d.t AS T WHERE T.k = S.k)"),
    ("MERGE d.t USING d.t ON TRUE WHEN NOT MATCHED THEN INSERT (k) VALUES (k)", None),
    ("MERGE d.t T USING d.s S ON T.k = S.k WHEN MATCHED THEN DELETE "
     "WHEN NOT MATCHED THEN INSERT (k) VALUES (S.k)", None),
])
def test_which_merges_run_as_an_anti_join_insert(merge: str, insert: str | None) -> None:
    rewritten = merge_as_insert(sqlglot.parse_one(merge, read="bigquery"))  # type: ignore[arg-type]
    assert (rewritten.sql("bigquery") if rewritten is not None else None) == insert


@pytest.mark.parametrize("merge", [
    # An insert-only MERGE runs as an anti-join INSERT; these forms must keep BigQuery's result.
    """MERGE d.target T USING d.source S ON T.k = S.k
       WHEN NOT MATCHED THEN INSERT (k, n) VALUES (S.k, S.n)""",
    """MERGE INTO `p.d.target` AS T USING (SELECT k, n FROM d.source) AS S ON T.k = S.k
       WHEN NOT MATCHED BY TARGET THEN INSERT (n, k) VALUES (n, k)""",
    """MERGE d.target USING d.source ON target.k = source.k
       WHEN NOT MATCHED THEN INSERT (k, n) VALUES (source.k, source.n)""",
    """MERGE d.target T USING d.source S ON T.k = S.k
       WHEN NOT MATCHED THEN INSERT ROW""",
])
def test_insert_only_merges_insert_every_new_key_row(wh: Warehouse, merge: str) -> None:
    wh.run("CREATE TABLE d.target (k STRING, n INT64); INSERT INTO d.target VALUES ('a', 1)")
    wh.run("CREATE TABLE d.source AS SELECT * FROM UNNEST([STRUCT('a' AS k, 10 AS n), "
           "STRUCT('b' AS k, 2 AS n), STRUCT('b' AS k, 3 AS n), STRUCT(CAST(NULL AS STRING) AS k, 4 AS n)])")
    merged = wh.run(merge)
    assert merged.statement_type == "MERGE" and merged.affected_rows == 3
    # NULL never matches, so it is new too; the duplicates of 'b' are both inserted.
    expected = [("a", 1), ("b", 2), ("b", 3), (None, 4)]
    assert wh.rows("SELECT k, n FROM d.target ORDER BY k NULLS LAST, n") == expected
    assert wh.run(merge).affected_rows == 1  # only the NULL key is new again
    assert wh.rows("SELECT total_rows FROM d.INFORMATION_SCHEMA.PARTITIONS "
                   "WHERE table_name = 'target'") == [(5,)]


def test_insert_only_merge_with_a_condition_and_a_dry_run(wh: Warehouse) -> None:
    wh.run("CREATE TABLE d.target (k STRING, n INT64)")
    wh.run("CREATE TABLE d.source AS SELECT * FROM UNNEST([STRUCT('a' AS k, 1 AS n), "
           "STRUCT('b' AS k, 2 AS n)])")
    merge = """MERGE d.target T USING d.source S ON T.k = S.k
               WHEN NOT MATCHED AND S.n > 1 THEN INSERT (k, n) VALUES (S.k, S.n)"""
    assert wh.run(merge, dry_run=True).bytes_processed == 2 * (2 + 1) + 2 * 8  # S.k and S.n
    assert wh.rows("SELECT count(*) FROM d.target") == [(0,)]
    assert wh.run(merge).affected_rows == 1
    assert wh.rows("SELECT k FROM d.target") == [("b",)]


def test_bytes_columns_are_stored_uncompressed(wh: Warehouse) -> None:
    # MD5 keys do not compress; DuckDB's compressors would only spend time trying.
    wh.run("CREATE TABLE d.main (id BYTES, s STRING)")
    wh.run("CREATE TABLE d.keys AS SELECT MD5(CAST(v AS STRING)) AS id, s FROM d.t")
    wh.run("INSERT INTO d.main SELECT * FROM d.keys")
    with open_warehouse(None, wh.path) as (conn, _):
        definitions = dict(conn.execute("SELECT table_name, sql FROM duckdb_tables() WHERE schema_name = 'd' "
                                        "AND table_name IN ('main', 'keys')").fetchall())
    for table in ("main", "keys"):
        assert "id BLOB USING COMPRESSION Uncompressed" in definitions[table], definitions[table]
    first = wh.rows("SELECT TO_HEX(id) FROM d.main ORDER BY 1 LIMIT 1")
    assert first == [("1679091c5a880faf6fb5e6087eb1b2dc",)]  # MD5('7'): the bytes survive


def test_statistics_stay_exact_across_appends(wh: Warehouse) -> None:
    for _ in range(3):
        wh.run("INSERT INTO d.t SELECT * FROM d.t WHERE DATE(ts) = '2019-01-01'")
    stored = wh.rows("SELECT partition_id, total_rows FROM d.INFORMATION_SCHEMA.PARTITIONS "
                     "WHERE table_name = 't' ORDER BY 1")
    actual = wh.rows("SELECT IFNULL(FORMAT_DATE('%Y%m%d', DATE(ts)), '__NULL__') AS p, COUNT(*) FROM d.t "
                     "GROUP BY p ORDER BY p")
    assert stored == actual and stored[0] == ("20190101", 16)


def test_replace_a_table_from_itself_and_views(wh: Warehouse) -> None:
    wh.run("CREATE OR REPLACE TABLE d.t PARTITION BY DATE(ts) AS SELECT * FROM d.t WHERE v <= 4")
    assert wh.rows("SELECT COUNT(*) FROM d.t") == [(4,)]
    wh.run("CREATE VIEW d.v AS SELECT v FROM d.t WHERE DATE(ts) = '2019-01-01'")
    assert wh.rows("SELECT SUM(v) FROM d.v") == [(3,)]
    assert wh.bytes("SELECT * FROM d.v") == DAY + 2 * 8
    with pytest.raises(TaskFailure, match=r"Already Exists: Table p:d\.v"):
        wh.run("CREATE VIEW d.v AS SELECT 1 AS x")
    wh.run("DROP VIEW d.v")
    assert wh.run("DROP TABLE IF EXISTS d.v").ddl_operation == "SKIP"


def test_bigquery_types_and_functions_keep_their_meaning(wh: Warehouse) -> None:
    row = wh.rows("""SELECT CAST(TIMESTAMP '2019-01-01 00:46:40' AS STRING),
                            CAST(9007199254740993 AS INTEGER) + 1,
                            TO_HEX(MD5('a')), SAFE_DIVIDE(1, 0),
                            CAST('1.123456789' AS NUMERIC)""")[0]
    assert row[0] == "2019-01-01 00:46:40+00"  # BigQuery's text of a TIMESTAMP
    assert row[1] == 9007199254740994 and row[2] == "0cc175b9c0f1b6a831c399e269772661" and row[3] is None
    assert str(row[4]) == "1.123456789"


def test_one_writer_at_a_time_across_threads(wh: Warehouse) -> None:
    wh.run("CREATE TABLE d.c (i INT64)")
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            for j in range(5):
                wh.run(f"INSERT INTO d.c VALUES ({i * 100 + j})")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert wh.rows("SELECT COUNT(*), COUNT(DISTINCT i) FROM d.c") == [(20, 20)]
    assert wh.rows("SELECT total_rows FROM d.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = 'c'") == [(20,)]


def test_a_failing_statement_of_a_script_leaves_the_earlier_ones(wh: Warehouse) -> None:
    with pytest.raises(TaskFailure, match=r"Statement 2 of 2: .*Not found: Table p:d.nope"):
        wh.run("CREATE TABLE d.ok (x INT64); INSERT INTO d.nope VALUES (1)")
    assert wh.rows("SELECT COUNT(*) FROM d.ok") == [(0,)]
