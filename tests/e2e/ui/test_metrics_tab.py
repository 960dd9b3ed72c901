"""The execution page's Metrics tab: a script's metrics (a counter with a tag, a timer shown as a
duration) listed per task, and the empty state of an execution that reported none."""

from __future__ import annotations

import pytest

from tests.e2e.ui.conftest import Ui
from tests.e2e.ui.test_forms_and_pages import deploy

pytestmark = pytest.mark.slow

MEASURED = """id: measured
namespace: ui.metrics
tasks:
  - id: count_rows
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - echo '::{"metrics":[{"name":"rows","type":"counter","value":3,"tags":{"table":"trips"}}]}::'
      - echo '::{"metrics":[{"name":"load.time","type":"timer","value":1.5}]}::'
"""

SILENT = """id: silent
namespace: ui.metrics
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: nothing to measure here
"""


def run(ui: Ui, flow_id: str) -> str:
    with ui.server.http() as client:
        answer = client.post(f"/api/v1/main/executions/ui.metrics/{flow_id}", params={"wait": "true"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"]["current"] == "SUCCESS", answer.text
        execution_id: str = answer.json()["id"]
        return execution_id


def test_metrics_tab_lists_what_the_tasks_reported(ui: Ui) -> None:
    deploy(ui.server, MEASURED)
    execution_id = run(ui, "measured")
    page = ui.logged_in().page
    ui.goto(f"/ui/executions/ui.metrics/measured/{execution_id}/metrics")
    page.wait_for_selector("[data-testid=metrics-table] tr[data-metric=rows]")
    rows = page.locator("[data-testid=metrics-table] tr[data-metric=rows]")
    text = rows.inner_text()
    assert "count_rows" in text and "counter" in text and "table" in text and "trips" in text
    assert rows.locator("[data-testid=metric-value]").inner_text() == "3"
    timer = page.locator("[data-testid=metrics-table] tr[data-metric='load.time']")
    assert "timer" in timer.inner_text()
    assert timer.locator("[data-testid=metric-value]").inner_text() == "1.50 s"
    assert page.locator("nav.tabs [data-tab=metrics]").get_attribute("aria-selected") == "true"
    ui.shot("40-execution-metrics")


def test_metrics_tab_says_when_nothing_was_reported(ui: Ui) -> None:
    deploy(ui.server, SILENT)
    execution_id = run(ui, "silent")
    page = ui.logged_in().page
    ui.goto(f"/ui/executions/ui.metrics/silent/{execution_id}/gantt")
    page.click("nav.tabs [data-tab=metrics]")
    empty = page.wait_for_selector("[data-testid=metrics-empty]")
    assert empty.inner_text() == "No metric reported by this execution."
    ui.shot("41-execution-metrics-empty")
