"""The web UI in a real headless Chromium, against ``lanner server`` started as a subprocess
(private LANNER_HOME, basic auth from LANNER_CONFIGURATION)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server.conftest import PASSWORD, USER, Server, start_server
from tests.e2e.ui.browser import launched_browser, require_browser, screenshot

SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seed-flows"
EDITOR = "[data-testid=editor] .cm-editor"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_browser()
    with launched_browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("ui") / "home")
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()


class Ui:
    """A logged-in (or not) browser tab on the server, with the few gestures the tests repeat."""

    def __init__(self, page: Any, server: Server) -> None:
        self.page = page
        self.server = server

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url + path)

    def login(self, user: str = USER, password: str = PASSWORD) -> None:
        self.goto("/")
        self.page.fill("#login-user", user)
        self.page.fill("#login-password", password)
        self.page.click("[data-testid=login-form] button[type=submit]")

    def logged_in(self) -> Ui:
        self.login()
        self.page.wait_for_selector("[data-testid=flows-page]")
        return self

    def shot(self, name: str) -> Path:
        return screenshot(self.page, name)

    # ---- the YAML editor (CodeMirror) ----------------------------------------------------------
    def editor_text(self) -> str:
        script = f"() => document.querySelector('{EDITOR}').lannerView.state.doc.toString()"
        text: str = self.page.evaluate(script)
        return text

    def paste(self, text: str) -> None:
        """Replace the editor's content as a user would: select all, paste from the clipboard."""
        self.page.click(f"{EDITOR} .cm-content")
        self.page.keyboard.press("Control+A")
        self.page.evaluate("text => navigator.clipboard.writeText(text)", text)
        self.page.keyboard.press("Control+V")
        if self.editor_text() != text:  # no clipboard in this browser: type it in one go
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Delete")
            self.page.keyboard.insert_text(text)
        assert self.editor_text() == text

    def click_line(self, containing: str) -> None:
        self.page.locator(f"{EDITOR} .cm-line", has_text=containing).first.click()

    def wait_valid(self) -> None:
        self.page.wait_for_selector("[data-testid=validation-ok]")


@pytest.fixture
def ui(browser: Any, ui_server: Server) -> Iterator[Ui]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, timezone_id="UTC")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield Ui(page, ui_server)
    finally:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
