"""``/executions/{id}/file``: download, size and preview of the files an execution produced or
received (only those: a URI of another execution is refused)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from lanner.api.deps import call, services_of

router = APIRouter(tags=["Executions"])

PREVIEW_BYTES = 2 * 1024 * 1024
IMAGES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
          "svg": "image/svg+xml", "webp": "image/webp"}


def _name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1] or "file"


@router.get("/executions/{execution_id}/file", summary="Download a file of an execution")
async def download(request: Request, execution_id: str, path: str) -> StreamingResponse:
    stream, size = await call(services_of(request).execution_file, execution_id, path)

    def chunks() -> Any:
        with stream:
            while block := stream.read(64 * 1024):
                yield block

    name = _name(path)
    return StreamingResponse(chunks(), media_type="application/octet-stream", headers={
        "Content-Length": str(size),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/executions/{execution_id}/file/metas", summary="Size of a file of an execution")
async def metas(request: Request, execution_id: str, path: str) -> dict[str, Any]:
    stream, size = await call(services_of(request).execution_file, execution_id, path)
    stream.close()
    return {"size": size}


@router.get("/executions/{execution_id}/file/preview", summary="Preview a file of an execution")
async def preview(request: Request, execution_id: str, path: str, maxRows: int = 100,
                  encoding: str = "utf-8") -> dict[str, Any]:
    stream, size = await call(services_of(request).execution_file, execution_id, path)
    with stream:
        head = await call(stream.read, PREVIEW_BYTES)
    extension = _name(path).rsplit(".", 1)[-1].lower() if "." in _name(path) else ""
    if extension in IMAGES:
        return {"extension": extension, "type": "IMAGE", "truncated": size > len(head),
                "content": f"data:{IMAGES[extension]};base64," + base64.b64encode(head).decode()}
    try:
        text = head.decode(encoding, errors="replace")
    except LookupError:
        text = head.decode("utf-8", errors="replace")
    lines = text.splitlines()
    truncated = len(lines) > maxRows or size > len(head)
    return {"extension": extension, "type": "TEXT", "truncated": truncated,
            "content": "\n".join(lines[:maxRows])}
