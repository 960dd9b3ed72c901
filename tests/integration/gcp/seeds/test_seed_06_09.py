"""Acceptance of the GCP issue (BigQuery part): seed flows 06, 07, 08 and a 3-month backfill of 09
run unchanged (but for the download URL prefix) in local mode, with BigQuery's MERGE semantics."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.model.execution import Execution
from lanner.tasks.gcp.bq_engine import Engine
from lanner.tasks.gcp.bq_sql import Names
from lanner.tasks.gcp.bq_warehouse import open_warehouse
from lanner.tasks.gcp.localbucket import LocalBuckets
from lanner.testing import local_runtime
from tests.integration.gcp.seeds.conftest import FAKE_KEY, ROWS, SeedEnv

pytestmark = pytest.mark.slow


def bq(env: SeedEnv, sql: str) -> list[tuple[Any, ...]]:
    """BigQuery SQL on the flows' local warehouse, as a test-side client."""
    with open_warehouse(None, env.warehouse) as (conn, catalog):
        engine = Engine(conn, catalog, LocalBuckets(env.home / "storage"), Names("kestra-sandbox", None))
        rowset = engine.run_script(sql)[-1].rowset
        assert rowset is not None
        return [tuple(row) for batch in rowset.batches for row in batch]


class Runner:
    def __init__(self, env: SeedEnv, local: Any) -> None:
        self.env, self.local, self.logs = env, local, []
        local.runtime.on_log(self.logs.append)

    def run(self, name: str, inputs: dict[str, Any] | None = None, **trigger: str) -> Execution:
        flow = self.local.runtime.deploy(self.env.flow(name))
        execution = self.local.start(flow, inputs, **trigger)
        final: Execution = self.local.wait(execution.id, timeout=300)
        errors = [e.message for e in self.logs if e.execution_id == final.id and e.level == "ERROR"]
        assert final.state.current.value == "SUCCESS", errors
        return final

    def messages(self) -> list[str]:
        return [e.message for e in self.logs]


def _setup(runner: Runner) -> None:
    runner.run("06_gcp_kv.yaml")
    runner.run("07_gcp_setup.yaml")
    runner.run("07_gcp_setup.yaml")  # ifExists: SKIP, twice


def _assert_one_partition_per_day(env: SeedEnv, table: str, column: str) -> None:
    partitions = bq(env, f"""SELECT partition_id, total_rows FROM zoomcamp.INFORMATION_SCHEMA.PARTITIONS
                            WHERE table_name = '{table}' ORDER BY partition_id""")
    days = bq(env, f"""SELECT FORMAT_DATE('%Y%m%d', DATE({column})) AS day, COUNT(*) FROM zoomcamp.{table}
                      GROUP BY day ORDER BY day""")
    assert partitions == days
    assert sum(1 for p, _ in partitions if p.startswith("201901")) == 31


def test_06_07_08_green_and_yellow_load_each_row_once(seed_env: SeedEnv) -> None:
    with local_runtime(config=seed_env.config, environ=seed_env.environ) as local:
        runner = Runner(seed_env, local)
        _setup(runner)
        assert bq(seed_env, "SELECT schema_name, location FROM zoomcamp.INFORMATION_SCHEMA.SCHEMATA") == [
            ("zoomcamp", "europe-west2")]
        for taxi, column in (("green", "lpep_pickup_datetime"), ("yellow", "tpep_pickup_datetime")):
            rows = seed_env.csv_rows(taxi, "2019-01")
            assert rows >= ROWS
            first = runner.run("08_gcp_taxi.yaml", {"taxi": taxi, "year": "2019", "month": "01"})
            assert first.labels_map["file"] == f"{taxi}_tripdata_2019-01.csv"
            merge = next(r for r in first.task_runs if r.task_id == f"bq_{taxi}_merge")
            assert merge.outputs and merge.outputs["totalBytesProcessed"] > 0
            # BigQuery's MERGE inserts every source row whose key is new, duplicates inside the
            # file included: the table holds exactly the file's rows.
            count, keys = bq(seed_env, "SELECT COUNT(*), COUNT(DISTINCT unique_row_id) "
                                       f"FROM zoomcamp.{taxi}_tripdata")[0]
            assert count == rows and keys < rows, "the generated file has exact duplicates"
            runner.run("08_gcp_taxi.yaml", {"taxi": taxi, "year": "2019", "month": "01"})
            assert bq(seed_env, f"SELECT COUNT(*) FROM zoomcamp.{taxi}_tripdata")[0][0] == rows, \
                "a second load of the same month adds nothing"
            _assert_one_partition_per_day(seed_env, f"{taxi}_tripdata", column)
        # Column descriptions of the DDL are kept.
        described = bq(seed_env, """SELECT column_name, data_type FROM zoomcamp.INFORMATION_SCHEMA.COLUMNS
                                    WHERE table_name = 'yellow_tripdata' ORDER BY ordinal_position LIMIT 4""")
        assert described == [("unique_row_id", "BYTES"), ("filename", "STRING"), ("VendorID", "STRING"),
                             ("tpep_pickup_datetime", "TIMESTAMP")]
    messages = runner.messages()
    assert any(m.startswith("GCP local mode: BigQuery runs on the local DuckDB warehouse") for m in messages)
    assert not any(FAKE_KEY["private_key"].splitlines()[1] in m for m in messages)


def test_09_backfill_of_three_months(seed_env: SeedEnv) -> None:
    with local_runtime(config=seed_env.config, environ=seed_env.environ) as local:
        runner = Runner(seed_env, local)
        _setup(runner)
        expected = 0
        for month in (1, 2, 3):
            final = runner.run("09_gcp_taxi_scheduled.yaml", trigger_date=f"2019-{month:02d}-01",
                               trigger_id="green_schedule")
            assert final.inputs["taxi"] == "green"
            expected += seed_env.csv_rows("green", f"2019-{month:02d}")
            assert bq(seed_env, "SELECT COUNT(*) FROM zoomcamp.green_tripdata")[0][0] == expected
        per_file = dict(bq(seed_env, "SELECT filename, COUNT(*) FROM zoomcamp.green_tripdata GROUP BY 1"))
        assert per_file == {f"green_tripdata_2019-{m:02d}.csv": seed_env.csv_rows("green", f"2019-{m:02d}")
                            for m in (1, 2, 3)}
        tables = {r[0] for r in bq(seed_env, "SELECT table_name FROM zoomcamp.INFORMATION_SCHEMA.TABLES")}
        assert {"green_tripdata", "green_tripdata_2019_03", "green_tripdata_2019_03_ext"} <= tables
        runner.run("09_gcp_taxi_scheduled.yaml", trigger_date="2019-02-01", trigger_id="green_schedule")
        assert bq(seed_env, "SELECT COUNT(*) FROM zoomcamp.green_tripdata")[0][0] == expected
