"""The bundled `postgres_taxi` blueprint: streamed, exactly once, all or nothing."""

from __future__ import annotations

import pytest

from lanner.testing import run_flow
from tests.integration.blueprints.conftest import BlueprintEnv

pytestmark = pytest.mark.slow

FLOW = "postgres_taxi.yaml"


def _run(env: BlueprintEnv, taxi: str, month: str):  # type: ignore[no-untyped-def]
    return run_flow(env.flow(FLOW), env.inputs(taxi, month), config=env.config, timeout=300)


@pytest.mark.parametrize("taxi", ["yellow", "green"])
def test_a_month_loads_its_distinct_rows_exactly_once(blueprint_env: BlueprintEnv, taxi: str) -> None:
    table = f"public.{taxi}_trips"
    blueprint_env.sql(f"DROP TABLE IF EXISTS {table}; DROP TABLE IF EXISTS {table}_staging")
    rows = blueprint_env.csv_rows(taxi, "2019-01")
    distinct = len(set(rows))
    assert distinct < len(rows), "the file has duplicate lines"

    first = _run(blueprint_env, taxi, "01")
    assert first.state == "SUCCESS", first.messages("ERROR")
    assert first.outputs("load")["rowCount"] == len(rows)
    assert blueprint_env.count(table) == distinct
    assert first.execution.labels_map["file"] == f"{taxi}_tripdata_2019-01.csv"
    progress = [m for m in first.messages("INFO") if "rows" in m and "MB/s" in m]
    assert progress and f"{len(rows):,} rows" in progress[-1], first.messages("INFO")

    again = _run(blueprint_env, taxi, "01")
    assert again.state == "SUCCESS", again.messages("ERROR")
    assert blueprint_env.count(table) == distinct, "loading the month again adds nothing"

    february = _run(blueprint_env, taxi, "02")
    assert february.state == "SUCCESS", february.messages("ERROR")
    assert blueprint_env.count(table) == distinct + len(set(blueprint_env.csv_rows(taxi, "2019-02")))
    per_file = dict(blueprint_env.sql(f"SELECT filename, count(*) FROM {table} GROUP BY 1"))
    assert per_file[f"{taxi}_tripdata_2019-01.csv"] == distinct
    assert blueprint_env.count(f"{table}_staging") == 0


def test_values_arrive_as_in_the_file(blueprint_env: BlueprintEnv) -> None:
    if blueprint_env.sql("SELECT to_regclass('public.yellow_trips')")[0][0] is None:
        assert _run(blueprint_env, "yellow", "01").state == "SUCCESS"
    row = next(r for r in blueprint_env.csv_rows("yellow", "2019-01") if r[0] == "" or r[3] == "")
    found = blueprint_env.sql(
        "SELECT vendorid, tpep_pickup_datetime::text, passenger_count, fare_amount FROM public.yellow_trips "
        f"WHERE tpep_pickup_datetime = '{row[1]}' AND tpep_dropoff_datetime = '{row[2]}' "
        f"AND fare_amount = {row[10]} LIMIT 1")
    assert found
    vendor, pickup, passengers, fare = found[0]
    assert pickup == row[1] and fare == float(row[10])
    assert (vendor is None) == (row[0] == "") and (passengers is None) == (row[3] == "")


def test_a_broken_file_fails_clearly_and_changes_nothing(blueprint_env: BlueprintEnv,
                                                         broken_month: tuple[str, int]) -> None:
    month, bad_line = broken_month
    if blueprint_env.sql("SELECT to_regclass('public.yellow_trips')")[0][0] is None:
        assert _run(blueprint_env, "yellow", "01").state == "SUCCESS"
    before = blueprint_env.count("public.yellow_trips")

    result = _run(blueprint_env, "yellow", month)
    assert result.state == "FAILED"
    assert result.task_run("load").state.current.value == "FAILED"
    errors = " ".join(result.messages("ERROR"))
    assert "not-a-timestamp" in errors
    assert f"line {bad_line} of the file" in errors, errors
    assert blueprint_env.count("public.yellow_trips") == before
    assert blueprint_env.count("public.yellow_trips_staging") == 0, "no stream kept its rows"


def test_a_missing_month_fails_the_load(blueprint_env: BlueprintEnv) -> None:
    result = _run(blueprint_env, "green", "11")
    assert result.state == "FAILED"
    assert any("HTTP 404" in m for m in result.messages("ERROR"))
