"""The bundled `duckdb_taxi` blueprint: a local DuckDB warehouse, streamed, exactly once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lanner.testing import run_flow
from tests.integration.blueprints.conftest import BlueprintEnv

pytestmark = pytest.mark.slow

FLOW = "duckdb_taxi.yaml"


def _run(env: BlueprintEnv, taxi: str, month: str, warehouse: Path):  # type: ignore[no-untyped-def]
    return run_flow(env.flow(FLOW), env.inputs(taxi, month, warehouse=str(warehouse)), timeout=300)


def _count(warehouse: Path, table: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("taxi", ["yellow", "green"])
def test_a_month_loads_its_distinct_rows_exactly_once(blueprint_env: BlueprintEnv, taxi: str,
                                                      tmp_path: Path) -> None:
    warehouse = tmp_path / "ny_taxi.duckdb"
    rows = blueprint_env.csv_rows(taxi, "2019-01")
    distinct = len(set(rows))
    assert distinct < len(rows)

    first = _run(blueprint_env, taxi, "01", warehouse)
    assert first.state == "SUCCESS", first.messages("ERROR")
    assert first.outputs("load")["rowCount"] == len(rows)
    assert _count(warehouse, f"{taxi}_trips") == distinct
    progress = [m for m in first.messages("INFO") if "rows" in m and "MB/s" in m]
    assert progress and f"{len(rows):,} rows" in progress[-1], first.messages("INFO")

    again = _run(blueprint_env, taxi, "01", warehouse)
    assert again.state == "SUCCESS", again.messages("ERROR")
    assert _count(warehouse, f"{taxi}_trips") == distinct, "loading the month again adds nothing"

    february = _run(blueprint_env, taxi, "02", warehouse)
    assert february.state == "SUCCESS", february.messages("ERROR")
    expected = distinct + len(set(blueprint_env.csv_rows(taxi, "2019-02")))
    assert _count(warehouse, f"{taxi}_trips") == expected


def test_a_broken_file_fails_clearly_and_changes_nothing(blueprint_env: BlueprintEnv, tmp_path: Path,
                                                         broken_month: tuple[str, int]) -> None:
    month, bad_line = broken_month
    warehouse = tmp_path / "ny_taxi.duckdb"
    assert _run(blueprint_env, "yellow", "01", warehouse).state == "SUCCESS"
    before = _count(warehouse, "yellow_trips")

    result = _run(blueprint_env, "yellow", month, warehouse)
    assert result.state == "FAILED"
    assert result.task_run("load").state.current.value == "FAILED"
    errors = " ".join(result.messages("ERROR"))
    assert "not-a-timestamp" in errors and str(bad_line) in errors, errors
    assert "Possible solutions" not in errors
    assert _count(warehouse, "yellow_trips") == before
    assert _count(warehouse, "yellow_trips_staging") == 0


def test_a_missing_month_fails_the_load(blueprint_env: BlueprintEnv, tmp_path: Path) -> None:
    result = _run(blueprint_env, "green", "11", tmp_path / "w.duckdb")
    assert result.state == "FAILED"
    assert result.task_run("load").state.current.value == "FAILED"
    assert any("HTTP 404" in m for m in result.messages("ERROR"))
