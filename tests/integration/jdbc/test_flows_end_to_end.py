"""Whole flows through the real runtime (``lanner.testing.run_flow``): course-shaped JDBC flows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from lanner.testing import run_flow

pytestmark = pytest.mark.slow

SEED_03 = Path("/work/shared/seed-flows/03_getting_started_data_pipeline.yaml")


def test_postgres_flow_with_course_host_and_plugin_defaults(pgdb, web):
    folder, base = web
    (folder / "trips.csv.gz").write_bytes(gzip.compress(b"id,fare\n1,7.5\n2,12\n3,\n"))
    flow = f"""
id: pg_flow
namespace: zoomcamp
tasks:
  - id: create
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: |
      CREATE TABLE IF NOT EXISTS public.trips (id integer, fare double precision);
      TRUNCATE TABLE public.trips;
  - id: load
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    format: CSV
    header: true
    from: {base}/trips.csv.gz
    table: public.trips
    columns: [id, fare]
  - id: total
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT count(*) AS n, sum(fare) AS total FROM public.trips WHERE id > :min
    parameters:
      min: 0
    fetchType: FETCH_ONE
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ outputs.load.rowCount }}}} rows, total {{{{ outputs.total.row.total }}}}"
pluginDefaults:
  - type: io.kestra.plugin.jdbc.postgresql
    values:
      url: jdbc:postgresql://pgdatabase:5432/{pgdb.name}
      username: {pgdb.user}
      password: "{pgdb.password}"
"""
    result = run_flow(flow, config={"hosts": {"pgdatabase": f"127.0.0.1:{pgdb.port}"}})
    assert result.state == "SUCCESS", result.messages("ERROR")
    assert result.outputs("load") == {"rowCount": 3}
    assert result.outputs("total") == {"row": {"n": 3, "total": 19.5}, "size": 1}
    assert "3 rows, total 19.5" in result.messages("INFO")


def test_course_flow_03_with_a_local_copy_of_the_api(web):
    """Seed flow 03 with its download pointed at a local server: Download, Python, DuckDB STORE."""
    folder, base = web
    products = {"products": [{"brand": "Apple", "price": 999.5, "title": "x"},
                             {"brand": "Apple", "price": 500}, {"price": 10}]}
    (folder / "products").write_text(json.dumps(products))
    source = SEED_03.read_text().replace("https://dummyjson.com/products", f"{base}/products")
    result = run_flow(source)
    assert result.state == "SUCCESS", result.messages("ERROR")
    outputs = result.outputs("query")["outputs"]
    assert len(outputs) == 1 and outputs[0]["size"] == 2
    assert outputs[0]["uri"].endswith(".ion")
