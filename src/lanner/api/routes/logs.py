"""``/logs/{executionId}``: the log lines of an execution, as JSON or as a text download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from lanner.api.deps import call, services_of
from lanner.model.execution import LogEntry, iso

router = APIRouter(tags=["Logs"])


def _line(entry: LogEntry) -> str:
    return f"{iso(entry.timestamp)} {entry.level} {entry.message}"


@router.get("/logs/search", summary="Search the logs of every execution (newest first)")
async def search_logs(request: Request, q: str | None = None, namespace: str | None = None,
                      flowId: str | None = None, minLevel: str | None = None, page: int = 1,
                      size: int = 25) -> dict[str, Any]:
    from lanner.store.ports import LogQuery

    query = LogQuery(namespace=namespace, flow_id=flowId, min_level=minLevel, text=q,
                     page=max(page, 1), size=min(max(size, 1), 1000))
    found = await call(services_of(request).search_logs, query)
    return {"results": [e.to_api() for e in found.results], "total": found.total}


@router.get("/logs/{execution_id}", summary="Logs of an execution")
async def execution_logs(request: Request, execution_id: str, minLevel: str | None = None,
                         taskRunId: str | None = None, taskId: str | None = None,
                         attempt: int | None = None) -> list[dict[str, Any]]:
    services = services_of(request)
    await call(services.get_execution, execution_id)
    entries = await call(services.logs, execution_id, minLevel, taskRunId, taskId)
    if attempt is not None:
        entries = [e for e in entries if e.attempt_number in (None, attempt)]
    return [e.to_api() for e in entries]


@router.get("/logs/{execution_id}/download", summary="Logs of an execution as text",
            response_class=PlainTextResponse)
async def download_logs(request: Request, execution_id: str, minLevel: str | None = None,
                        taskRunId: str | None = None, taskId: str | None = None) -> Response:
    services = services_of(request)
    await call(services.get_execution, execution_id)
    entries = await call(services.logs, execution_id, minLevel, taskRunId, taskId)
    text = "".join(_line(e) + "\n" for e in entries)
    return PlainTextResponse(text, headers={
        "Content-Disposition": f'attachment; filename="{execution_id}.log"'})
