"""Headless Chromium through Playwright for the UI tests (Debian's ``chromium``: no browser
download), and where their screenshots go (``artifacts/ui/``, kept by CI as test artifacts)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts" / "ui"
CHROMIUM = os.environ.get("LANNER_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_browser() -> None:
    """Skip without Playwright or Chromium; in CI (``CI`` set) their absence is a failure."""
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if missing:
        message = "the UI tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def launched_browser() -> Iterator[Any]:
    import asyncio

    from playwright.sync_api import sync_playwright

    # Some earlier test in a long session can leave this thread marked as running an asyncio loop
    # (no loop is actually running in a sync test); Playwright's sync API refuses to start then.
    leaked = asyncio._get_running_loop()
    if leaked is not None:
        asyncio._set_running_loop(None)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
