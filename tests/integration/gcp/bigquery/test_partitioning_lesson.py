"""Module 3's lesson, offline: on 12 months of trips, a date-range query scans far less of a
partitioned + clustered table than of a plain one (BigQuery's own figures in the course:
1.6 GB vs 106 MB). The local warehouse reports bytes processed the way BigQuery bills them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanner.devservices.taxidata import generate
from lanner.tasks.gcp.localbucket import LocalBuckets
from lanner.testing import run_flow

pytestmark = pytest.mark.slow

ROWS_PER_MONTH = 20_000
FLOW = """
id: partitioning_lesson
namespace: zoomcamp
tasks:
  - id: dataset
    type: io.kestra.plugin.gcp.bigquery.CreateDataset
    name: nytaxi
    ifExists: SKIP
  - id: external
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: |
      CREATE OR REPLACE EXTERNAL TABLE `taxi-rides-ny.nytaxi.external_yellow_tripdata`
      OPTIONS (format = 'CSV', uris = ['gs://nyc-tl-data/trip data/yellow_tripdata_2019-*.csv']);
  - id: plain
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: |
      CREATE OR REPLACE TABLE taxi-rides-ny.nytaxi.yellow_tripdata_non_partitioned AS
      SELECT * FROM taxi-rides-ny.nytaxi.external_yellow_tripdata;
  - id: partitioned
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: |
      CREATE OR REPLACE TABLE taxi-rides-ny.nytaxi.yellow_tripdata_partitioned_clustered
      PARTITION BY DATE(tpep_pickup_datetime)
      CLUSTER BY VendorID AS
      SELECT * FROM taxi-rides-ny.nytaxi.external_yellow_tripdata;
{queries}
pluginDefaults:
  - type: io.kestra.plugin.gcp
    values:
      projectId: taxi-rides-ny
"""
QUERY = """
  - id: {id}
    type: io.kestra.plugin.gcp.bigquery.Query
    dryRun: {dry}
    fetchType: FETCH
    sql: |
      SELECT DISTINCT(VendorID)
      FROM taxi-rides-ny.nytaxi.{table}
      WHERE DATE(tpep_pickup_datetime) BETWEEN '2019-06-01' AND '2019-06-30'
      ORDER BY 1;
"""


def test_partitioned_clustered_copy_scans_at_least_ten_times_less(tmp_path: Path) -> None:
    buckets = LocalBuckets(tmp_path / "storage")
    buckets.create_bucket("nyc-tl-data")
    for month in range(1, 13):
        made = generate("yellow", 2019, month, ROWS_PER_MONTH, out=tmp_path / "gen", seed=month, gzip=False)
        buckets.upload("nyc-tl-data", f"trip data/{made.path.name}", made.path)
    queries = "".join(QUERY.format(id=f"{name}_{'dry' if dry else 'run'}", dry=str(dry).lower(), table=table)
                      for name, table in (("plain", "yellow_tripdata_non_partitioned"),
                                          ("part", "yellow_tripdata_partitioned_clustered"))
                      for dry in (True, False))
    config = {"gcp": {"mode": "local", "local": {"storage-dir": str(tmp_path / "storage"),
                                                 "warehouse": str(tmp_path / "warehouse.duckdb")}}}
    result = run_flow(FLOW.format(queries=queries), config=config, timeout=300)
    assert result.state == "SUCCESS", result.messages("ERROR")
    scanned = {task: result.outputs(task)["totalBytesProcessed"]
               for task in ("plain_dry", "plain_run", "part_dry", "part_run")}
    assert scanned["plain_dry"] == scanned["plain_run"] and scanned["part_dry"] == scanned["part_run"]
    ratio = scanned["plain_run"] / scanned["part_run"]
    print(f"\nbytes processed: non-partitioned {scanned['plain_run']:,}, partitioned + clustered "
          f"{scanned['part_run']:,}: {ratio:.1f}x less")
    assert ratio >= 10
    assert result.outputs("plain_run")["rows"] == result.outputs("part_run")["rows"]
    assert "rows" not in result.outputs("plain_dry")
    assert any("Dry run: the query will process" in m for m in result.messages("INFO"))
