"""dlt benchmark (issue: dlt) — the orchestration overhead of ``io.lanner.plugin.dlt.Pipeline``.

The same dlt pipeline — a ``rest_api`` source paging ``LANNER_BENCH_DLT_ROWS`` NYC trips (default
200,000) from Lanner's fake Socrata API with ``$limit``/``$offset``, typed by column hints, into a
DuckDB file — is run two ways in the same process, against the same server:

- Lanner: a flow with the dlt task, through the real runtime (deploy, executor, worker thread,
  rendering, locks, log routing, state sync, outputs), timed from ``start`` to the end of the
  execution;
- dlt direct: ``dlt.pipeline(...).run(rest_api_source(config))`` from Python, as a dlt user would
  write it (same load-file format, JSON lines).

Each figure is the median of ``LANNER_BENCH_DLT_RUNS`` runs (default 3), each in fresh
directories, Lanner and the direct run alternating. A second row times a tiny load (60 coins) to
show the fixed cost of an execution.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.table import Row

ROWS = int(os.environ.get("LANNER_BENCH_DLT_ROWS", "200000"))
RUNS = int(os.environ.get("LANNER_BENCH_DLT_RUNS", "3"))
GOAL = 1.10  # the dlt task may take at most 10% longer than dlt alone

_COLUMNS = {"tpep_pickup_datetime": "timestamp", "tpep_dropoff_datetime": "timestamp",
            "passenger_count": "bigint", "trip_distance": "double", "payment_type": "bigint",
            "fare_amount": "double", "extra": "double", "mta_tax": "double", "tip_amount": "double",
            "tolls_amount": "double", "improvement_surcharge": "double", "total_amount": "double",
            "congestion_surcharge": "double"}


def _trips_config(base_url: str, path: str) -> dict[str, Any]:
    return {
        "client": {"base_url": base_url, "paginator": {
            "type": "offset", "limit": 50_000, "offset_param": "$offset", "limit_param": "$limit",
            "total_path": None, "stop_after_empty_page": True, "maximum_offset": ROWS}},
        "resources": [{"name": "trips", "endpoint": {"path": path},
                       "columns": {name: {"data_type": kind} for name, kind in _COLUMNS.items()},
                       "write_disposition": "replace"}],
    }


def _markets_config(base_url: str) -> dict[str, Any]:
    return {"client": {"base_url": base_url, "paginator": {
                "type": "page_number", "base_page": 1, "page_param": "page", "total_path": None,
                "stop_after_empty_page": True}},
            "resources": [{"name": "markets",
                           "endpoint": {"path": "coins/markets", "params": {"per_page": 100}},
                           "primary_key": ["id", "last_updated"], "write_disposition": "merge"}]}


def _flow(config: dict[str, Any]) -> str:
    task = {"id": "load", "type": "io.lanner.plugin.dlt.Pipeline", "pipelineName": "bench",
            "datasetName": "bench", "restApi": config}
    return yaml.safe_dump({"id": "bench_dlt", "namespace": "bench", "tasks": [task]}, sort_keys=False)


def _lanner_run(config: dict[str, Any], work: Path) -> tuple[float, int]:
    from lanner.testing import local_runtime

    with local_runtime(home=work / "home") as local:
        flow = local.runtime.deploy(_flow(config))
        started = time.perf_counter()
        final = local.wait(local.start(flow).id, timeout=3600)
        seconds = time.perf_counter() - started
    if final.state.current.value != "SUCCESS":
        raise RuntimeError(f"the dlt flow ended {final.state.current.value}")
    run = next(r for r in final.task_runs if r.task_id == "load")
    return seconds, int((run.outputs or {})["rowCount"])


def _direct_run(config: dict[str, Any], work: Path) -> tuple[float, int]:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt
    from dlt.sources.rest_api import rest_api_source

    started = time.perf_counter()
    pipeline = dlt.pipeline("bench", pipelines_dir=str(work / "pipelines"), dataset_name="bench",
                            destination=dlt.destinations.duckdb(str(work / "direct.duckdb")))
    source: Any = config  # a RESTAPIConfig TypedDict, built as a plain dict
    pipeline.run(rest_api_source(source), loader_file_format="jsonl")
    seconds = time.perf_counter() - started
    trace: Any = pipeline.last_trace
    counts: dict[str, int] = trace.last_normalize_info.row_counts
    rows = sum(n for table, n in counts.items() if not table.startswith("_dlt"))
    return seconds, rows


Runner = Callable[[dict[str, Any], Path], tuple[float, int]]


def _fresh(fn: Runner, config: dict[str, Any]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="lanner-bench-dlt-") as tmp:
        return fn(config, Path(tmp))


def _measure(config: dict[str, Any]) -> tuple[float, float, int]:
    lanner_runs, direct_runs, counts = [], [], set()
    _fresh(_direct_run, config)  # warm-up: imports, the server's first pages
    for _ in range(RUNS):
        seconds, rows = _fresh(_lanner_run, config)
        lanner_runs.append(seconds)
        counts.add(rows)
        seconds, rows = _fresh(_direct_run, config)
        direct_runs.append(seconds)
        counts.add(rows)
    if len(counts) != 1:
        raise RuntimeError(f"the two ways loaded different row counts: {sorted(counts)}")
    return statistics.median(lanner_runs), statistics.median(direct_runs), counts.pop()


def rows() -> list[Row]:
    from lanner.devservices.fakeapis import FakeApis

    with FakeApis(trips=ROWS) as apis:
        lanner, direct, count = _measure(_trips_config(apis.socrata_url, apis.trips_path))
        small_lanner, small_direct, coins = _measure(_markets_config(apis.coingecko_url))
    ratio = lanner / direct  # time ratio = direct rate / Lanner rate
    label = f"{count:,}"
    return [
        Row(f"dlt rest_api -> duckdb, {label} trips ($limit/$offset pages): rows/s",
            f"{count / lanner:,.0f} rows/s ({lanner:.2f} s)",
            f"{count / direct:,.0f} rows/s ({direct:.2f} s, dlt direct)", ratio,
            f"<= {GOAL:.2f}x (overhead < 10%)", "", ratio <= GOAL),
        Row(f"dlt rest_api -> duckdb, {coins} coins: one execution",
            f"{small_lanner:.2f} s", f"{small_direct:.2f} s (dlt direct)", small_lanner / small_direct,
            "< +0.5 s", "informative: the fixed cost of an execution", small_lanner - small_direct < 0.5),
    ]
