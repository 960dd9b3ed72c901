"""Server-sent event streams: an execution's changes and its logs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from lanner.api.deps import call, services_of
from lanner.api.watch import follow_execution, follow_logs

router = APIRouter()

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.get("/executions/{execution_id}/follow", tags=["Executions"],
            summary="Follow an execution (SSE: 'progress' on each change, 'end' when done)")
async def follow(request: Request, execution_id: str) -> StreamingResponse:
    services = services_of(request)
    await call(services.get_execution, execution_id)  # a 404 now, not an empty stream
    return StreamingResponse(follow_execution(services, execution_id), media_type="text/event-stream",
                             headers=SSE_HEADERS)


@router.get("/logs/{execution_id}/follow", tags=["Logs"],
            summary="Follow the logs of an execution (SSE: one 'progress' event per line, then 'end')")
async def follow_execution_logs(request: Request, execution_id: str, minLevel: str | None = None,
                                taskRunId: str | None = None, taskId: str | None = None) -> StreamingResponse:
    services = services_of(request)
    await call(services.get_execution, execution_id)
    stream = follow_logs(services, execution_id, minLevel, taskRunId, taskId)
    return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)
