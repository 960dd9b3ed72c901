"""BigQuery tasks in local mode, through the real worker (``run_task``): the local warehouse."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from lanner.model.state import State
from lanner.plugins.serde import read_ion
from lanner.tasks.gcp import bigquery, gcs

EXEC = "kestra:///company/team/my-flow/executions/exec0000000000000000001"
SECRET_BODY = "TOPSECRETKEYBODY42"
KEY = {"type": "service_account", "project_id": "key-project", "private_key_id": "0123456789abcdef0123",
       "private_key": f"-----BEGIN PRIVATE KEY-----\n{SECRET_BODY}\n-----END PRIVATE KEY-----\n",
       "client_email": "bot@key-project.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}
CSV = (b"VendorID,pickup,amount\n"
       b"1,2019-01-01 00:10:00,10.5\n"
       b"2,2019-01-01 23:59:59,3.25\n"
       b"1,2019-01-02 08:00:00,7\n"
       b",2019-01-03 12:00:00,\n")


@pytest.fixture
def h(harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    harness.deps.config = {"gcp": {"mode": "local", "local": {"storage-dir": str(tmp_path / "gcs"),
                                                              "warehouse": str(tmp_path / "wh.duckdb")}}}
    harness.env["SECRET_GCP_CREDS"] = base64.b64encode(json.dumps(KEY).encode()).decode()
    return harness


def run(h: Any, cls: type, props: dict[str, Any]) -> Any:
    props = {"serviceAccount": "{{ secret('GCP_CREDS') }}", "projectId": "my-project", **props}
    return h.run(h.task(cls, props))


def ok(result: Any) -> dict[str, Any]:
    assert result.state is State.SUCCESS, result.error
    return dict(result.outputs)


def failed(result: Any) -> str:
    assert result.state is State.FAILED, result.outputs
    return str(result.error)


def query(h: Any, sql: str, **props: Any) -> dict[str, Any]:
    return ok(run(h, bigquery.Query, {"sql": sql, **props}))


@pytest.fixture
def dataset(h: Any) -> str:
    ok(run(h, bigquery.CreateDataset, {"name": "zoomcamp", "location": "EU"}))
    return "zoomcamp"


@pytest.fixture
def bucket_csv(h: Any) -> str:
    ok(run(h, gcs.CreateBucket, {"name": "my-bucket"}))
    source = h.files.put_bytes(f"{EXEC}/tasks/extract/r1/trips.csv", CSV)
    ok(run(h, gcs.Upload, {"from": source, "to": "gs://my-bucket/trips_2019-01.csv"}))
    return "gs://my-bucket/trips_2019-01.csv"


def test_create_dataset_skip_update_and_error(h: Any) -> None:
    created = ok(run(h, bigquery.CreateDataset, {"name": "zoomcamp", "location": "europe-west2",
                                                 "description": "course"}))
    assert created == {"dataset": "zoomcamp", "project": "my-project", "friendlyName": None,
                       "description": "course", "location": "europe-west2"}
    skipped = ok(run(h, bigquery.CreateDataset, {"name": "zoomcamp", "ifExists": "SKIP", "location": "US"}))
    assert skipped["location"] == "europe-west2"
    updated = ok(run(h, bigquery.CreateDataset, {"name": "zoomcamp", "ifExists": "UPDATE",
                                                 "friendlyName": "Zoom"}))
    assert updated["friendlyName"] == "Zoom" and updated["description"] == "course"
    assert "Already Exists: Dataset my-project:zoomcamp" in failed(
        run(h, bigquery.CreateDataset, {"name": "zoomcamp"}))


def test_one_local_line_and_the_key_never_shows(h: Any, dataset: str) -> None:
    query(h, "SELECT 1 AS one")
    notices = [m for m in h.messages("INFO") if m.startswith("GCP local mode: BigQuery")]
    assert len(notices) == 2  # one per task run (CreateDataset, Query)
    assert "warehouse" in notices[0] and "no Google Cloud calls" in notices[0]
    assert not any(SECRET_BODY in m for m in h.messages())


def test_project_defaults_to_the_key_s(h: Any) -> None:
    task = h.task(bigquery.CreateDataset, {"name": "d1", "serviceAccount": "{{ secret('GCP_CREDS') }}"})
    out = ok(h.run(task))
    assert out["project"] == "key-project"


def test_malformed_service_account_fails_clearly_without_echo(h: Any) -> None:
    broken = b'{"type": "service_account", "private_key": "SEKRIT-1234567"'  # no closing brace
    h.env["SECRET_BAD"] = base64.b64encode(broken).decode()
    task = h.task(bigquery.Query, {"sql": "SELECT 1", "serviceAccount": "{{ secret('BAD') }}"})
    error = failed(h.run(task))
    assert "`serviceAccount` is not valid JSON" in error
    assert "SEKRIT" not in error and not any("SEKRIT" in m for m in h.messages())


def test_fetch_types(h: Any) -> None:
    sql = ("SELECT x, CAST(x AS NUMERIC) / 4 AS q, CONCAT('v', CAST(x AS STRING)) AS s "
           "FROM UNNEST([1, 2, 3]) AS x ORDER BY x")
    one = query(h, sql, fetchType="FETCH_ONE")
    assert one["row"] == {"x": 1, "q": 0.25, "s": "v1"} and one["size"] == 1
    rows = query(h, sql, fetchType="FETCH")
    assert [r["s"] for r in rows["rows"]] == ["v1", "v2", "v3"] and rows["size"] == 3
    stored = query(h, sql, fetchType="STORE")
    assert stored["size"] == 3
    with h.files.open(stored["uri"]) as handle:
        values = list(read_ion(line.decode() for line in handle))
    assert [v["x"] for v in values] == [1, 2, 3]
    none = query(h, sql)
    assert "rows" not in none and "row" not in none and none["jobId"].startswith("job_local_")


def test_seed_style_elt_with_merge_semantics(h: Any, dataset: str, bucket_csv: str) -> None:
    query(h, """CREATE TABLE IF NOT EXISTS `my-project.zoomcamp.trips` (
                  unique_row_id BYTES OPTIONS (description = 'hash'),
                  filename STRING, VendorID STRING OPTIONS (description = 'vendor'),
                  pickup TIMESTAMP, amount NUMERIC) PARTITION BY DATE(pickup)""")
    query(h, f"""CREATE OR REPLACE EXTERNAL TABLE `my-project.zoomcamp.trips_ext`
                 (VendorID STRING, pickup TIMESTAMP, amount NUMERIC)
                 OPTIONS (format = 'CSV', uris = ['{bucket_csv}'], skip_leading_rows = 1,
                          ignore_unknown_values = TRUE)""")
    for _ in range(2):  # the second load of the same file adds nothing
        tmp = query(h, """CREATE OR REPLACE TABLE `my-project.zoomcamp.trips_tmp` AS
                          SELECT MD5(CONCAT(COALESCE(CAST(VendorID AS STRING), ""),
                                            COALESCE(CAST(pickup AS STRING), ""))) AS unique_row_id,
                                 "trips.csv" AS filename, *
                          FROM `my-project.zoomcamp.trips_ext`""")
        assert tmp["totalBytesProcessed"] == len(CSV)  # an external CSV is read whole
        query(h, """MERGE INTO `my-project.zoomcamp.trips` T USING `my-project.zoomcamp.trips_tmp` S
                    ON T.unique_row_id = S.unique_row_id
                    WHEN NOT MATCHED THEN INSERT (unique_row_id, filename, VendorID, pickup, amount)
                    VALUES (S.unique_row_id, S.filename, S.VendorID, S.pickup, S.amount)""")
    count = query(h, "SELECT COUNT(*) AS n, COUNT(DISTINCT filename) AS f FROM zoomcamp.trips",
                  fetchType="FETCH_ONE")["row"]
    assert count == {"n": 4, "f": 1}
    parts = query(h, """SELECT partition_id, total_rows FROM zoomcamp.INFORMATION_SCHEMA.PARTITIONS
                        WHERE table_name = 'trips' ORDER BY partition_id""", fetchType="FETCH")
    assert parts["rows"] == [{"partition_id": "20190101", "total_rows": 2},
                             {"partition_id": "20190102", "total_rows": 1},
                             {"partition_id": "20190103", "total_rows": 1}]
    assert parts["totalBytesProcessed"] == 10 * 1024 * 1024
    row = query(h, "SELECT * FROM zoomcamp.trips WHERE amount IS NULL", fetchType="FETCH_ONE")["row"]
    assert row["VendorID"] is None and row["pickup"].startswith("2019-01-03T12:00:00")
    meta = ok(run(h, bigquery.TableMetadata, {"dataset": "zoomcamp", "table": "trips"}))
    assert meta["numRows"] == 4
    standard = meta["definition"]["standardTableDefinition"]
    assert standard["timePartitioning"] == {"type": "DAY", "field": "pickup"}
    fields = meta["definition"]["schema"]["fields"]
    assert fields[0] == {"name": "unique_row_id", "type": "BYTES", "mode": "NULLABLE", "description": "hash"}


def test_partition_pruning_and_dry_run(h: Any, dataset: str, bucket_csv: str) -> None:
    query(h, f"""CREATE EXTERNAL TABLE zoomcamp.ext OPTIONS (format = 'CSV', uris = ['{bucket_csv}'])""")
    query(h, "CREATE TABLE zoomcamp.plain AS SELECT * FROM zoomcamp.ext")
    query(h, "CREATE TABLE zoomcamp.part PARTITION BY DATE(pickup) CLUSTER BY VendorID AS "
             "SELECT * FROM zoomcamp.ext")
    # Auto-detected types: VendorID INT64 (3 non-null values x 8 bytes), pickup 4 x 8 bytes.
    where = "WHERE DATE(pickup) BETWEEN '2019-01-02' AND '2019-01-31'"
    plain = query(h, f"SELECT DISTINCT VendorID FROM zoomcamp.plain {where}")
    assert plain["totalBytesProcessed"] == 3 * 8 + 4 * 8
    dry = query(h, f"SELECT DISTINCT VendorID FROM zoomcamp.part {where}", dryRun=True, fetchType="FETCH")
    # Only the partitions of 2019-01-02 (VendorID 1) and 2019-01-03 (VendorID NULL: 0 bytes).
    assert dry["totalBytesProcessed"] == 8 + 2 * 8 and "rows" not in dry
    real = query(h, f"SELECT DISTINCT VendorID FROM zoomcamp.part {where} ORDER BY 1", fetchType="FETCH")
    assert real["totalBytesProcessed"] == dry["totalBytesProcessed"]
    assert real["rows"] == [{"VendorID": None}, {"VendorID": 1}]  # BigQuery sorts NULLs first
    assert query(h, "SELECT COUNT(*) AS n FROM zoomcamp.part")["totalBytesProcessed"] == 0
    over = run(h, bigquery.Query, {"sql": "SELECT * FROM zoomcamp.plain", "maximumBytesBilled": 1000})
    assert "Query exceeded limit for bytes billed: 1000. 10485760 or higher required." in failed(over)
    # A dry run changes nothing.
    query(h, "CREATE TABLE zoomcamp.never AS SELECT 1 AS x", dryRun=True)
    assert "Not found: Table" in failed(run(h, bigquery.Query, {"sql": "SELECT * FROM zoomcamp.never"}))


def test_destination_table_and_write_dispositions(h: Any, dataset: str) -> None:
    out = query(h, "SELECT 1 AS x", destinationTable="zoomcamp.dest")
    assert out["destinationTable"] == {"project": "my-project", "dataset": "zoomcamp", "table": "dest"}
    again = run(h, bigquery.Query, {"sql": "SELECT 2 AS x", "destinationTable": "zoomcamp.dest"})
    assert "not empty" in failed(again)
    query(h, "SELECT 2 AS x", destinationTable="zoomcamp.dest", writeDisposition="WRITE_APPEND")
    rows = query(h, "SELECT x FROM zoomcamp.dest ORDER BY x", fetchType="FETCH")["rows"]
    assert rows == [{"x": 1}, {"x": 2}]
    query(h, "SELECT 3 AS x", destinationTable="zoomcamp.dest", writeDisposition="WRITE_TRUNCATE")
    assert query(h, "SELECT x FROM zoomcamp.dest", fetchType="FETCH")["rows"] == [{"x": 3}]


@pytest.mark.parametrize(("sql", "construct"), [
    ("SELECT FARM_FINGERPRINT('a')", "Function FARM_FINGERPRINT"),
    ("SELECT NET.HOST('http://x')", "Function NET.HOST"),
    ("DECLARE x INT64 DEFAULT 1", "Scripting (DECLARE)"),
    ("SELECT * FROM zoomcamp.t FOR SYSTEM_TIME AS OF TIMESTAMP '2020-01-01'", "Time travel"),
    ("CREATE TABLE zoomcamp.r PARTITION BY RANGE_BUCKET(x, GENERATE_ARRAY(0, 10, 1)) AS SELECT 1 AS x",
     "PARTITION BY RANGE_BUCKET"),
    ("CREATE TABLE zoomcamp.g (p GEOGRAPHY)", "Type GEOGRAPHY"),
    ("SELECT * FROM zoomcamp.INFORMATION_SCHEMA.JOBS", "INFORMATION_SCHEMA.JOBS"),
    ("CREATE TEMP FUNCTION f(x INT64) AS (x + 1)", "CREATE FUNCTION"),
    ("SELECT * FROM `zoomcamp.trips_*` WHERE _TABLE_SUFFIX = '2019'", "Wildcard tables (trips_*"),
])
def test_unsupported_sql_names_the_construct(h: Any, dataset: str, sql: str, construct: str) -> None:
    error = failed(run(h, bigquery.Query, {"sql": sql}))
    assert construct in error and "not supported by the BigQuery local mode" in error


def test_errors_in_bigquery_terms(h: Any, dataset: str) -> None:
    assert "Not found: Dataset my-project:nope" in failed(
        run(h, bigquery.Query, {"sql": "CREATE TABLE nope.t (x INT64)"}))
    unqualified = run(h, bigquery.Query, {"sql": "SELECT * FROM t"})
    assert 'Table "t" must be qualified with a dataset' in failed(unqualified)
    assert "Syntax error" in failed(run(h, bigquery.Query, {"sql": "SELEC 1"}))
    query(h, "CREATE TABLE zoomcamp.t (x INT64)")
    assert "Already Exists: Table my-project:zoomcamp.t" in failed(
        run(h, bigquery.Query, {"sql": "CREATE TABLE zoomcamp.t (x INT64)"}))
    assert "Legacy SQL" in failed(run(h, bigquery.Query, {"sql": "SELECT 1", "legacySql": True}))


def test_scripts_keep_the_last_result_and_sum_bytes(h: Any, dataset: str) -> None:
    out = query(h, """CREATE TABLE zoomcamp.s (x INT64, s STRING);
                      INSERT INTO zoomcamp.s VALUES (1, 'a'), (2, 'bb');
                      SELECT SUM(x) AS total FROM zoomcamp.s""", fetchType="FETCH_ONE")
    assert out["row"] == {"total": 3} and out["totalBytesProcessed"] == 16
    out = query(h, "UPDATE zoomcamp.s SET s = 'c' WHERE x = 2; DELETE FROM zoomcamp.s WHERE x = 1")
    # UPDATE: q (x, s: 16 + 7) + t (all columns: 16 + 7); DELETE: q (x: 16) + t (all: 16 + 6)
    assert out["totalBytesProcessed"] == 23 + 23 + 16 + 22
    assert query(h, "SELECT x, s FROM zoomcamp.s", fetchType="FETCH")["rows"] == [{"x": 2, "s": "c"}]


def test_create_table_definition_metadata_and_delete(h: Any, dataset: str) -> None:
    definition = {"type": "TABLE", "schema": {"fields": [
        {"name": "day", "type": "DATE", "mode": "REQUIRED", "description": "the day"},
        {"name": "tags", "type": "STRING", "mode": "REPEATED"},
        {"name": "n", "type": "INTEGER"}]},
        "standardTableDefinition": {"timePartitioning": {"type": "DAY", "field": "day"},
                                    "clustering": {"fields": ["n"]}}}
    out = ok(run(h, bigquery.CreateTable, {"dataset": "zoomcamp", "table": "days",
                                           "tableDefinition": definition, "description": "days"}))
    assert out["table"] == "days" and out["description"] == "days"
    assert out["definition"]["standardTableDefinition"]["clustering"] == {"fields": ["n"]}
    fields = out["definition"]["schema"]["fields"]
    assert fields[1] == {"name": "tags", "type": "STRING", "mode": "REPEATED"}
    skipped = ok(run(h, bigquery.CreateTable, {"dataset": "zoomcamp", "table": "days", "ifExists": "SKIP",
                                               "tableDefinition": definition}))
    assert skipped["table"] == "days"
    query(h, "INSERT INTO zoomcamp.days (day, tags, n) VALUES "
             "('2019-01-01', ['a'], 1), ('2019-01-02', [], 2)")
    ok(run(h, bigquery.DeleteTable, {"dataset": "zoomcamp", "table": "days$20190101"}))
    assert query(h, "SELECT n FROM zoomcamp.days", fetchType="FETCH")["rows"] == [{"n": 2}]
    for bad in ("days$2019011", "days$2019-01-02", "days$201901"):
        refused = failed(run(h, bigquery.DeleteTable, {"dataset": "zoomcamp", "table": bad}))
        assert "write e.g. days$20190101" in refused
    assert query(h, "SELECT n FROM zoomcamp.days", fetchType="FETCH")["rows"] == [{"n": 2}]
    ok(run(h, bigquery.DeleteTable, {"dataset": "zoomcamp", "table": "days"}))
    days = {"dataset": "zoomcamp", "table": "days"}
    assert ok(run(h, bigquery.TableMetadata, {**days, "ifNotExists": "SKIP"})) == {}
    assert "Not found: Table" in failed(run(h, bigquery.TableMetadata, days))


def test_delete_a_partition_of_a_timestamp_column(h: Any, dataset: str) -> None:
    query(h, "CREATE TABLE zoomcamp.stamps (ts TIMESTAMP, n INT64) PARTITION BY DATE(ts)")
    query(h, "INSERT INTO zoomcamp.stamps (ts, n) VALUES (TIMESTAMP '2019-01-01 23:59:59 UTC', 1), "
             "(TIMESTAMP '2019-01-02 00:00:00 UTC', 2), (NULL, 3), (TIMESTAMP '2018-12-31 23:59:59 UTC', 4)")
    ok(run(h, bigquery.DeleteTable, {"dataset": "zoomcamp", "table": "stamps$20190101"}))
    assert query(h, "SELECT n FROM zoomcamp.stamps ORDER BY n", fetchType="FETCH")["rows"] == [
        {"n": 2}, {"n": 3}, {"n": 4}]
    ok(run(h, bigquery.DeleteTable, {"dataset": "zoomcamp", "table": "stamps$__NULL__"}))
    left = query(h, "SELECT n FROM zoomcamp.stamps ORDER BY n", fetchType="FETCH")["rows"]
    assert left == [{"n": 2}, {"n": 4}]


def test_load_from_gcs_with_wildcard_and_extract(h: Any, dataset: str, bucket_csv: str) -> None:
    source = h.files.put_bytes(f"{EXEC}/tasks/extract/r1/more.csv", CSV)
    ok(run(h, gcs.Upload, {"from": source, "to": "gs://my-bucket/trips_2019-02.csv"}))
    loaded = ok(run(h, bigquery.LoadFromGcs, {
        "from": ["gs://my-bucket/trips_2019-*.csv"], "destinationTable": "zoomcamp.loaded", "format": "CSV",
        "csvOptions": {"skipLeadingRows": 1},
        "schema": {"fields": [{"name": "vendor", "type": "STRING"}, {"name": "pickup", "type": "TIMESTAMP"},
                              {"name": "amount", "type": "NUMERIC"}]}}))
    assert loaded["rows"] == 8 and loaded["destinationTable"]["table"] == "loaded"
    again = ok(run(h, bigquery.Load, {"from": source, "destinationTable": "zoomcamp.loaded", "format": "CSV",
                                      "csvOptions": {"skipLeadingRows": 1}}))
    assert again["rows"] == 4
    assert query(h, "SELECT COUNT(*) AS n FROM zoomcamp.loaded", fetchType="FETCH_ONE")["row"] == {"n": 12}
    out = ok(run(h, bigquery.ExtractToGcs, {"sourceTable": "zoomcamp.loaded",
                                            "destinationUris": ["gs://my-bucket/export/loaded-*.csv"]}))
    assert out["destinationUris"] == ["gs://my-bucket/export/loaded-000000000000.csv"]
    exported = (Path(h.deps.config["gcp"]["local"]["storage-dir"]) / "my-bucket" / "export"
                / "loaded-000000000000.csv").read_text()
    assert exported.splitlines()[0] == "vendor,pickup,amount" and len(exported.splitlines()) == 13


def test_delete_dataset(h: Any, dataset: str) -> None:
    query(h, "CREATE TABLE zoomcamp.t (x INT64)")
    assert "still in use" in failed(run(h, bigquery.DeleteDataset, {"name": "zoomcamp"}))
    assert ok(run(h, bigquery.DeleteDataset, {"name": "zoomcamp", "deleteContents": True})) == {
        "dataset": "zoomcamp", "project": "my-project"}
    assert "Not found: Dataset" in failed(run(h, bigquery.Query, {"sql": "SELECT * FROM zoomcamp.t"}))
