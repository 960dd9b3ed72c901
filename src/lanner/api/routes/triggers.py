"""``/triggers``: trigger contexts, backfills (create, pause, unpause, delete), enable/disable.

Only the persisted state is handled here; the scheduler acts on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request

from lanner.api.deps import call, services_of
from lanner.api.errors import ApiError
from lanner.api.ports import BackfillRequest, TriggerView
from lanner.api.query import filters, first, page_and_size, parse_instant
from lanner.api.schemas import paged, trigger_context_json, trigger_view_json
from lanner.errors import LannerError

router = APIRouter(tags=["Triggers"])

JSON_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object"}}}}}


def _ids(body: Any) -> tuple[str, str, str]:
    if not isinstance(body, Mapping):
        raise ApiError(422, "Invalid entity: a trigger {namespace, flowId, triggerId} was expected")
    try:
        return str(body["namespace"]), str(body["flowId"]), str(body["triggerId"])
    except KeyError as exc:
        raise ApiError(422, f"Invalid entity: {exc.args[0]}: must not be null",
                       [{"message": "must not be null", "path": str(exc.args[0])}]) from None


def _labels(raw: Any) -> list[tuple[str, str]]:
    if isinstance(raw, Mapping):
        return [(str(k), str(v)) for k, v in raw.items()]
    if isinstance(raw, list):
        return [(str(lb["key"]), str(lb.get("value")))
                for lb in raw if isinstance(lb, Mapping) and "key" in lb]
    return []


def _backfill(raw: Mapping[str, Any]) -> BackfillRequest:
    if not raw.get("start"):
        raise ApiError(422, "Invalid entity: backfill.start: must not be null",
                       [{"message": "must not be null", "path": "backfill.start"}])
    inputs = raw.get("inputs") or {}
    if not isinstance(inputs, Mapping):
        raise ApiError(422, "Invalid entity: backfill.inputs: must be a map")
    return BackfillRequest(
        start=parse_instant(str(raw["start"]), "backfill.start"),
        end=parse_instant(str(raw["end"]), "backfill.end") if raw.get("end") else None,
        inputs=dict(inputs),
        labels=_labels(raw.get("labels")),
    )


@router.get("/triggers/search", summary="Search triggers")
async def search(request: Request) -> dict[str, Any]:
    params = request.query_params
    found = filters(params)
    namespace, flow_id, text = first(params, "namespace", found), first(params, "flowId", found), \
        first(params, "q", found)
    views: list[TriggerView] = await call(services_of(request).triggers, namespace, flow_id)
    if text:
        views = [v for v in views if text.lower() in f"{v.namespace}.{v.flow_id}.{v.trigger_id}".lower()]
    page, size = page_and_size(params)
    return paged([trigger_view_json(v) for v in views[(page - 1) * size: page * size]], len(views))


@router.get("/triggers/{namespace}/{flow_id}", summary="Trigger contexts of a flow")
async def for_flow(request: Request, namespace: str, flow_id: str) -> dict[str, Any]:
    views: list[TriggerView] = await call(services_of(request).triggers, namespace, flow_id)
    views = [v for v in views if v.namespace == namespace]
    page, size = page_and_size(request.query_params)
    return paged([trigger_context_json(v.state) for v in views[(page - 1) * size: page * size]], len(views))


@router.put("/triggers", openapi_extra=JSON_BODY, summary="Update a trigger: create a backfill, or "
            "enable/disable it")
async def update(request: Request) -> dict[str, Any]:
    body = await request.json()
    namespace, flow_id, trigger_id = _ids(body)
    services = services_of(request)
    if body.get("backfill"):
        request_ = _backfill(body["backfill"])
        view = await call(services.create_backfill, namespace, flow_id, trigger_id, request_)
        return trigger_context_json(view.state)
    updated = await call(services.set_trigger_disabled, namespace, flow_id, trigger_id,
                         bool(body.get("disabled", False)))
    if updated is None:
        raise ApiError(404, f"Not Found: Flow {flow_id} has no trigger {trigger_id}")
    return trigger_context_json(updated.state)


async def _pause(request: Request, paused: bool) -> dict[str, Any]:
    namespace, flow_id, trigger_id = _ids(await request.json())
    view = await call(services_of(request).pause_backfill, namespace, flow_id, trigger_id, paused)
    return trigger_context_json(view.state)


@router.put("/triggers/backfill/pause", openapi_extra=JSON_BODY, summary="Pause a backfill")
async def pause(request: Request) -> dict[str, Any]:
    return await _pause(request, True)


@router.put("/triggers/backfill/unpause", openapi_extra=JSON_BODY, summary="Unpause a backfill")
async def unpause(request: Request) -> dict[str, Any]:
    return await _pause(request, False)


@router.post("/triggers/backfill/delete", openapi_extra=JSON_BODY, summary="Delete a backfill")
async def delete(request: Request) -> dict[str, Any]:
    namespace, flow_id, trigger_id = _ids(await request.json())
    view = await call(services_of(request).delete_backfill, namespace, flow_id, trigger_id)
    return trigger_context_json(view.state)


async def _bulk(request: Request, action: Callable[[str, str, str], Awaitable[Any]]) -> dict[str, int]:
    body = await request.json()
    if not isinstance(body, list):
        raise ApiError(422, "Invalid entity: a list of triggers was expected")
    count = 0
    for item in body:
        try:
            await action(*_ids(item))
        except LannerError:  # as Kestra: a trigger without a backfill is skipped
            continue
        count += 1
    return {"count": count}


@router.post("/triggers/backfill/pause/by-triggers", openapi_extra=JSON_BODY)
async def pause_many(request: Request) -> dict[str, int]:
    services = services_of(request)
    return await _bulk(request, lambda ns, f, t: call(services.pause_backfill, ns, f, t, True))


@router.post("/triggers/backfill/unpause/by-triggers", openapi_extra=JSON_BODY)
async def unpause_many(request: Request) -> dict[str, int]:
    services = services_of(request)
    return await _bulk(request, lambda ns, f, t: call(services.pause_backfill, ns, f, t, False))


@router.post("/triggers/backfill/delete/by-triggers", openapi_extra=JSON_BODY)
async def delete_many(request: Request) -> dict[str, int]:
    services = services_of(request)
    return await _bulk(request, lambda ns, f, t: call(services.delete_backfill, ns, f, t))


@router.post("/triggers/set-disabled/by-triggers", openapi_extra=JSON_BODY,
             summary="Enable or disable triggers")
async def set_disabled(request: Request) -> dict[str, int]:
    body = await request.json()
    if not isinstance(body, Mapping) or not isinstance(body.get("triggers"), list) \
            or not isinstance(body.get("disabled"), bool):
        raise ApiError(422, 'Invalid entity: expected {"triggers": [...], "disabled": true|false}')
    services = services_of(request)
    for item in body["triggers"]:
        await call(services.set_trigger_disabled, *_ids(item), body["disabled"])
    return {"count": len(body["triggers"])}
