"""Seed flow 03's `transform` step through the real runtime: ARRAY input rendered as JSON into
env, inputFiles from a kestra:// URI, outputFiles `*.json` capturing the input and the result.
The flow is 03 with only the Download URI changed (a local server) and without the DuckDB task."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from lanner.testing import run_flow

pytestmark = pytest.mark.slow

SEED = Path(__file__).resolve().parents[4] / "shared" / "seed-flows" / "03_getting_started_data_pipeline.yaml"
PRODUCTS = {
    "products": [
        {"id": 1, "title": "Mascara", "brand": "Essence", "price": 9.99, "category": "beauty"},
        {"id": 2, "title": "Palette", "brand": "Glamour Beauty", "price": 19.99},
        {"id": 3, "title": "Apple", "price": 1.99},
    ],
    "total": 3, "skip": 0, "limit": 3,
}


class _Products(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(PRODUCTS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def products_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Products)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/products"
    finally:
        server.shutdown()
        server.server_close()


def flow_03_variant(url: str) -> str:
    text = SEED.read_text(encoding="utf-8")
    assert "uri: https://dummyjson.com/products" in text
    text = text.replace("uri: https://dummyjson.com/products", f"uri: {url}")
    flow = yaml.safe_load(text)
    flow["tasks"] = [task for task in flow["tasks"] if task["id"] != "query"]
    return yaml.safe_dump(flow, sort_keys=False)


needs_seed = pytest.mark.skipif(not SEED.exists(), reason="seed flows not available")


@needs_seed
def test_transform_step_of_flow_03(products_url: str) -> None:
    result = run_flow(flow_03_variant(products_url), timeout=120)
    assert result.state == "SUCCESS", result.messages()
    transform = result.outputs("transform")
    assert transform["exitCode"] == 0 and transform["vars"] == {}
    files = transform["outputFiles"]
    assert set(files) == {"data.json", "products.json"}
    assert files["data.json"].startswith("kestra:///zoomcamp/03-getting-started-data-pipeline/executions/")


@needs_seed
def test_transform_output_content(products_url: str) -> None:
    """Same step, other columns; the products file content is checked by a follow-up task."""
    flow = yaml.safe_load(flow_03_variant(products_url))
    flow["tasks"].append({
        "id": "check", "type": "io.kestra.plugin.scripts.shell.Commands",
        "taskRunner": {"type": "io.kestra.plugin.core.runner.Process"},
        "commands": ["cat {{ outputs.transform.outputFiles['products.json'] }}"],
    })
    result = run_flow(yaml.safe_dump(flow, sort_keys=False), {"columns_to_keep": ["title", "brand"]})
    assert result.state == "SUCCESS", result.messages()
    printed = "\n".join(e.message for e in result.logs if e.task_id == "check" and e.level == "INFO")
    assert json.loads(printed) == [
        {"title": "Mascara", "brand": "Essence"},
        {"title": "Palette", "brand": "Glamour Beauty"},
        {"title": "Apple", "brand": "N/A"},
    ]
