"""Blueprint `dlt_taxi_socrata`: 100,000 trips paged from a Socrata-style API into the local
BigQuery warehouse, then partitioned + clustered, then the bytes of one query on each table."""

from __future__ import annotations

import pytest

from lanner.devservices.fakeapis import FakeApis
from tests.integration.dlt.conftest import TRIPS, Lanner, blueprint, outputs, query

pytestmark = pytest.mark.slow


def test_the_partitioned_table_answers_for_at_least_five_times_fewer_bytes(lanner: Lanner,
                                                                            apis: FakeApis) -> None:
    run = lanner.run(blueprint("dlt_taxi_socrata.yaml"), {"api_url": apis.socrata_url}, timeout=600)
    assert run.state.current.value == "SUCCESS", lanner.messages(run, "ERROR")
    load = outputs(run, "load_staging")
    assert load["rowCount"] == TRIPS >= 100_000 and load["tables"]["trips_staging"]["rows"] == TRIPS
    pages = [m for m in lanner.messages(run, "DEBUG") if m.startswith("dlt: Making GET request to")]
    assert len(pages) == TRIPS // 50_000 and all("%24limit=50000" in p for p in pages)  # $limit/$offset
    staging = outputs(run, "query_staging")
    partitioned = outputs(run, "query_partitioned")
    assert staging["rows"] == partitioned["rows"]  # the same answer...
    assert staging["totalBytesProcessed"] >= 5 * partitioned["totalBytesProcessed"] > 0  # ...for less
    side_by_side = next(m for m in lanner.messages(run, "INFO") if m.startswith("Bytes processed"))
    assert f"staging table {staging['totalBytesProcessed']} bytes" in side_by_side
    assert f"partitioned + clustered table {partitioned['totalBytesProcessed']} bytes" in side_by_side
    warehouse = lanner.home.parent / "warehouse.duckdb"
    types = dict(query(warehouse, "SELECT column_name, data_type FROM duckdb_columns() WHERE "
                                  "schema_name = 'nyc_taxi_dlt' AND table_name = 'trips_staging'"))
    assert types["tpep_dropoff_datetime"] == "TIMESTAMP WITH TIME ZONE" and types["total_amount"] == "DOUBLE"
    info = query(warehouse, "SELECT info FROM _lanner_bq.tables WHERE name = 'trips_partitioned'")
    assert '"clustering": ["vendorid"]' in info[0][0]
