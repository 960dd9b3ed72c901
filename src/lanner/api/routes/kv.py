"""``/namespaces/{namespace}/kv``: Kestra's KV store API.

A PUT body is parsed as JSON (so a plain string must be quoted: ``"kestra-sandbox"``), as
Kestra does; an ISO date, date-time or duration left unquoted is accepted as that type, like
Kestra's Ion parser does. The ``ttl`` header (``PT1H``) sets an expiration.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from lanner.api.deps import call, services_of
from lanner.api.errors import ApiError
from lanner.api.schemas import kv_entry_json, kv_value_json

router = APIRouter(tags=["KV"])

TEXT_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "text/plain": {"schema": {"type": "string", "description": "A JSON value: \"text\", 12, true, {...}"}}}}}


def parse_value(text: str) -> Any:
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            moment = parse(stripped.replace("Z", "+00:00"))
        except ValueError:
            continue
        if isinstance(moment, datetime) and moment.tzinfo is None:
            break  # Ion timestamps carry an offset; a local date-time is not a value
        return moment
    shown = stripped if len(stripped) <= 200 else stripped[:200] + "..."
    raise ApiError(422, f"Invalid JSON value for: {shown}", [{
        "message": "the body is parsed as JSON: quote plain strings, e.g. \"my value\"",
        "path": "value"}])


@router.get("/namespaces/{namespace}/kv", summary="List the keys of a namespace")
async def list_keys(request: Request, namespace: str) -> list[dict[str, Any]]:
    entries = await call(services_of(request).kv_entries, namespace)
    return [kv_entry_json(e) for e in entries]


@router.get("/namespaces/{namespace}/kv/{key}", summary="Get a value")
async def get_value(request: Request, namespace: str, key: str) -> dict[str, Any]:
    return kv_value_json(await call(services_of(request).kv_entry, namespace, key))


@router.put("/namespaces/{namespace}/kv/{key}", openapi_extra=TEXT_BODY, summary="Set a value")
async def set_value(request: Request, namespace: str, key: str) -> Response:
    raw = (await request.body()).decode("utf-8", errors="replace")
    value = parse_value(raw)
    ttl = request.headers.get("ttl")
    description = request.headers.get("description")
    await call(services_of(request).kv_set, namespace, key, value, ttl, description)
    return Response(status_code=200)


@router.delete("/namespaces/{namespace}/kv/{key}", summary="Delete a key")
async def delete_key(request: Request, namespace: str, key: str) -> bool:
    deleted: bool = await call(services_of(request).kv_delete, namespace, key)
    return deleted


@router.delete("/namespaces/{namespace}/kv", summary="Delete several keys")
async def delete_keys(request: Request, namespace: str) -> dict[str, list[str]]:
    body = await request.json()
    keys = body.get("keys") if isinstance(body, dict) else None
    if not isinstance(keys, list):
        raise ApiError(422, 'Invalid entity: expected {"keys": ["k1", "k2"]}')
    services = services_of(request)
    deleted = [str(k) for k in keys if await call(services.kv_delete, namespace, str(k))]
    return {"keys": deleted}
