"""'Backfill from the UI': seed flow 05 added in the editor (only its download URL prefix pointed
at a local data server), then a backfill of 2019 for the green taxis from the Triggers tab, with
a dry run first; the 12 executions complete against a real PostgreSQL."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from lanner.devservices.dataserver import GITHUB_PREFIX, DataServer
from lanner.devservices.postgres import ManagedPostgres, temporary_postgres
from lanner.devservices.taxidata import generate
from tests.e2e.server.conftest import PASSWORD, USER, Server, start_server
from tests.e2e.ui.conftest import EDITOR, SEEDS, Ui

pytestmark = pytest.mark.slow

ROWS = 300
FLOW_ID = "05_postgres_taxi_scheduled"


@dataclass
class TaxiServices:
    postgres: ManagedPostgres
    data: DataServer

    def count(self, table: str) -> int:
        with psycopg.connect(host="127.0.0.1", port=self.postgres.port, user="root", password="root",
                             dbname="ny_taxi", autocommit=True) as conn:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            return int(row[0]) if row else 0


@pytest.fixture(scope="module")
def taxi() -> Iterator[TaxiServices]:
    root = Path(tempfile.mkdtemp(prefix="lanner-ui-tlc-"))
    for month in range(1, 13):
        generate("green", 2019, month, ROWS, out=root / "green", seed=month)
    try:
        with temporary_postgres() as postgres, DataServer(root) as data:
            yield TaxiServices(postgres, data)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory, taxi: TaxiServices) -> Iterator[Server]:
    # The flow keeps `jdbc:postgresql://pgdatabase:5432/ny_taxi`: the host table maps it.
    configuration = (f"server:\n  basic-auth:\n    username: {USER}\n    password: {PASSWORD}\n"
                     f"hosts:\n  pgdatabase: \"127.0.0.1:{taxi.postgres.port}\"\n")
    running = start_server(tmp_path_factory.mktemp("ui-backfill") / "home",
                           env={"LANNER_CONFIGURATION": configuration})
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()


def test_backfill_of_seed_05_runs_twelve_months(ui: Ui, taxi: TaxiServices) -> None:
    page = ui.logged_in().page
    source = (SEEDS / f"{FLOW_ID}.yaml").read_text("utf-8").replace(GITHUB_PREFIX, taxi.data.url)
    page.click("[data-testid=create-flow]")
    page.wait_for_selector(EDITOR)
    ui.paste(source)
    ui.wait_valid()
    page.wait_for_selector("[data-testid=topology] g.node[data-task-id=if_green_taxi]")
    page.wait_for_selector("[data-testid=topology] g.node[data-task-id=green_copy_in_to_staging_table]")
    ui.shot("20-editor-seed-05")
    page.click("[data-testid=save-flow]")
    page.wait_for_url(re.compile(rf".*/ui/flows/edit/zoomcamp/{FLOW_ID}$"))

    page.click("[data-tab=triggers]")
    row = page.wait_for_selector("[data-testid=triggers-table] tr[data-trigger=green_schedule]")
    assert "0 9 1 * *" in row.inner_text()
    ui.shot("21-triggers")
    row.query_selector("[data-testid=backfill-button]").click()
    page.wait_for_selector("[data-testid=backfill-dialog]")
    assert page.input_value("#input-taxi") == "green"  # the trigger's inputs, prefilled

    # Every form rejects bad input next to the field.
    page.fill("#backfill-start", "2019-06-01T00:00:00")
    page.fill("#backfill-end", "2019-01-01T00:00:00")
    page.click("[data-testid=backfill-dry-run]")
    assert "after the start" in page.inner_text("[data-field=backfill-end]")

    page.fill("#backfill-start", "2019-01-01T00:00:00")
    page.fill("#backfill-end", "2019-12-31T23:59:59")
    page.click("[data-testid=backfill-dry-run]")
    preview = page.wait_for_selector("[data-testid=backfill-preview]")
    assert "12 execution(s)" in preview.inner_text()
    assert "2019-01-01 09:00:00" in preview.inner_text() and "2019-12-01 09:00:00" in preview.inner_text()
    ui.shot("22-backfill-dry-run")

    page.click("[data-testid=backfill-start]")
    page.wait_for_selector("[data-testid=backfill-status]")
    ui.shot("23-backfill-progress")
    done = "12 execution(s): 12 succeeded, 0 failed, 0 not finished"
    page.wait_for_selector(f"[data-testid=backfill-counts]:has-text('{done}')", timeout=300_000)
    ui.shot("24-backfill-done")
    page.keyboard.press("Escape")

    ui.goto(f"/ui/executions?namespace=zoomcamp&flowId={FLOW_ID}&labels=backfill:true")
    page.wait_for_selector("[data-testid=executions-table] tr[data-execution]")
    states = page.eval_on_selector_all("[data-testid=executions-table] tr[data-execution]",
                                       "rows => rows.map(r => r.dataset.state)")
    assert states == ["SUCCESS"] * 12
    ui.shot("25-backfill-executions")
    assert taxi.count("public.green_tripdata") > 0
