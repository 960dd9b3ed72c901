"""The UI's assets are served at /ui/ outside the basic auth (the login page must load), client
routes fall back to index.html, and the API stays protected."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from lanner.api.app import create_app
from lanner.ui import STATIC_DIR


@pytest.fixture
def client() -> Any:
    app = create_app(object(), basic_auth=("admin@lanner.local", "secret"))  # type: ignore[arg-type]
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def test_root_redirects_to_the_ui(client: TestClient) -> None:
    for path in ("/", "/ui"):
        answer = client.get(path)
        assert answer.status_code == 307 and answer.headers["location"] == "/ui/"


@pytest.mark.parametrize("path", ["/ui/", "/ui/flows", "/ui/main/executions/zoomcamp/01_hello_world/abc",
                                  "/ui/flows/edit/company.team/my_flow/revisions"])
def test_client_routes_serve_the_app_without_credentials(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/ui/js/main.js">' in answer.text
    assert answer.headers["cache-control"] == "no-cache"


def test_assets_are_served_with_their_types(client: TestClient) -> None:
    script = client.get("/ui/js/main.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/ui/app.css").headers["content-type"].startswith("text/css")
    vendor = client.get("/ui/vendor/lanner-vendor.js")
    assert vendor.status_code == 200 and len(vendor.content) > 100_000


def test_missing_assets_and_escapes_are_404(client: TestClient) -> None:
    assert client.get("/ui/js/missing.js").status_code == 404
    for escape in ("/ui/../pyproject.toml", "/ui/%2e%2e/__init__.py", "/ui/..%2f__init__.py"):
        answer = client.get(escape)
        assert answer.status_code in (401, 404) and "lanner" not in answer.text.lower()


def test_only_reads_are_allowed(client: TestClient) -> None:
    assert client.post("/ui/flows").status_code == 405


def test_the_api_still_needs_credentials(client: TestClient) -> None:
    assert client.get("/api/v1/main/flows/search").status_code == 401
    assert client.get("/api/v1/configs").status_code == 401


def test_every_module_the_app_imports_is_shipped() -> None:
    """Relative imports of the app's modules all resolve to files in the package."""
    import re

    for module in (STATIC_DIR / "js").rglob("*.js"):
        for target in re.findall(r'from "(\.[^"]+)"', module.read_text("utf-8")):
            assert (module.parent / target).resolve().is_file(), f"{module.name} imports a missing {target}"
