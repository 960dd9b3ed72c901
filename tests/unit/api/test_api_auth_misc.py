"""Basic auth and its throttle, open routes, webhooks, plugins, configs, OpenAPI."""

from __future__ import annotations

from tests.unit.api.conftest import AUTH, HELLO, Api, TestClient, basic

from lanner.api.app import create_app
from lanner.api.auth import FailureThrottle

WEBHOOK = """\
id: hooked
namespace: company.team
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.body.name }} {{ trigger.parameters.q[0] }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: s3cr3tKey
"""


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def anonymous(api: Api, throttle: FailureThrottle | None = None) -> TestClient:
    return TestClient(create_app(api.services, basic_auth=AUTH, throttle=throttle))


def test_auth_is_required_except_on_open_routes(api: Api) -> None:
    client = anonymous(api)
    refused = client.get("/api/v1/main/flows/search")
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
    wrong = client.get("/api/v1/main/flows/search", headers={"Authorization": basic("admin@kestra.io", "x")})
    assert wrong.status_code == 401
    assert client.get("/api/v1/configs").status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 401
    assert client.get("/ping").text == "pong"
    assert client.get("/health").json() == {"status": "UP"}
    ok = client.get("/api/v1/main/flows/search", headers={"Authorization": basic(*AUTH)})
    assert ok.status_code == 200


def test_repeated_failures_are_locked_out_with_growing_delays() -> None:
    clock = FakeClock()
    throttle = FailureThrottle(free_failures=5, clock=clock)
    for _ in range(4):
        throttle.failed("1.2.3.4")
    assert throttle.retry_after("1.2.3.4") == 0
    throttle.failed("1.2.3.4")
    assert throttle.retry_after("1.2.3.4") == 1
    throttle.failed("1.2.3.4")
    assert throttle.retry_after("1.2.3.4") == 2
    assert throttle.retry_after("5.6.7.8") == 0  # per address
    clock.now += 2
    assert throttle.retry_after("1.2.3.4") == 0
    throttle.succeeded("1.2.3.4")
    throttle.failed("1.2.3.4")
    assert throttle.retry_after("1.2.3.4") == 0


def test_locked_out_client_gets_429_even_with_the_right_password(api: Api) -> None:
    clock = FakeClock()
    client = anonymous(api, FailureThrottle(free_failures=5, clock=clock))
    bad = {"Authorization": basic("admin@kestra.io", "guess")}
    assert [client.get("/api/v1/main/flows/search", headers=bad).status_code for _ in range(5)] == [401] * 5
    locked = client.get("/api/v1/main/flows/search", headers={"Authorization": basic(*AUTH)})
    assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
    assert client.get("/ping").status_code == 200
    clock.now += 1
    assert client.get("/api/v1/main/flows/search", headers={"Authorization": basic(*AUTH)}).status_code == 200


def test_webhook_creates_an_execution_without_auth(api: Api) -> None:
    api.deploy(WEBHOOK)
    client = anonymous(api)
    response = client.post("/api/v1/main/executions/webhook/company.team/hooked/s3cr3tKey",
                           params={"q": "x"}, json={"name": "Ada"},
                           headers={"Authorization": "Bearer leaked", "X-Custom": "1"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["flowId"] == "hooked" and body["trigger"]["id"] == "hook"
    final = api.wait(body["id"])
    assert final.state.current.value == "SUCCESS"
    assert final.trigger is not None
    variables = final.trigger.variables
    assert variables["body"] == {"name": "Ada"} and variables["parameters"] == {"q": ["x"]}
    assert variables["headers"]["x-custom"] == ["1"]
    assert "authorization" not in {k.lower() for k in variables["headers"]}
    assert any(e.message == "Ada x" for e in api.services.logs(body["id"]))
    assert client.get("/api/v1/executions/webhook/company.team/hooked/s3cr3tKey").status_code == 200
    assert client.put("/api/v1/main/executions/webhook/company.team/hooked/wrong").status_code == 404
    assert client.post("/api/v1/main/executions/webhook/company.team/nope/s3cr3tKey").status_code == 404


def test_plugins_list_and_schema(api: Api) -> None:
    groups = api.client.get("/api/v1/main/plugins").json()
    core = next(g for g in groups if g["group"] == "io.kestra.plugin.core")
    assert "io.kestra.plugin.core.log.Log" in core["tasks"]
    assert "io.kestra.plugin.core.trigger.Schedule" in core["triggers"]
    doc = api.client.get("/api/v1/main/plugins/io.kestra.plugin.core.log.Log").json()
    assert doc["schema"]["properties"]["properties"]["message"]
    assert doc["schema"]["properties"]["title"] == "io.kestra.plugin.core.log.Log"
    assert api.client.get("/api/v1/plugins/io.kestra.Nope").status_code == 404


def test_configs_openapi_and_unknown_routes(api: Api) -> None:
    configs = api.client.get("/api/v1/configs").json()
    assert configs["isBasicAuthEnabled"] is True and configs["edition"] == "OSS"
    spec = api.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/main/flows/{namespace}/{flow_id}" in spec["paths"]
    assert "/api/v1/main/executions/{namespace}/{flow_id}" in spec["paths"]
    missing = api.client.get("/api/v1/main/nothing-here")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    api.deploy(HELLO)
    bad_page = api.client.get("/api/v1/main/flows/search", params={"page": "x"})
    assert bad_page.status_code == 422
