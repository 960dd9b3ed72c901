"""Acceptance of the server issue: a backfill of seed flow 05 (green, 2019-01-01 .. 2019-12-01)
through `lanner server` creates exactly 12 executions, never more than one RUNNING at a time,
all SUCCESS, with the right `trigger.date` — against a real PostgreSQL 18 and generated data."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from lanner.devservices.dataserver import GITHUB_PREFIX, DataServer
from lanner.devservices.postgres import temporary_postgres
from lanner.devservices.taxidata import generate
from tests.e2e.server.conftest import PASSWORD, USER, start_server

SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seed-flows"
FLOW = "zoomcamp.05_postgres_taxi_scheduled"


@pytest.mark.slow
def test_backfill_of_seed_05_runs_twelve_months_one_at_a_time(tmp_path: Path) -> None:
    data = Path(tempfile.mkdtemp(prefix="lanner-tlc-"))
    rows = {month: 1_000 + month for month in range(1, 13)}
    for month, count in rows.items():
        generate("green", 2019, month, count, out=data / "green", seed=month)
    try:
        with temporary_postgres() as postgres, DataServer(data) as files:
            config = (f"server:\n  basic-auth:\n    username: {USER}\n    password: {PASSWORD}\n"
                      f"hosts:\n  pgdatabase: 127.0.0.1:{postgres.port}\n")
            server = start_server(tmp_path / "home", env={"LANNER_CONFIGURATION": config})
            try:
                _backfill_and_check(server, files, postgres.port, rows)
            finally:
                server.stop()
    finally:
        shutil.rmtree(data, ignore_errors=True)


def _backfill_and_check(server, files, port: int, rows: dict[int, int]) -> None:  # type: ignore[no-untyped-def]
    source = (SEEDS / "05_postgres_taxi_scheduled.yaml").read_text().replace(GITHUB_PREFIX, files.url)
    with server.http() as http:
        created = http.post("/api/v1/main/flows", content=source,
                            headers={"Content-Type": "application/x-yaml"})
        assert created.status_code == 200, created.text

        dry = server.cli("backfill", FLOW, "--trigger", "green_schedule", "--start", "2019-01-01",
                         "--end", "2019-12-01", "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.count("2019-") >= 12

        started = server.cli("backfill", FLOW, "--trigger", "green_schedule", "--start", "2019-01-01",
                             "--end", "2019-12-01")
        assert started.returncode == 0, started.stdout + started.stderr

        deadline = time.monotonic() + 600
        executions: list[dict] = []  # type: ignore[type-arg]
        while time.monotonic() < deadline:
            page = http.get("/api/v1/main/executions/search",
                            params={"namespace": "zoomcamp", "flowId": "05_postgres_taxi_scheduled",
                                    "size": 50}).json()
            executions = page["results"]
            running = [e for e in executions if e["state"]["current"] == "RUNNING"]
            assert len(running) <= 1, "never two executions of the backfill at once"
            done = [e for e in executions if e["state"]["current"] in ("SUCCESS", "FAILED", "KILLED")]
            if len(done) == 12:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the backfill did not finish: {[e['state']['current'] for e in executions]}")

    assert len(executions) == 12
    assert {e["state"]["current"] for e in executions} == {"SUCCESS"}
    dates = sorted(e["trigger"]["variables"]["date"] for e in executions)
    assert dates == [f"2019-{m:02d}-01T09:00:00Z" for m in range(1, 13)]
    windows = sorted((_when(e, "RUNNING"), _when(e, e["state"]["current"])) for e in executions)
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start >= end, "the executions ran one after the other"
    with psycopg.connect(host="127.0.0.1", port=port, user="root", password="root",
                         dbname="ny_taxi") as conn:
        per_month = dict(conn.execute(
            "SELECT filename, count(*) FROM public.green_tripdata GROUP BY 1").fetchall())
    assert per_month == {f"green_tripdata_2019-{m:02d}.csv": n for m, n in rows.items()}


def _when(execution: dict, state: str) -> str:  # type: ignore[type-arg]
    return next(h["date"] for h in execution["state"]["histories"] if h["state"] == state)
