"""``/executions/webhook/{namespace}/{flowId}/{key}``: start a flow from an HTTP call (no basic
auth: the key is the secret). The request becomes ``trigger.body/headers/parameters``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from lanner.api.deps import call, services_of, ui_url
from lanner.api.ports import WebhookCall
from lanner.api.watch import wait_settled

router = APIRouter(tags=["Executions"])

# Credentials sent along must not end up in the execution (and so in API answers and logs).
HIDDEN_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


async def webhook(request: Request, namespace: str, flow_id: str, key: str) -> Any:
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        if name.lower() not in HIDDEN_HEADERS:
            headers.setdefault(name, []).append(value)
    parameters: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        parameters.setdefault(name, []).append(value)
    hook = WebhookCall(method=request.method, body=await request.body(),
                       content_type=request.headers.get("content-type"), headers=headers,
                       parameters=parameters)
    services = services_of(request)
    result = await call(services.webhook, namespace, flow_id, key, hook)
    execution = result.execution
    if execution is None:
        return Response(status_code=204)
    if result.wait:
        execution = await wait_settled(services, execution.id)
    shown = services.present(execution)
    return {
        "tenantId": "main",
        "id": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "flowRevision": execution.flow_revision,
        "trigger": shown.get("trigger"),
        "outputs": shown.get("outputs") if result.return_outputs else None,
        "labels": shown.get("labels"),
        "state": shown.get("state"),
        "url": ui_url(request, "executions", execution.namespace, execution.flow_id, execution.id),
    }


for _method in ("GET", "POST", "PUT"):  # one route per method: one OpenAPI operation id each
    router.add_api_route("/executions/webhook/{namespace}/{flow_id}/{key}", webhook, methods=[_method],
                         name=f"webhook_{_method.lower()}",
                         summary="Trigger a flow through its Webhook trigger")
