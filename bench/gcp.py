"""GCP local mode benchmark (issue: gcp) — the course's BigQuery ELT on one month of yellow trips.

Lanner runs seed flow 08's four BigQuery steps for ``yellow`` 2019-01 — unchanged SQL, through
the real runtime (worker, rendering, warehouse lock, SQL translation, partition statistics) —
on a generated file of ``LANNER_BENCH_GCP_ROWS`` rows (default 7.5M, the size of the real one)
already in the local bucket. Per step, the baseline is the same ELT done by loading the file
straight into DuckDB with ``read_csv`` (the seed's column types), the same MD5 keys and the same
MERGE, in the same run, written as a DuckDB user would, with DuckDB's default settings. Lanner's
warehouse does not preserve insertion order and stores BYTES uncompressed, and its load and MERGE
are faster than that baseline because of those choices, not in spite of extra layers.

Two more rows put the load step next to bare loads of the file: ``read_csv`` with the seed's
declared types and no keys (informative), and the plainest possible ``CREATE TABLE AS SELECT *
FROM read_csv(file)`` with auto-detected types — BIGINT and DOUBLE where the seed declares STRING
and NUMERIC, and no MD5 — which is the issue's strictest reading of "within 1.5x of loading the
same file straight into DuckDB with read_csv". DuckDB itself needs more than that for the step's
work (the per-step baseline above), so that row measures what BigQuery's semantics cost.

Each figure is the median of ``LANNER_BENCH_GCP_RUNS`` runs (default 1: a run takes about a
minute), each run in fresh directories, Lanner and the baselines alternating.
"""

from __future__ import annotations

import base64
import json
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seed-flows"
ROWS = int(os.environ.get("LANNER_BENCH_GCP_ROWS", "7500000"))
RUNS = int(os.environ.get("LANNER_BENCH_GCP_RUNS", "1"))
GOAL = 1.5
STEPS = ("bq_yellow_tripdata", "bq_yellow_table_ext", "bq_yellow_table_tmp", "bq_yellow_merge")
KEY = {"type": "service_account", "project_id": "kestra-sandbox", "private_key_id": "0123456789abcdef0123",
       "private_key": "-----BEGIN PRIVATE KEY-----\nBENCHMARKONLY\n-----END PRIVATE KEY-----\n",
       "client_email": "bench@kestra-sandbox.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}

# The seed's yellow columns with the DuckDB types Lanner maps BigQuery's to.
_TYPES = {"VendorID": "VARCHAR", "tpep_pickup_datetime": "TIMESTAMPTZ",
          "tpep_dropoff_datetime": "TIMESTAMPTZ", "passenger_count": "BIGINT",
          "trip_distance": "DECIMAL(38,9)", "RatecodeID": "VARCHAR",
          "store_and_fwd_flag": "VARCHAR", "PULocationID": "VARCHAR", "DOLocationID": "VARCHAR",
          "payment_type": "BIGINT", "fare_amount": "DECIMAL(38,9)", "extra": "DECIMAL(38,9)",
          "mta_tax": "DECIMAL(38,9)", "tip_amount": "DECIMAL(38,9)", "tolls_amount": "DECIMAL(38,9)",
          "improvement_surcharge": "DECIMAL(38,9)", "total_amount": "DECIMAL(38,9)",
          "congestion_surcharge": "DECIMAL(38,9)"}


def _elt_flow() -> str:
    """Seed flow 08 without its download and upload tasks (the file is already in the bucket)."""
    flow = yaml.safe_load((SEEDS / "08_gcp_taxi.yaml").read_text())
    flow["id"] = "08_gcp_taxi_elt"
    flow["tasks"] = [t for t in flow["tasks"] if t["id"] in ("set_label", "if_yellow_taxi")]
    return yaml.safe_dump(flow, sort_keys=False)


def _lanner_run(csv: Path, work: Path) -> dict[str, float]:
    from lanner.tasks.gcp.localbucket import LocalBuckets
    from lanner.testing import local_runtime

    config = {"gcp": {"mode": "local", "local": {"storage-dir": str(work / "storage"),
                                                 "warehouse": str(work / "warehouse.duckdb")}}}
    environ = {**os.environ, "SECRET_GCP_CREDS": base64.b64encode(json.dumps(KEY).encode()).decode()}
    with local_runtime(home=work / "home", config=config, environ=environ) as local:
        def run(source: str, inputs: dict[str, str] | None = None) -> Any:
            flow = local.runtime.deploy(source)
            final = local.wait(local.start(flow, inputs).id, timeout=3600)
            if final.state.current.value != "SUCCESS":
                raise RuntimeError(f"{flow.id} ended {final.state.current.value}")
            return final

        run((SEEDS / "06_gcp_kv.yaml").read_text())
        run((SEEDS / "07_gcp_setup.yaml").read_text())
        LocalBuckets(work / "storage").upload("your-name-kestra", "yellow_tripdata_2019-01.csv", csv)
        final = run(_elt_flow(), {"taxi": "yellow", "year": "2019", "month": "01"})
    return {r.task_id: float(r.state.duration() or 0.0) for r in final.task_runs if r.task_id in STEPS}


def _baseline_run(csv: Path, work: Path) -> dict[str, float]:
    import duckdb

    flow = (SEEDS / "08_gcp_taxi.yaml").read_text()
    main_columns = ", ".join(f'"{n}" {t}' for n, t in
                             {"unique_row_id": "BLOB", "filename": "VARCHAR", **_TYPES}.items())
    columns = "{" + ", ".join(f"'{n}': '{t}'" for n, t in _TYPES.items()) + "}"
    key_columns = ("VendorID", "tpep_pickup_datetime", "tpep_dropoff_datetime", "PULocationID",
                   "DOLocationID")
    keys = " || ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in key_columns)
    insert = re.search(r"MERGE INTO .*yellow_tripdata` T.*?(WHEN NOT MATCHED.*?);", flow, re.S)
    assert insert is not None
    times: dict[str, float] = {}
    conn = duckdb.connect(str(work / "baseline.duckdb"))
    try:
        conn.execute("SET TimeZone = 'UTC'")
        steps = {
            "bq_yellow_tripdata": f"CREATE TABLE IF NOT EXISTS main ({main_columns})",
            "bq_yellow_table_ext": f"CREATE OR REPLACE VIEW ext AS SELECT * FROM read_csv('{csv}', "
                                   f"header = false, skip = 1, columns = {columns}, auto_detect = false)",
            "bq_yellow_table_tmp": f"CREATE OR REPLACE TABLE tmp AS SELECT unhex(md5({keys})) AS "
                                   "unique_row_id, 'yellow_tripdata_2019-01.csv' AS filename, * FROM ext",
            "bq_yellow_merge": f"MERGE INTO main T USING tmp S ON T.unique_row_id = S.unique_row_id "
                               f"{insert.group(1)}",
        }
        for step, sql in steps.items():
            start = time.perf_counter()
            conn.execute(sql)
            times[step] = time.perf_counter() - start
    finally:
        conn.close()
    return times


def _bare_loads(csv: Path, work: Path) -> tuple[float, float]:
    """Seconds to load the file with the seed's declared types (no keys), then with auto types."""
    import duckdb

    columns = "{" + ", ".join(f"'{n}': '{t}'" for n, t in _TYPES.items()) + "}"
    loads = (f"SELECT * FROM read_csv('{csv}', header = false, skip = 1, columns = {columns}, "
             "auto_detect = false)", f"SELECT * FROM read_csv('{csv}')")
    times = []
    for index, select in enumerate(loads):
        conn = duckdb.connect(str(work / f"bare{index}.duckdb"))
        try:
            conn.execute("SET TimeZone = 'UTC'")
            start = time.perf_counter()
            conn.execute(f"CREATE TABLE bare AS {select}")
            times.append(time.perf_counter() - start)
        finally:
            conn.close()
    return times[0], times[1]


def _fresh(fn: Callable[[Path, Path], Any], csv: Path) -> Any:
    with tempfile.TemporaryDirectory(prefix="lanner-bench-gcp-") as tmp:
        return fn(csv, Path(tmp))


def rows() -> list[Row]:
    from lanner.devservices.taxidata import generate

    with tempfile.TemporaryDirectory(prefix="lanner-bench-tlc-") as data:
        csv = generate("yellow", 2019, 1, ROWS, out=Path(data), gzip=False).path
        lanner_runs, baseline_runs, bare_runs = [], [], []
        for _ in range(RUNS):
            lanner_runs.append(_fresh(_lanner_run, csv))
            baseline_runs.append(_fresh(_baseline_run, csv))
            bare_runs.append(_fresh(_bare_loads, csv))
    lanner = {s: statistics.median(r[s] for r in lanner_runs) for s in STEPS}
    baseline = {s: statistics.median(r[s] for r in baseline_runs) for s in STEPS}
    typed = statistics.median(r[0] for r in bare_runs)
    plain = statistics.median(r[1] for r in bare_runs)
    label = f"{ROWS / 1e6:.1f}M" if ROWS >= 1_000_000 else f"{ROWS:,}"
    out = []
    for step in STEPS:
        ratio = lanner[step] / max(baseline[step], 1e-9)
        small = baseline[step] < 0.5 and lanner[step] < 0.5  # DDL: both instant, the ratio is noise
        out.append(Row(f"gcp ELT {label} yellow rows: {step}", f"{lanner[step]:.2f} s",
                       f"{baseline[step]:.2f} s (DuckDB direct)", ratio,
                       "< 0.5 s" if small else f"<= {GOAL}x", "", small or ratio <= GOAL))
    total, total_base = sum(lanner.values()), sum(baseline.values())
    out.append(Row(f"gcp ELT {label} yellow rows: 4 BigQuery steps", f"{total:.2f} s",
                   f"{total_base:.2f} s (DuckDB direct)", total / total_base, f"<= {GOAL}x",
                   "", total / total_base <= GOAL))
    load = lanner["bq_yellow_table_tmp"]
    out.append(Row(f"gcp load step vs bare typed read_csv of the {label}-row file", f"{load:.2f} s",
                   f"{typed:.2f} s (read_csv, seed's types, no keys)", load / typed, "informative",
                   "the step also computes the MD5 row keys", True))
    out.append(Row(f"gcp load step vs plain read_csv of the {label}-row file", f"{load:.2f} s",
                   f"{plain:.2f} s (read_csv, auto types, no keys)", load / plain, f"<= {GOAL}x",
                   "auto types are BIGINT/DOUBLE where the seed declares STRING/NUMERIC",
                   load / plain <= GOAL))
    return out
