"""Acceptance of the data issue: seed flows 04 and 05 unchanged (but for the download URL prefix)
against a real PostgreSQL 18 and generated TLC files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lanner.testing import run_flow
from tests.integration.taxi.conftest import ROWS, TaxiEnv

pytestmark = pytest.mark.slow


def _run_04(env: TaxiEnv, taxi: str, month: str = "01"):  # type: ignore[no-untyped-def]
    return run_flow(env.flow("04_postgres_taxi.yaml"), {"taxi": taxi, "year": "2019", "month": month},
                    config=env.config, timeout=300)


@pytest.mark.parametrize("taxi", ["yellow", "green"])
def test_04_loads_a_month_exactly_once(taxi_env: TaxiEnv, taxi: str) -> None:
    table = f"public.{taxi}_tripdata"
    taxi_env.sql(f"DROP TABLE IF EXISTS {table}; DROP TABLE IF EXISTS {table}_staging")
    file_rows = taxi_env.csv_rows(taxi, "2019-01")
    assert len(file_rows) >= ROWS
    assert len({tuple(r) for r in file_rows}) < len(file_rows), "the file has exact duplicates"

    first = _run_04(taxi_env, taxi)
    assert first.state == "SUCCESS", first.messages("ERROR")
    assert len(first.task_runs) == 11
    assert first.execution.labels_map["file"] == f"{taxi}_tripdata_2019-01.csv"
    # The seed flow's MERGE inserts every source row whose key is new: duplicates inside one
    # file included, exactly as Kestra + Postgres do.
    assert taxi_env.count(table) == len(file_rows)

    again = _run_04(taxi_env, taxi)
    assert again.state == "SUCCESS"
    assert taxi_env.count(table) == len(file_rows), "a second load of the same month adds nothing"
    # The downloaded files are purged at the end.
    assert again.outputs("purge_files")["uris"]


def test_04_values_round_trip(taxi_env: TaxiEnv) -> None:
    """Timestamps, decimals and NULLs arrive as they are in the CSV."""
    rows = taxi_env.csv_rows("yellow", "2019-01")
    if taxi_env.sql("SELECT to_regclass('public.yellow_tripdata')")[0][0] is None:
        assert _run_04(taxi_env, "yellow").state == "SUCCESS"
    with_nulls = next(r for r in rows if r[0] == "" or r[3] == "")
    pickup, dropoff = with_nulls[1], with_nulls[2]
    found = taxi_env.sql(
        "SELECT vendorid, tpep_pickup_datetime::text, tpep_dropoff_datetime::text, passenger_count, "
        "fare_amount, total_amount FROM public.yellow_tripdata "
        f"WHERE tpep_pickup_datetime = '{pickup}' AND tpep_dropoff_datetime = '{dropoff}' "
        f"AND fare_amount = {with_nulls[10]} LIMIT 1")
    assert found, "the row with empty fields was loaded"
    vendor, got_pickup, got_dropoff, passengers, fare, total = found[0]
    assert got_pickup == pickup and got_dropoff == dropoff
    assert (vendor is None) == (with_nulls[0] == "")
    assert (passengers is None) == (with_nulls[3] == "")
    assert Decimal(str(fare)) == Decimal(with_nulls[10])
    assert Decimal(str(total)).quantize(Decimal("0.01")) == Decimal(with_nulls[16])


def test_05_backfill_style_runs_load_twelve_months(taxi_env: TaxiEnv) -> None:
    taxi_env.sql("DROP TABLE IF EXISTS public.green_tripdata; "
                 "DROP TABLE IF EXISTS public.green_tripdata_staging")
    source = taxi_env.flow("05_postgres_taxi_scheduled.yaml")
    expected = 0
    for month in range(1, 13):
        result = run_flow(source, trigger_date=f"2019-{month:02d}-01", trigger_id="green_schedule",
                          config=taxi_env.config, timeout=300)
        assert result.state == "SUCCESS", result.messages("ERROR")
        assert result.execution.trigger is not None
        assert result.execution.trigger.variables["date"] == f"2019-{month:02d}-01T09:00:00Z"
        assert result.execution.inputs["taxi"] == "green"
        expected += len(taxi_env.csv_rows("green", f"2019-{month:02d}"))
        assert taxi_env.count("public.green_tripdata") == expected
    per_month = dict(taxi_env.sql("SELECT filename, count(*) FROM public.green_tripdata GROUP BY 1"))
    assert len(per_month) == 12
    assert per_month["green_tripdata_2019-07.csv"] == len(taxi_env.csv_rows("green", "2019-07"))


def test_05_manual_run_fails_at_set_label_like_kestra(taxi_env: TaxiEnv) -> None:
    result = run_flow(taxi_env.flow("05_postgres_taxi_scheduled.yaml"), {"taxi": "green"},
                      config=taxi_env.config)
    assert result.state == "FAILED"
    assert result.task_run("set_label").state.current.value == "FAILED"
    assert any("Unable to find `trigger`" in m for m in result.messages("ERROR"))
