"""The API on a real, started runtime over memory stores, driven by FastAPI's TestClient."""

from __future__ import annotations

import base64
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from lanner.api.app import create_app
from lanner.runtime.api_services import RuntimeApiServices
from lanner.runtime.local import LocalRun
from lanner.testing import local_runtime

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its test client; httpx (a runtime dependency) still works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

AUTH = ("admin@kestra.io", "Admin1234!")

HELLO = """\
id: hello
namespace: company.team
inputs:
  - id: name
    type: STRING
    defaults: World
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
  - id: out
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.name | upper }}"
outputs:
  - id: shout
    type: STRING
    value: "{{ outputs.out.value }}"
"""


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class Api:
    client: TestClient
    local: LocalRun
    services: RuntimeApiServices

    def deploy(self, source: str) -> dict[str, Any]:
        response = self.client.post("/api/v1/main/flows", content=source,
                                    headers={"Content-Type": "application/x-yaml"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def run(self, namespace: str, flow_id: str, data: dict[str, str] | None = None,
            **params: Any) -> dict[str, Any]:
        response = self.client.post(f"/api/v1/main/executions/{namespace}/{flow_id}",
                                    data=data or {}, params={"wait": "true", **params})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait(self, execution_id: str) -> Any:
        return self.local.runtime.wait(execution_id, timeout=30)

    def wait_for(self, execution_id: str, state: str, timeout: float = 30) -> None:
        """Block until the execution reaches ``state`` (notified by the runtime, no polling)."""
        reached = threading.Event()

        def check(execution: Any) -> None:
            if execution.id == execution_id and execution.state.current.value == state:
                reached.set()

        stop = self.services.watch_executions(check)
        try:
            check(self.services.get_execution(execution_id))
            assert reached.wait(timeout), f"{execution_id} never reached {state}"
        finally:
            stop()


@pytest.fixture
def api() -> Iterator[Api]:
    with local_runtime() as local:
        services = RuntimeApiServices(local.runtime, basic_auth_enabled=True)
        app = create_app(services, basic_auth=AUTH)
        with TestClient(app, headers={"Authorization": basic(*AUTH)}) as client:
            yield Api(client, local, services)
