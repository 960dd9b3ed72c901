"""Resume a paused execution from its page: the Pause task's onResume inputs as a form, the
server's refusal shown on the field, then the typed values in the task's outputs."""

from __future__ import annotations

import time

import pytest

from tests.e2e.ui.conftest import Ui
from tests.e2e.ui.test_forms_and_pages import deploy

pytestmark = pytest.mark.slow

APPROVAL = """id: approval
namespace: ui.resume
tasks:
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: wait_for_approval
        type: io.kestra.plugin.core.flow.Pause
        onResume:
          - id: approved
            type: BOOLEAN
            defaults: false
          - id: reviewer
            type: STRING
          - id: rows
            type: INT
            defaults: 1
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "{% set answer = outputs.wait_for_approval.onResume %}{{ answer.reviewer }}:{{ answer.rows * 2 }}"
"""


def test_resume_asks_for_the_pause_inputs(ui: Ui) -> None:
    deploy(ui.server, APPROVAL)
    with ui.server.http() as client:
        execution_id = client.post("/api/v1/main/executions/ui.resume/approval").json()["id"]
        deadline = time.monotonic() + 30
        while client.get(f"/api/v1/main/executions/{execution_id}").json()["state"]["current"] != "PAUSED":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    page = ui.logged_in().page
    ui.goto(f"/ui/executions/ui.resume/approval/{execution_id}")
    page.click("[data-testid=resume-execution]")
    page.wait_for_selector("[data-testid=resume-dialog] #input-reviewer")
    page.fill("#input-reviewer", "ada")
    page.fill("#input-rows", "2.5")  # refused on the field, like every INT input
    page.click("[data-testid=resume-submit]")
    page.wait_for_selector("[data-error-for=input-rows], [data-testid=resume-dialog] .field-error")
    assert "rows" in page.inner_text("[data-testid=resume-dialog]").lower()
    ui.shot("41-resume-refused")
    page.fill("#input-rows", "21")
    page.click("[data-testid=resume-submit]")
    page.wait_for_selector("[data-testid=execution-page][data-state=SUCCESS]", timeout=30000)
    with ui.server.http() as client:
        body = client.get(f"/api/v1/main/executions/{execution_id}").json()
    runs = {run["taskId"]: run for run in body["taskRunList"]}
    answered = {"approved": False, "reviewer": "ada", "rows": 21}
    assert runs["wait_for_approval"]["outputs"] == {"onResume": answered}
    assert runs["report"]["outputs"] == {"value": "ada:42"}
    ui.shot("42-resumed")
