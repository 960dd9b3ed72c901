"""PostgreSQL CopyIn (and the course flow 04's yellow branch) against a real PostgreSQL 18."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import yaml

from lanner.devservices import taxidata
from lanner.model.state import State
from lanner.tasks.jdbc.postgresql import CopyIn, Queries

pytestmark = pytest.mark.slow

EXEC = "kestra:///company/team/my-flow/executions/exec0000000000000000001"
SEED_04 = Path("/work/shared/seed-flows/04_postgres_taxi.yaml")
YELLOW_COLUMNS = list(taxidata.header("yellow").split(","))
YELLOW_STAGING = """
CREATE TABLE IF NOT EXISTS public.yellow_tripdata_staging (
    unique_row_id text, filename text, VendorID text, tpep_pickup_datetime timestamp,
    tpep_dropoff_datetime timestamp, passenger_count integer, trip_distance double precision,
    RatecodeID text, store_and_fwd_flag text, PULocationID text, DOLocationID text, payment_type integer,
    fare_amount double precision, extra double precision, mta_tax double precision,
    tip_amount double precision,
    tolls_amount double precision, improvement_surcharge double precision, total_amount double precision,
    congestion_surcharge double precision
);
"""


@pytest.fixture(scope="module")
def yellow_csv(tmp_path_factory: pytest.TempPathFactory) -> taxidata.GeneratedFile:
    return taxidata.generate("yellow", 2019, 1, 100_000, out=tmp_path_factory.mktemp("taxi"), gzip=False)


def _copy_task(harness, pgdb, source: str, **extra):
    return harness.task(CopyIn, pgdb.task(**{"from": source, "table": "public.yellow_tripdata_staging",
                                             "format": "CSV", "header": True, "columns": YELLOW_COLUMNS,
                                             **extra}))


def _staging(pgdb) -> None:
    with pgdb.connect() as connection:
        connection.execute(YELLOW_STAGING)


def test_copy_in_a_csv_with_header_and_columns(harness, pgdb, yellow_csv):
    _staging(pgdb)
    uri = harness.files.put_file(f"{EXEC}/tasks/extract/r1/yellow_tripdata_2019-01.csv", yellow_csv.path)
    result = harness.run(_copy_task(harness, pgdb, uri))
    assert result.state is State.SUCCESS, result.error
    assert result.outputs == {"rowCount": 100_000}
    assert pgdb.scalar("SELECT count(*) FROM yellow_tripdata_staging") == 100_000
    assert pgdb.scalar("SELECT count(*) FROM yellow_tripdata_staging WHERE tpep_pickup_datetime IS NULL") == 0
    assert any(metric.name == "rows" and metric.value == 100_000 for metric in result.metrics)


def test_copy_in_from_gzip_in_storage_and_over_http(harness, pgdb, yellow_csv, web):
    _staging(pgdb)
    compressed = gzip.compress(yellow_csv.path.read_bytes(), compresslevel=1)
    stored = harness.files.put_bytes(f"{EXEC}/tasks/extract/r1/yellow.csv.gz", compressed)
    assert harness.run(_copy_task(harness, pgdb, stored)).outputs == {"rowCount": 100_000}

    folder, base = web
    (folder / "yellow.csv.gz").write_bytes(compressed)
    (folder / "yellow.csv").write_bytes(yellow_csv.path.read_bytes())
    for name in ("yellow.csv.gz", "yellow.csv"):
        result = harness.run(_copy_task(harness, pgdb, f"{base}/{name}"))
        assert result.state is State.SUCCESS, result.error
        assert result.outputs == {"rowCount": 100_000}
    assert pgdb.scalar("SELECT count(*) FROM yellow_tripdata_staging") == 300_000

    missing = harness.run(_copy_task(harness, pgdb, f"{base}/nope.csv.gz"))
    assert missing.state is State.FAILED
    assert "HTTP 404" in missing.error


def test_copy_in_of_a_malformed_row_names_the_line_and_loads_nothing(harness, pgdb):
    with pgdb.connect() as connection:
        connection.execute("CREATE TABLE t (id integer, name text)")
    uri = harness.files.put_bytes(f"{EXEC}/tasks/extract/r1/bad.csv", b"id,name\n1,a\n2,b\nthree,c\n4,d\n")
    result = harness.run(harness.task(CopyIn, pgdb.task(**{"from": uri, "table": "t", "format": "CSV",
                                                           "header": True})))
    assert result.state is State.FAILED
    assert 'invalid input syntax for type integer: "three"' in result.error
    assert "line 4" in result.error
    assert pgdb.scalar("SELECT count(*) FROM t") == 0


def test_copy_in_into_a_missing_table(harness, pgdb):
    uri = harness.files.put_bytes(f"{EXEC}/tasks/extract/r1/ok.csv", b"1\n")
    result = harness.run(harness.task(CopyIn, pgdb.task(**{"from": uri, "table": "public.missing"})))
    assert result.state is State.FAILED
    assert 'relation "public.missing" does not exist' in result.error


def test_copy_in_of_a_missing_file(harness, pgdb):
    with pgdb.connect() as connection:
        connection.execute("CREATE TABLE t (id integer)")
    uri = f"{EXEC}/tasks/extract/r1/never-written.csv"
    result = harness.run(harness.task(CopyIn, pgdb.task(**{"from": uri, "table": "t"})))
    assert result.state is State.FAILED
    assert "never-written.csv" in result.error and "does not exist" in result.error


def test_copy_in_options_text_format_with_null_string_and_delimiter(harness, pgdb):
    with pgdb.connect() as connection:
        connection.execute("CREATE TABLE t (id integer, name text)")
    uri = harness.files.put_bytes(f"{EXEC}/tasks/extract/r1/x.txt", b"1|a\n2|NULL\n")
    result = harness.run(harness.task(CopyIn, pgdb.task(**{
        "from": uri, "table": "t", "delimiter": "|", "nullString": "NULL", "columns": ["id", "name"]})))
    assert result.state is State.SUCCESS, result.error
    assert pgdb.scalar("SELECT count(*) FROM t WHERE name IS NULL") == 1


def test_course_flow_04_yellow_branch_merges_once(harness, pgdb, yellow_csv):
    """The SQL of seed flow 04, unchanged: create, truncate, copy, add ids, merge — twice."""
    flow = yaml.safe_load(SEED_04.read_text())
    branch = next(task for task in flow["tasks"] if task["id"] == "if_yellow_taxi")["then"]
    defaults = flow["pluginDefaults"][0]["values"]
    uri = harness.files.put_file(f"{EXEC}/tasks/extract/r1/yellow_tripdata_2019-01.csv", yellow_csv.path)
    variables = {"inputs": {"taxi": "yellow", "year": "2019", "month": "01"},
                 "vars": {"file": "yellow_tripdata_2019-01.csv", "table": "public.yellow_tripdata",
                          "staging_table": "public.yellow_tripdata_staging", "data": uri}}
    connection = {**defaults, "url": pgdb.jdbc_url, "username": pgdb.user, "password": pgdb.password}
    counts = []
    for _ in range(2):
        for spec in branch:
            cls = CopyIn if spec["type"].endswith("CopyIn") else Queries
            task = harness.task(cls, {**connection, **spec})
            result = harness.run(task, variables)
            assert result.state is State.SUCCESS, f"{spec['id']}: {result.error}"
        counts.append(pgdb.scalar("SELECT count(*) FROM yellow_tripdata"))
    # The first MERGE inserts every staged row (exact duplicates included, as in the course);
    # the second one finds them all and inserts nothing.
    assert counts == [100_000, 100_000]
    distinct = pgdb.scalar("SELECT count(DISTINCT unique_row_id) FROM yellow_tripdata")
    assert distinct == 100_000 - yellow_csv.duplicate_rows
    assert pgdb.scalar("SELECT count(DISTINCT filename) FROM yellow_tripdata") == 1
