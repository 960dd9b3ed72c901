"""Real Python environments: ``dependencies: [kestra]`` installed from PyPI into the cache once,
then reused; the script reads a local HTTP server (never the internet) and sends outputs with
the ``kestra`` library. Needs PyPI (as the task's installer does)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lanner.testing import run_flow

pytestmark = pytest.mark.slow

FLOW = """\
id: python_deps
namespace: zoomcamp
tasks:
  - id: collect_stats
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.scripts.runner.docker.Docker
    containerImage: python:slim
    dependencies:
      - kestra
    script: |
      import json
      import urllib.request
      from kestra import Kestra
      with urllib.request.urlopen("{{ inputs.url }}") as response:
          data = json.load(response)
      Kestra.outputs({'downloads': data['pull_count']})
inputs:
  - id: url
    type: STRING
"""


class _Stats(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"name": "kestra", "pull_count": 123456}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def stats_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stats)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v2/repositories/kestra/kestra/"
    finally:
        server.shutdown()
        server.server_close()


def test_dependencies_install_once_then_come_from_the_cache(tmp_path: Path, stats_url: str) -> None:
    config = {"tasks": {"python-cache": str(tmp_path / "python-envs")}}

    started = time.monotonic()
    first = run_flow(FLOW, {"url": stats_url}, config=config, timeout=600)
    first_seconds = time.monotonic() - started
    assert first.state == "SUCCESS", first.messages()
    assert first.outputs("collect_stats")["vars"]["downloads"] == 123456
    assert any(m.startswith("Creating Python environment") for m in first.messages("INFO"))
    # No Docker engine here: one clear warning, then a local process.
    docker_warnings = [m for m in first.messages("WARN") if "Docker task runner is unavailable" in m]
    assert len(docker_warnings) == 1

    started = time.monotonic()
    second = run_flow(FLOW, {"url": stats_url}, config=config, timeout=600)
    second_seconds = time.monotonic() - started
    assert second.state == "SUCCESS", second.messages()
    assert second.outputs("collect_stats")["vars"]["downloads"] == 123456
    assert any(m.startswith("Using cached Python environment") for m in second.messages("INFO"))
    assert not any(m.startswith("Creating Python environment") for m in second.messages("INFO"))
    assert second_seconds < first_seconds
    assert len([p for p in (tmp_path / "python-envs").iterdir() if p.is_dir()]) == 1


def test_unknown_package_fails_cleanly(tmp_path: Path) -> None:
    config = {"tasks": {"python-cache": str(tmp_path / "python-envs")}}
    flow = """\
id: bad_deps
namespace: company.team
tasks:
  - id: py
    type: io.kestra.plugin.scripts.python.Script
    dependencies:
      - lanner-surely-not-a-package-0f3a9c
    script: print("never")
"""
    result = run_flow(flow, config=config, timeout=600)
    assert result.state == "FAILED"
    errors = "\n".join(result.messages("ERROR"))
    assert "lanner-surely-not-a-package-0f3a9c" in errors and "Failed to install" in errors
    assert [p for p in (tmp_path / "python-envs").iterdir() if p.is_dir()] == []
