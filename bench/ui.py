"""Web UI benchmarks (issue: Web UI) — time to first paint, in headless Chromium, of:

- the Gantt and the Logs tabs of one execution of 1,000+ task runs (a ForEach over 1,000 values,
  one Log each: 1,001 task runs, 1,000+ log lines);
- the executions list (first page, and the last page) with 10,000 executions in the store.

`lanner server` runs as a subprocess on SQLite in a temporary LANNER_HOME seeded beforehand (the
big execution really run; the 10,000 executions written through the store port). Each figure is
the median of 3 full page loads (navigation start -> rows in the DOM and a frame painted). The
baseline is the API call the page makes, timed alone from Python in the same run.
Needs Debian's ``chromium`` and the ``playwright`` package (no browser download).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.table import Row

CHROMIUM = os.environ.get("LANNER_CHROMIUM", "/usr/bin/chromium")
USER, PASSWORD = "bench@lanner.local", "Bench-Ui-1"
EXECUTIONS = 10_000
GOAL_MS = 1000.0

BIG_FLOW = """id: big
namespace: bench.ui
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(0, 1000) }}"
    tasks:
      - id: say
        type: io.kestra.plugin.core.log.Log
        message: "value {{ taskrun.value }}"
"""

MANY_FLOW = """id: many
namespace: bench.ui
tasks:
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: ok
"""


def _seed(home: Path) -> str:
    """The big execution (really run) and 10,000 finished executions; returns the big one's id."""
    from lanner.model.execution import Execution, Label, StateHistory, StateInfo, TaskRun
    from lanner.model.ids import new_id
    from lanner.model.state import State
    from lanner.runtime.local import LocalRun
    from lanner.runtime.services import build_services
    from lanner.settings import Settings

    settings = Settings(home=home, raw={}, environ={})
    with LocalRun(build_services(settings)) as local:
        big = local.wait(local.start(local.runtime.deploy(BIG_FLOW)).id, timeout=600)
        assert len(big.task_runs) >= 1001, len(big.task_runs)
        local.runtime.deploy(MANY_FLOW)
        store = local.services.stores.executions
        start = datetime.now(UTC) - timedelta(days=30)
        for index in range(EXECUTIONS):
            began = start + timedelta(minutes=4 * index)
            state = State.FAILED if index % 17 == 0 else State.SUCCESS

            def info(final: State, at: datetime = began) -> StateInfo:
                return StateInfo(final, (StateHistory(State.CREATED, at), StateHistory(State.RUNNING, at),
                                         StateHistory(final, at + timedelta(seconds=2))))

            execution_id = new_id()
            run = TaskRun(id=new_id(), execution_id=execution_id, namespace="bench.ui", flow_id="many",
                          task_id="done", state=info(state), outputs={"value": "ok"})
            store.create(Execution(id=execution_id, namespace="bench.ui", flow_id="many", flow_revision=1,
                                   state=info(state), task_runs=(run,),
                                   labels=(Label("system.correlationId", execution_id),
                                           Label("batch", str(index % 10)))))
        return big.id


@contextmanager
def _server(home: Path) -> Iterator[str]:
    import httpx

    port = _free_port()
    configuration = f"server:\n  basic-auth:\n    username: {USER}\n    password: {PASSWORD}\n"
    env = {**os.environ, "LANNER_HOME": str(home), "LANNER_CONFIGURATION": configuration}
    lanner = str(Path(sys.executable).with_name("lanner"))
    process = subprocess.Popen([lanner, "server", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/ping", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _median_ms(fn: Callable[[], float], runs: int = 3) -> float:
    return statistics.median(fn() for _ in range(runs))


def _api_ms(url: str, path: str, params: dict[str, Any] | None = None) -> float:
    import httpx

    with httpx.Client(base_url=url, auth=(USER, PASSWORD), timeout=60) as client:
        def once() -> float:
            began = time.perf_counter()
            client.get(path, params=params).raise_for_status()
            return (time.perf_counter() - began) * 1000
        once()  # warm
        return _median_ms(once)


def _paint_ms(page: Any, url: str, selector: str) -> float:
    page.goto(url)
    page.wait_for_selector(selector, timeout=60_000)
    painted = "() => new Promise(r => requestAnimationFrame(() => r(performance.now())))"
    elapsed: float = page.evaluate(painted)
    return elapsed


def _row(metric: str, ms: float, api_ms: float, api_what: str) -> Row:
    return Row(metric, f"{ms:.0f} ms", f"{api_ms:.0f} ms ({api_what} alone)", ms / max(api_ms, 1e-9),
               f"< {GOAL_MS:.0f} ms", "n/a (Kestra's UI renders every row)", ms < GOAL_MS)


def rows() -> list[Row]:
    if not Path(CHROMIUM).exists():
        return [Row("UI benchmarks", "skipped", f"{CHROMIUM} is missing (apt-get install chromium)", 0.0,
                    f"< {GOAL_MS:.0f} ms", "", False)]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        big_id = _seed(home)
        with _server(home) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
                page.goto(url + "/ui/")
                page.fill("#login-user", USER)
                page.fill("#login-password", PASSWORD)
                page.click("[data-testid=login-form] button[type=submit]")
                page.wait_for_selector("[data-testid=flows-page]")
                execution = f"{url}/ui/executions/bench.ui/big/{big_id}"
                pages = [
                    ("Gantt of an execution of 1,001 task runs", f"{execution}/gantt", ".gantt-row",
                     f"/api/v1/main/executions/{big_id}", None, "GET execution"),
                    ("Logs of the same execution (1,000+ lines)", f"{execution}/logs", ".log-row",
                     f"/api/v1/main/logs/{big_id}", None, "GET logs"),
                    (f"Executions list, {EXECUTIONS:,} in the store (page 1)", f"{url}/ui/executions",
                     "tr[data-execution]", "/api/v1/main/executions/search", {"size": 25}, "search"),
                    (f"Executions list, {EXECUTIONS:,} in the store (last page)",
                     f"{url}/ui/executions?page={EXECUTIONS // 25}&size=25", "tr[data-execution]",
                     "/api/v1/main/executions/search", {"size": 25, "page": EXECUTIONS // 25}, "search"),
                ]
                out = []
                for metric, target, selector, api_path, params, what in pages:
                    _paint_ms(page, target, selector)  # warm the caches once
                    ms = _median_ms(lambda t=target, s=selector: _paint_ms(page, t, s))
                    out.append(_row(f"UI first paint: {metric}", ms, _api_ms(url, api_path, params), what))
                return out
            finally:
                browser.close()
