"""Bad input fails the task with a clear message, and nothing is half-merged."""

from __future__ import annotations

import gzip

import pytest

from lanner.testing import run_flow
from tests.integration.taxi.conftest import TaxiEnv

pytestmark = pytest.mark.slow


def test_missing_file_fails_the_extract_step(taxi_env: TaxiEnv) -> None:
    result = run_flow(taxi_env.flow("04_postgres_taxi.yaml"),
                      {"taxi": "yellow", "year": "2020", "month": "12"}, config=taxi_env.config)
    assert result.state == "FAILED"
    assert result.task_run("extract").state.current.value == "FAILED"
    assert any("exit code" in m for m in result.messages("ERROR"))


def test_wrong_password_is_a_clear_error_without_the_password(taxi_env: TaxiEnv) -> None:
    source = taxi_env.flow("04_postgres_taxi.yaml").replace("password: root", "password: not-it")
    result = run_flow(source, {"taxi": "yellow"}, config=taxi_env.config)
    assert result.state == "FAILED"
    errors = " ".join(result.messages("ERROR"))
    assert "password" in errors.lower() and "not-it" not in errors


def test_malformed_row_leaves_the_final_table_untouched(taxi_env: TaxiEnv) -> None:
    month = "2019-05"
    path = taxi_env.root / "yellow" / f"yellow_tripdata_{month}.csv.gz"
    good = gzip.decompress(path.read_bytes())
    broken = good + b"1,not-a-timestamp,2019-05-01 00:00:00,1,1.0\n"
    path.write_bytes(gzip.compress(broken))
    try:
        if taxi_env.sql("SELECT to_regclass('public.yellow_tripdata')")[0][0] is None:
            # The final table must hold rows for "untouched" to mean something: load a good month.
            loaded = run_flow(taxi_env.flow("04_postgres_taxi.yaml"),
                              {"taxi": "yellow", "year": "2019", "month": "04"}, config=taxi_env.config)
            assert loaded.state == "SUCCESS"
        before = taxi_env.count("public.yellow_tripdata")
        assert before > 0
        result = run_flow(taxi_env.flow("04_postgres_taxi.yaml"),
                          {"taxi": "yellow", "year": "2019", "month": "05"}, config=taxi_env.config)
        assert result.state == "FAILED"
        copy = result.task_run("yellow_copy_in_to_staging_table")
        assert copy.state.current.value == "FAILED"
        assert any("not-a-timestamp" in m for m in result.messages("ERROR")), result.messages("ERROR")
        assert taxi_env.count("public.yellow_tripdata") == before
    finally:
        path.write_bytes(gzip.compress(good))


def test_a_table_that_does_not_exist(taxi_env: TaxiEnv) -> None:
    result = run_flow("""
id: missing_table
namespace: zoomcamp
tasks:
  - id: count
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:postgresql://pgdatabase:5432/ny_taxi
    username: root
    password: root
    sql: SELECT count(*) FROM public.no_such_table
    fetchType: FETCH_ONE
""", config=taxi_env.config)
    assert result.state == "FAILED"
    assert any("no_such_table" in m for m in result.messages("ERROR"))
