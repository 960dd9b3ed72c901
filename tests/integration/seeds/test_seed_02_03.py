"""Seed flows 02 and 03 offline: their HTTP sources are served by a local server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lanner.plugins.serde import read_ion
from lanner.testing import local_runtime, run_flow

SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seed-flows"
PRODUCTS = {
    "products": [
        {"id": 1, "title": "Mascara", "brand": "Essence", "price": 9.99, "category": "beauty"},
        {"id": 2, "title": "Palette", "brand": "Glamour", "price": 19.99, "category": "beauty"},
        {"id": 3, "title": "Lipstick", "brand": "Essence", "price": 4.01, "category": "beauty"},
        {"id": 4, "title": "Bed", "brand": "Annibale", "price": 1899.99, "category": "furniture"},
    ],
    "total": 4, "skip": 0, "limit": 30,
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {"/products": PRODUCTS, "/v2/repositories/kestra/kestra/": {"pull_count": 271828}}
        body = json.dumps(routes.get(self.path, {})).encode()
        self.send_response(200 if self.path in routes else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_03_extract_transform_query(server: str) -> None:
    source = (SEEDS / "03_getting_started_data_pipeline.yaml").read_text()
    source = source.replace("https://dummyjson.com", server)
    with local_runtime() as local:
        execution = local.start(local.runtime.deploy(source))
        final = local.wait(execution.id, timeout=120)
        assert final.state.current.value == "SUCCESS"
        assert [r.task_id for r in final.task_runs] == ["extract", "transform", "query"]
        transform = final.task_runs[1].outputs or {}
        assert sorted(transform["outputFiles"]) == ["data.json", "products.json"]
        with local.services.files.open(transform["outputFiles"]["products.json"]) as handle:
            assert json.load(handle)[0] == {"brand": "Essence", "price": 9.99}
        stored = (final.task_runs[2].outputs or {})["outputs"][0]["uri"]
        with local.services.files.open(stored) as handle:
            rows = list(read_ion(handle.read().decode().splitlines()))
    assert [row["brand"] for row in rows] == ["Annibale", "Glamour", "Essence"]
    assert float(rows[2]["avg_price"]) == 7.0


@pytest.mark.slow
def test_02_python_with_the_kestra_library(server: str) -> None:
    """02 installs `requests` and `kestra` (cached per dependency set) and reports outputs with
    Kestra.outputs(); only Docker Hub's address is pointed at the local server."""
    source = (SEEDS / "02_python.yaml").read_text().replace("https://hub.docker.com", server)
    result = run_flow(source, timeout=600)
    assert result.state == "SUCCESS", result.messages()
    assert result.outputs("collect_stats")["vars"] == {"downloads": 271828}
    assert any("Docker" in m for m in result.messages("WARN"))  # no engine here: ran as a process
