"""Every form rejects bad input next to the field, server errors read as messages (never a blank
page); executions list (filters, paging, bulk kill), KV store, namespace files, revisions, theme."""

from __future__ import annotations

import time

import pytest

from tests.e2e.server.conftest import Server
from tests.e2e.ui.conftest import EDITOR, Ui

pytestmark = pytest.mark.slow

INPUTS_FLOW = """id: inputs_demo
namespace: ui.test
inputs:
  - id: count
    type: INT
    min: 3
  - id: taxi
    type: SELECT
    values: [yellow, green]
  - id: colors
    type: MULTISELECT
    values: [red, blue, green]
    required: false
  - id: settings
    type: JSON
    required: false
  - id: months
    type: ARRAY
    itemType: INT
    required: false
  - id: dry
    type: BOOLEAN
    defaults: true
  - id: since
    type: DATETIME
    after: "2020-01-01T00:00:00Z"
    required: false
  - id: upload
    type: FILE
    required: false
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: >-
      count={{ inputs.count }} taxi={{ inputs.taxi }} colors={{ inputs.colors }}
      months={{ inputs.months }} dry={{ inputs.dry }} file={{ read(inputs.upload) }}
"""

QUICK_FLOW = """id: quick
namespace: ui.test
tasks:
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: ok
"""

SLOW_FLOW = """id: slow
namespace: ui.test
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""


def deploy(server: Server, source: str) -> None:
    with server.http() as client:
        answer = client.post("/api/v1/main/flows", content=source,
                             headers={"Content-Type": "application/x-yaml"})
        # Kestra answers 422 "Flow id already exists" when an earlier test deployed it; any other
        # 422 is an invalid flow and must fail here, not later in the page.
        assert answer.status_code == 200 or "Flow id already exists" in answer.text, answer.text


def field_error(ui: Ui, name: str) -> str:
    text: str = ui.page.inner_text(f"[data-error-for={name}]")
    return text


def test_execute_dialog_checks_every_input(ui: Ui, tmp_path: object) -> None:
    deploy(ui.server, INPUTS_FLOW)
    page = ui.logged_in().page
    page.click("tr[data-flow='ui.test.inputs_demo'] button:has-text('Execute')")
    page.wait_for_selector("[data-testid=execute-dialog]")
    assert page.is_checked("#input-dry")  # BOOLEAN default, as a switch
    page.click("[data-testid=execute-submit]")
    assert "required" in field_error(ui, "count")
    assert "required" in field_error(ui, "taxi")
    page.fill("#input-count", "2")
    page.fill("#input-settings", "{not json")
    page.fill("#input-months", "1\nmay")
    page.click("[data-testid=execute-submit]")
    assert "at least 3" in field_error(ui, "count")
    assert "Invalid JSON" in field_error(ui, "settings")
    assert "must be a number" in field_error(ui, "months")
    ui.shot("30-execute-errors")

    # What only the server knows comes back next to its field too.
    page.fill("#input-count", "4")
    page.select_option("#input-taxi", "green")
    page.fill("#input-settings", '{"retries": 2}')
    page.fill("#input-months", "1\n2")
    page.check("[data-field=colors] input[value=red]")
    page.fill("#input-since", "2019-05-01T10:00:00")
    note = {"name": "note.txt", "mimeType": "text/plain", "buffer": b"hello file"}
    page.set_input_files("#input-upload", files=[note])
    page.click("[data-testid=execute-submit]")
    page.wait_for_selector("[data-error-for=since]")
    assert "it must be after" in field_error(ui, "since")
    ui.shot("31-execute-server-error")
    page.fill("#input-since", "")
    page.click("[data-testid=execute-submit]")
    page.wait_for_selector("[data-testid=execution-page][data-state=SUCCESS]")
    page.click("[data-tab=logs]")
    line = page.wait_for_selector("[data-testid=log-lines] .log-row:has-text('count=4')")
    text = line.inner_text()
    for part in ("taxi=green", 'colors=["red"]', "months=[1,2]", "dry=true", "file=hello file"):
        assert part in text


def test_executions_list_pages_filters_and_kills(ui: Ui) -> None:
    deploy(ui.server, QUICK_FLOW)
    deploy(ui.server, SLOW_FLOW)
    with ui.server.http() as client:
        for _ in range(27):
            assert client.post("/api/v1/main/executions/ui.test/quick").status_code == 200
        slow = [client.post("/api/v1/main/executions/ui.test/slow").json()["id"] for _ in range(2)]
    page = ui.logged_in().page
    ui.goto("/ui/executions?namespace=ui.test&flowId=quick&size=10")
    page.wait_for_selector("[data-testid=executions-table] tr[data-execution]")
    assert page.locator("[data-testid=executions-table] tr[data-execution]").count() == 10
    assert page.inner_text("[data-testid=page]") == "1 / 3"
    page.click("button[aria-label='Next page']")
    page.wait_for_selector("[data-testid=page]:has-text('2 / 3')")
    ui.shot("32-executions-paged")

    page.fill("input[aria-label='Labels filter']", "no-colon")
    page.click("button:has-text('Search')")
    assert "is not key:value" in field_error(ui, "labels-filter")
    page.fill("input[aria-label='Labels filter']", "")

    ui.goto("/ui/executions?namespace=ui.test&flowId=slow")
    for execution_id in slow:
        page.check(f"tr[data-execution='{execution_id}'] input[type=checkbox]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Kill selected')")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = page.eval_on_selector_all("[data-testid=executions-table] tr[data-execution]",
                                           "rows => rows.map(r => r.dataset.state)")
        if states == ["KILLED", "KILLED"]:
            break
        page.wait_for_timeout(300)
    assert states == ["KILLED", "KILLED"]
    ui.shot("33-executions-killed")


def test_kv_store_and_namespace_files(ui: Ui) -> None:
    page = ui.logged_in().page
    page.click("nav a:has-text('Namespaces')")
    page.fill("input[aria-label=Namespace]", "not a namespace!")
    page.click("button:has-text('Open')")
    assert "letters, digits" in page.inner_text(".field-error")
    page.fill("input[aria-label=Namespace]", "ui.kv")
    page.click("button:has-text('Open')")
    page.click("button:has-text('+ Add a key')")
    page.fill("#kv-key", "bad key")
    page.select_option("#kv-type", "NUMBER")
    page.fill("#kv-value", "forty-two")
    page.fill("#kv-ttl", "one hour")
    page.click("[data-testid=kv-editor] button:has-text('Save')")
    assert "letters, digits" in field_error(ui, "kv-key")
    assert "Enter a number" in field_error(ui, "kv-value")
    assert "ISO-8601" in field_error(ui, "kv-ttl")
    ui.shot("34-kv-errors")
    page.fill("#kv-key", "answer")
    page.fill("#kv-value", "42")
    page.fill("#kv-ttl", "")
    page.click("[data-testid=kv-editor] button:has-text('Save')")
    page.wait_for_selector("[data-testid=kv-table] tr[data-key=answer]")
    page.click("button:has-text('+ Add a key')")
    page.fill("#kv-key", "settings")
    page.select_option("#kv-type", "JSON")
    page.fill("#kv-value", '{"region": "eu", "retries": 3}')
    page.click("[data-testid=kv-editor] button:has-text('Save')")
    page.wait_for_selector("[data-testid=kv-table] tr[data-key=settings]")
    with ui.server.http() as client:
        assert client.get("/api/v1/main/namespaces/ui.kv/kv/answer").json() == {"type": "NUMBER", "value": 42}
        settings = client.get("/api/v1/main/namespaces/ui.kv/kv/settings").json()
        assert settings == {"type": "JSON", "value": {"region": "eu", "retries": 3}}
    page.click("[data-testid=kv-table] tr[data-key=answer] button.link")
    page.wait_for_function("() => (document.querySelector('#kv-value') || {}).value === '42'")
    assert page.input_value("#kv-type") == "NUMBER"
    ui.shot("35-kv")

    page.click("[data-tab=files]")
    page.fill("#new-file", "queries/setup.sql")
    page.click("button:has-text('Create')")
    page.wait_for_selector(".cm-editor")
    page.click(".cm-content")
    page.keyboard.type("SELECT 42;")
    page.click("button:has-text('Save')")
    page.wait_for_selector(".toast:has-text('Saved /queries/setup.sql')")
    with ui.server.http() as client:
        answer = client.get("/api/v1/main/namespaces/ui.kv/files", params={"path": "/queries/setup.sql"})
        assert answer.text == "SELECT 42;"
    ui.shot("36-namespace-files")


def test_kv_editor_keeps_input_given_before_it_re_renders(ui: Ui) -> None:
    """Events that arrive between two renders (a fast typist, autofill, a slow machine) must
    not undo each other, and opening the editor must not clear what was already typed."""
    page = ui.logged_in().page
    ui.goto("/ui/namespaces/ui.kv2/kv")
    page.wait_for_selector("[data-testid=kv-table]")
    typed = page.evaluate("""async () => {
        const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
        [...document.querySelectorAll("button")].find((b) => b.textContent.includes("Add a key")).click();
        await tick();
        const key = document.querySelector("#kv-key");
        key.value = "settings";
        key.dispatchEvent(new Event("input", { bubbles: true }));
        const type = document.querySelector("#kv-type");
        type.value = "JSON";
        type.dispatchEvent(new Event("change", { bubbles: true }));
        await new Promise((resolve) => setTimeout(resolve, 400));
        return [document.querySelector("#kv-key").value, document.querySelector("#kv-type").value];
    }""")
    assert typed == ["settings", "JSON"]
    page.fill("#kv-value", '{"a": 1}')
    page.click("[data-testid=kv-editor] button:has-text('Save')")
    page.wait_for_selector("[data-testid=kv-table] tr[data-key=settings]")


def test_server_errors_are_readable_never_blank(ui: Ui) -> None:
    page = ui.logged_in().page
    ui.goto("/ui/executions/ui.test/quick/NoSuchExecution")
    assert "Not Found" in page.inner_text("[role=alert]")
    ui.shot("37-error-execution")
    ui.goto("/ui/flows/edit/ui.test/no_such_flow")
    assert "Not Found" in page.inner_text("[role=alert]")
    ui.goto("/ui/nowhere/at/all")
    assert "Page not found" in page.inner_text("main")
    # A flow the server refuses to save: its message, and the editor marks the line.
    page.click("nav a:has-text('Flows')")
    page.click("[data-testid=create-flow]")
    page.wait_for_selector(EDITOR)
    ui.paste("id: bad\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: x\n")
    page.click("[data-testid=save-flow]")
    page.wait_for_selector(".toast.error:has-text('Not saved')")
    ui.shot("38-error-save")


def test_revisions_diff_theme_copilot_and_logout(ui: Ui) -> None:
    deploy(ui.server, QUICK_FLOW)
    page = ui.logged_in().page
    ui.goto("/ui/flows/edit/ui.test/quick")
    page.wait_for_selector(EDITOR)
    ui.paste(QUICK_FLOW.replace("format: ok", "format: changed"))
    ui.wait_valid()
    page.keyboard.press("Control+s")
    page.wait_for_selector("[data-testid=revision]:has-text('revision 2')")
    page.click("[data-tab=revisions]")
    page.wait_for_selector("[data-testid=revision-diff] .cm-changedLine")
    ui.shot("39-revisions-diff")

    page.click("[data-tab=editor]")
    page.click("[data-testid=theme-toggle]")
    assert page.get_attribute("html", "data-theme") == "dark"
    page.wait_for_selector(EDITOR)
    ui.shot("40-dark-theme")
    page.reload()
    page.wait_for_selector(EDITOR)
    assert page.get_attribute("html", "data-theme") == "dark"

    # No AI provider is configured: /api/v1/configs says isAiEnabled=false, so no Copilot button.
    assert page.locator("[data-testid=copilot]").count() == 0
    assert page.locator("[data-testid=copilot-toggle]").count() == 0
    page.click("[data-testid=theme-toggle]")

    page.click("[data-testid=logout]")
    page.wait_for_selector("[data-testid=login-form]")
    page.reload()
    page.wait_for_selector("[data-testid=login-form]")


SCHEDULED_FLOW = """id: scheduled
namespace: ui.test
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1S
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 6 * * *"
"""


def _trigger(server: Server) -> dict[str, object]:
    with server.http() as client:
        found = client.get("/api/v1/main/triggers/ui.test/scheduled").json()["results"]
    context: dict[str, object] = found[0]
    return context


def test_triggers_enable_and_backfill_pause_resume_cancel(ui: Ui) -> None:
    deploy(ui.server, SCHEDULED_FLOW)
    page = ui.logged_in().page
    page.click("nav a:has-text('Triggers')")
    row = "[data-testid=triggers-table] tr[data-trigger=daily]"
    page.wait_for_selector(row)
    page.click(f"{row} .switch")
    page.wait_for_selector(".toast:has-text('Trigger disabled')")
    assert _trigger(ui.server)["disabled"] is True
    page.click(f"{row} .switch")
    page.wait_for_selector(".toast:has-text('Trigger enabled')")
    assert _trigger(ui.server)["disabled"] is False

    page.click(f"{row} [data-testid=backfill-button]")
    page.click("[data-testid=backfill-start]")  # no start date
    assert "required" in field_error(ui, "backfill-start")
    page.fill("#backfill-start", "2019-01-01T00:00:00")
    page.fill("#backfill-end", "2019-12-31T23:59:59")
    page.click("[data-testid=backfill-dry-run]")
    assert "365 execution(s)" in page.inner_text("[data-testid=backfill-preview]")
    page.click("[data-testid=backfill-start]")
    page.click("[data-testid=backfill-pause]")
    page.wait_for_selector("[data-testid=backfill-state]:has-text('Paused')")
    backfill = _trigger(ui.server)["backfill"]
    assert isinstance(backfill, dict) and backfill["paused"] is True and backfill["total"] == 365
    ui.shot("41-backfill-paused")
    page.click("[data-testid=backfill-dialog] button:has-text('Resume')")
    page.wait_for_selector("[data-testid=backfill-state]:has-text('Running')")
    page.click("[data-testid=backfill-dialog] button:has-text('Cancel the backfill')")
    page.wait_for_selector("[data-testid=backfill-state]:has-text('Backfill cancelled')")
    assert _trigger(ui.server)["backfill"] is None
