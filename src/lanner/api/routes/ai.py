"""``/ai``: the flow copilot (optional: served when the services implement ``CopilotServices``).

- ``POST /ai/generate/flow`` — Kestra 1.x's own path and body (``{conversationId, userPrompt,
  flowYaml}``; ``yaml`` is accepted for ``flowYaml``), answering the flow as ``application/yaml``;
  a flow that stays invalid is a 422 in Kestra's error shape, the best attempt under ``yaml``.
- ``POST /ai/generate-flow`` — Lanner's JSON form (``{prompt, flow}``, Kestra's names accepted):
  the flow, the explanation and the validation report, always 200 (``valid: false`` marks a best
  attempt that is still invalid).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from lanner.api.deps import call, services_of
from lanner.api.errors import ApiError, error_body, issue_json
from lanner.api.ports import FlowGeneration
from lanner.errors import ConfigurationError, LannerError

router = APIRouter(tags=["AI"])

JSON_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["prompt"], "properties": {
        "prompt": {"type": "string", "description": "What the flow should do, or what to change."},
        "flow": {"type": "string", "description": "The current flow YAML, to edit it."}}}}}}}
KESTRA_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["userPrompt"], "properties": {
        "conversationId": {"type": "string"}, "userPrompt": {"type": "string"},
        "flowYaml": {"type": "string"}}}}}}}


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(422, "Invalid entity: the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(422, "Invalid entity: the body must be a JSON object")
    return body


def _text(body: dict[str, Any], *names: str) -> str | None:
    value = next((body[name] for name in names if body.get(name) is not None), None)
    if value is not None and not isinstance(value, str):
        raise ApiError(422, f"Invalid entity: `{names[0]}` must be text")
    return value or None


async def _generate(request: Request, prompt: str | None, flow: str | None) -> FlowGeneration:
    if not prompt or not prompt.strip():
        raise ApiError(422, "Invalid entity: the prompt is empty")
    services = services_of(request)
    generate = getattr(services, "generate_flow", None)
    if generate is None:
        raise ApiError(404, "The AI copilot is not available on this server")
    try:
        result: FlowGeneration = await call(generate, prompt, flow)
    except ConfigurationError as exc:
        raise ApiError(503, f"The AI copilot is not configured: {exc}") from exc
    except LannerError as exc:
        raise ApiError(502, f"The AI copilot failed: {exc}") from exc
    return result


def generation_json(result: FlowGeneration) -> dict[str, Any]:
    return {
        "status": "valid" if result.valid else "invalid",
        "valid": result.valid,
        "yaml": result.yaml,
        "explanation": result.explanation,
        "errors": [issue_json(i) for i in result.issues if i.severity == "error"],
        "warnings": [issue_json(i) for i in result.issues if i.severity == "warning"],
        "attempts": result.attempts,
        "retrievedTypes": list(result.retrieved_types),
        "retrieval": result.retrieval,
        "diff": result.diff,
    }


@router.post("/ai/generate-flow", openapi_extra=JSON_BODY,
             summary="Generate a flow, or change one, from a prompt (JSON answer with the validation report)")
async def generate_flow(request: Request) -> dict[str, Any]:
    body = await _body(request)
    result = await _generate(request, _text(body, "prompt", "userPrompt"),
                             _text(body, "flow", "flowYaml", "yaml"))
    return generation_json(result)


@router.post("/ai/generate/flow", openapi_extra=KESTRA_BODY, response_class=Response,
             summary="Generate or regenerate a flow based on a prompt (Kestra: answers the YAML)")
async def generate_flow_kestra(request: Request) -> Response:
    body = await _body(request)
    result = await _generate(request, _text(body, "userPrompt", "prompt"),
                             _text(body, "flowYaml", "yaml", "flow"))
    if result.valid:
        return Response(result.yaml, media_type="application/yaml")
    errors = [issue_json(i) for i in result.issues if i.severity == "error"]
    content = error_body(request, f"Invalid entity: {result.explanation}", errors)
    content["yaml"] = result.yaml
    return JSONResponse(content, status_code=422)
