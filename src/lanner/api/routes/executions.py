"""``/executions``: create (multipart inputs, FILE parts), read, search, kill, restart, replay,
resume, delete."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData, UploadFile

from lanner.api.deps import call, services_of, truthy, ui_url
from lanner.api.errors import ApiError
from lanner.api.ports import Upload
from lanner.api.query import execution_query, label_pairs, parse_instant
from lanner.api.schemas import paged
from lanner.api.watch import wait_settled
from lanner.model.execution import Execution

router = APIRouter(tags=["Executions"])

MULTIPART_INPUTS: dict[str, Any] = {"requestBody": {"required": False, "content": {
    "multipart/form-data": {"schema": {"type": "object", "additionalProperties": True,
                                       "description": "One part per input (files for FILE inputs)"}}}}}


def _response(request: Request, execution: Execution) -> dict[str, Any]:
    body = services_of(request).present(execution)
    body["url"] = ui_url(request, "executions", execution.namespace, execution.flow_id, execution.id)
    return body


async def _read_form(request: Request, stack: AsyncExitStack) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Text parts become input values (repeated parts: a list), file parts uploads."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.json()
        if not isinstance(body, Mapping):
            raise ApiError(422, "Invalid entity: the JSON body must be an object of inputs")
        return dict(body), {}
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return {}, {}
    form: FormData = await stack.enter_async_context(request.form(max_files=100, max_fields=1000))
    values: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    for name, part in form.multi_items():
        if isinstance(part, UploadFile):
            files[name] = Upload(part.filename or name, part.file)
        elif name in values:
            previous = values[name]
            values[name] = [*previous, part] if isinstance(previous, list) else [previous, part]
        else:
            values[name] = part
    return values, files


@router.get("/executions/search", summary="Search executions")
async def search_executions(request: Request) -> dict[str, Any]:
    services = services_of(request)
    page = await call(services.search_executions, execution_query(request.query_params))
    return paged([services.present(e) for e in page.results], page.total)


@router.get("/executions", summary="Executions of a flow")
async def flow_executions(request: Request, namespace: str, flowId: str) -> dict[str, Any]:
    services = services_of(request)
    page = await call(services.search_executions, execution_query(request.query_params, namespace, flowId))
    return paged([services.present(e) for e in page.results], page.total)


@router.get("/executions/{execution_id}", summary="Get an execution")
async def get_execution(request: Request, execution_id: str) -> dict[str, Any]:
    return services_of(request).present(await call(services_of(request).get_execution, execution_id))


@router.delete("/executions/{execution_id}", status_code=204, summary="Delete an execution")
async def delete_execution(request: Request, execution_id: str, deleteLogs: bool = True,
                           deleteStorage: bool = True, deleteMetrics: bool = True) -> Response:
    await call(services_of(request).delete_execution, execution_id, deleteLogs, deleteStorage,
               deleteMetrics)
    return Response(status_code=204)


@router.delete("/executions/{execution_id}/kill", status_code=202, summary="Kill an execution")
async def kill_execution(request: Request, execution_id: str) -> Response:
    await call(services_of(request).kill, execution_id)
    return Response(status_code=202)


@router.post("/executions/{execution_id}/restart", summary="Restart an execution (same id)")
async def restart_execution(request: Request, execution_id: str) -> dict[str, Any]:
    return _response(request, await call(services_of(request).restart, execution_id))


@router.post("/executions/{execution_id}/replay", summary="Replay an execution (a new execution)")
async def replay_execution(request: Request, execution_id: str,
                           taskRunId: str | None = None) -> dict[str, Any]:
    return _response(request, await call(services_of(request).replay, execution_id, taskRunId))


@router.post("/executions/{execution_id}/resume", status_code=204, openapi_extra=MULTIPART_INPUTS,
             summary="Resume a paused execution")
async def resume_execution(request: Request, execution_id: str) -> Response:
    async with AsyncExitStack() as stack:
        inputs, files = await _read_form(request, stack)
        if files:
            raise ApiError(422, "Invalid entity: files are not accepted when resuming")
        await call(services_of(request).resume, execution_id, inputs)
    return Response(status_code=204)


@router.post("/executions/{namespace}/{flow_id}", openapi_extra=MULTIPART_INPUTS,
             summary="Create an execution (inputs as multipart parts)")
async def create_execution(request: Request, namespace: str, flow_id: str) -> dict[str, Any]:
    params = request.query_params
    labels = label_pairs(params.getlist("labels"))
    revision = int(params["revision"]) if params.get("revision") else None
    schedule = parse_instant(params["scheduleDate"], "scheduleDate") if params.get("scheduleDate") else None
    services = services_of(request)
    async with AsyncExitStack() as stack:
        inputs, files = await _read_form(request, stack)
        execution = await call(services.start_execution, namespace, flow_id, inputs, files, labels,
                               revision, schedule)
    if truthy(params.get("wait", "false")):
        execution = await wait_settled(services, execution.id)
    return _response(request, execution)
