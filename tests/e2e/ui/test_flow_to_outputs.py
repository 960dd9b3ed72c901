"""The course's path through the UI: log in, add seed flow 01 in the editor (validation and
topology as you type, an inline error at the right line), execute it with a custom input, watch
the Gantt and the logs fill live, open the outputs; stored files previewed as tables."""

from __future__ import annotations

import re

import pytest

from tests.e2e.ui.conftest import EDITOR, SEEDS, Ui

pytestmark = pytest.mark.slow

FILES_FLOW = """id: files
namespace: ui.test
tasks:
  - id: make_csv
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    outputFiles:
      - "*.csv"
    commands:
      - printf 'city,temp\\nParis,21\\nLima,17\\n' > weather.csv
  - id: query
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT 1 AS n, 'one' AS word UNION ALL SELECT 2, 'two'
    fetchType: STORE
"""


def test_login_is_required_and_wrong_passwords_are_refused(ui: Ui) -> None:
    ui.goto("/")
    ui.page.wait_for_selector("[data-testid=login-form]")
    assert ui.page.url.endswith("/ui/")
    ui.page.click("[data-testid=login-form] button[type=submit]")
    assert "Enter your user name" in ui.page.inner_text("[data-field=login-user]")
    ui.login(password="not-the-password")
    assert "Wrong user name or password" in ui.page.inner_text("[data-testid=login-error]")
    ui.shot("00-login-refused")
    ui.login()
    ui.page.wait_for_selector("[data-testid=flows-page]")
    ui.shot("01-flows")


def test_seed_01_from_editor_to_outputs(ui: Ui) -> None:
    page = ui.logged_in().page
    source = (SEEDS / "01_hello_world.yaml").read_text("utf-8")
    page.click("[data-testid=create-flow]")
    page.wait_for_selector(EDITOR)
    ui.paste(source)
    ui.wait_valid()
    for task in ("hello_message", "generate_output", "sleep", "log_output", "goodbye_message"):
        page.wait_for_selector(f"[data-testid=topology] g.node[data-task-id={task}]")
    page.wait_for_selector("[data-testid=topology] g.node[data-task-id=schedule]")  # the trigger
    ui.shot("02-editor-seed-01-valid")

    # A typo in a task type: the validator's error shows inline, on line 22.
    assert source.splitlines()[21].strip() == "type: io.kestra.plugin.core.debug.Return"
    ui.click_line("io.kestra.plugin.core.debug.Return")
    page.keyboard.press("End")
    for _ in range(4):
        page.keyboard.press("Backspace")
    page.keyboard.type("trun")
    page.keyboard.press("Escape")
    problem = page.wait_for_selector("[data-testid=problems] [data-line='22']")
    assert "Invalid type: io.kestra.plugin.core.debug.Retrun" in problem.inner_text()
    assert "did you mean" in problem.inner_text()
    marked = page.locator(f"{EDITOR} .cm-line:has(.cm-lintRange-error)")
    marked.first.wait_for()
    assert marked.count() == 1 and "debug.Retrun" in marked.first.inner_text()
    line_of_mark = page.evaluate(f"""() => {{
        const view = document.querySelector('{EDITOR}').lannerView;
        const mark = document.querySelector('{EDITOR} .cm-lintRange-error');
        return view.state.doc.lineAt(view.posAtDOM(mark)).number; }}""")
    assert line_of_mark == 22
    assert page.locator(f"{EDITOR} .cm-lint-marker-error").count() >= 1
    ui.shot("03-editor-inline-error")

    for _ in range(4):
        page.keyboard.press("Backspace")
    page.keyboard.type("turn")
    page.keyboard.press("Escape")
    ui.wait_valid()
    assert ui.editor_text() == source
    page.click("[data-testid=save-flow]")
    page.wait_for_url(re.compile(r".*/ui/flows/edit/zoomcamp/01_hello_world$"))
    page.wait_for_selector("[data-testid=revision]")

    # Execute with a custom input.
    page.click("[data-testid=execute-flow]")
    dialog = page.wait_for_selector("[data-testid=execute-dialog]")
    assert page.input_value("#input-name") == "Will"  # the default, prefilled
    page.fill("#input-name", "Lanner UI")
    dialog.query_selector("text=+ Add a label").click()
    page.fill("[data-testid=labels-editor] input[aria-label='Label key']", "origin")
    page.fill("[data-testid=labels-editor] input[aria-label='Label value']", "ui-test")
    ui.shot("04-execute-dialog")
    page.click("[data-testid=execute-submit]")
    page.wait_for_url(re.compile(r".*/ui/executions/zoomcamp/01_hello_world/\w+/gantt$"))

    # The Gantt fills live: the sleep (15 s) is under way while the first tasks are done.
    sleeping = page.wait_for_selector("[data-testid=gantt] .gantt-row[data-task-id=sleep]")
    assert sleeping.get_attribute("data-state") in ("CREATED", "SUBMITTED", "RUNNING")
    page.wait_for_selector("[data-testid=gantt] .gantt-row[data-task-id=hello_message][data-state=SUCCESS]")
    assert page.get_attribute("[data-testid=execution-page]", "data-state") == "RUNNING"
    ui.shot("05-gantt-live")

    # The logs follow live (the flow's pluginDefaults log at ERROR).
    page.click("[data-tab=logs]")
    page.wait_for_selector("[data-testid=log-lines] .log-row:has-text('Hello, Lanner UI!')")
    assert "following live" in page.inner_text("[data-testid=log-count]")
    assert page.get_attribute("[data-testid=execution-page]", "data-state") == "RUNNING"
    ui.shot("06-logs-live")
    page.wait_for_selector("[data-testid=execution-page][data-state=SUCCESS]", timeout=60_000)
    page.wait_for_selector("[data-testid=log-lines] .log-row:has-text('Goodbye, Lanner UI!')")
    page.select_option("[data-testid=log-level]", "ERROR")
    page.fill("input[aria-label='Search the logs']", "output")
    rows = page.locator("[data-testid=log-lines] .log-row")
    assert rows.count() == 1 and "This is an output: I was generated" in rows.first.inner_text()
    ui.shot("07-logs-filtered")

    page.click("[data-tab=gantt]")
    page.wait_for_selector("[data-testid=gantt] .gantt-row[data-task-id=goodbye_message][data-state=SUCCESS]")
    ui.shot("08-gantt-done")

    page.click("[data-tab=outputs]")
    page.click("[data-testid=outputs] .list div[data-output=generate_output]")
    assert "I was generated during this workflow." in page.inner_text("[data-testid=output-values]")
    ui.shot("09-outputs")

    page.click("[data-tab=topology]")
    page.wait_for_selector("[data-testid=execution-topology] g.node[data-task-id=sleep][data-state=SUCCESS]")
    ui.shot("10-topology-states")

    page.click("[data-tab=overview]")
    assert "origin: ui-test" in page.inner_text("[data-testid=execution-labels]")
    assert "Lanner UI" in page.inner_text("[data-testid=execution-inputs]")


def test_completion_of_types_and_properties(ui: Ui) -> None:
    page = ui.logged_in().page
    page.click("[data-testid=create-flow]")
    page.wait_for_selector(EDITOR)
    ui.paste("id: completed\nnamespace: ui.test\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Lo")
    page.keyboard.press("Control+End")
    page.keyboard.press("Control+Space")
    option = page.wait_for_selector(".cm-tooltip-autocomplete li:has-text('io.kestra.plugin.core.log.Log')")
    ui.shot("11-completion-type")
    option.click()
    page.keyboard.press("Enter")
    page.keyboard.type("mess")
    page.wait_for_selector(".cm-tooltip-autocomplete li:has-text('message')")
    ui.shot("12-completion-property")
    page.keyboard.press("Enter")
    page.keyboard.type("hi")
    assert ui.editor_text().endswith("    type: io.kestra.plugin.core.log.Log\n    message: hi")
    ui.wait_valid()


def test_stored_files_preview_as_tables(ui: Ui) -> None:
    with ui.server.http() as client:
        assert client.post("/api/v1/main/flows", content=FILES_FLOW,
                           headers={"Content-Type": "application/x-yaml"}).status_code == 200
        execution = client.post("/api/v1/main/executions/ui.test/files", params={"wait": "true"}).json()
    assert execution["state"]["current"] == "SUCCESS"
    page = ui.logged_in().page
    ui.goto(f"/ui/executions/ui.test/files/{execution['id']}/outputs")
    page.click("[data-testid=outputs] .list div[data-output=make_csv]")
    page.click("[data-testid=output-values] [data-testid=preview-button]")
    table = page.wait_for_selector("[data-testid=preview-table]")
    assert "city" in table.text_content() and "Paris" in table.inner_text() and "17" in table.inner_text()
    ui.shot("13-preview-csv")
    page.click("[data-testid=outputs] .list div[data-output=query]")
    page.click("[data-testid=output-values] [data-testid=preview-button]")
    table = page.wait_for_selector("[data-testid=preview-table]")
    headers = page.locator("[data-testid=preview-table] th").all_text_contents()
    assert headers == ["#", "n", "word"]
    assert "two" in table.inner_text()
    ui.shot("14-preview-ion")
