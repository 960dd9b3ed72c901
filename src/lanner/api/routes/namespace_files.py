"""``/namespaces/{namespace}/files``: namespace files (read, upload, move, delete, list, export)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi import APIRouter, Request, Response

from lanner.api.deps import call, services_of
from lanner.api.errors import ApiError
from lanner.api.schemas import directory_json

router = APIRouter(tags=["Files"])


@router.get("/namespaces/{namespace}/files", summary="Content of a namespace file")
async def get_file(request: Request, namespace: str, path: str) -> Response:
    data = await call(services_of(request).namespace_files.get, namespace, path)
    return Response(data, media_type="application/octet-stream")


@router.get("/namespaces/{namespace}/files/stats", summary="Type and size of a namespace file or folder")
async def stats(request: Request, namespace: str, path: str = "/") -> dict[str, Any]:
    files = services_of(request).namespace_files
    name = path.rstrip("/").rsplit("/", 1)[-1]
    exists: bool = bool(path.strip("/")) and await call(files.exists, namespace, path)
    if exists:
        return {"fileName": name, "type": "File", "size": await call(files.size, namespace, path)}
    return {"fileName": name, "type": "Directory", "size": 0}


@router.get("/namespaces/{namespace}/files/directory", summary="Children of a namespace folder")
async def directory(request: Request, namespace: str, path: str = "/") -> list[dict[str, Any]]:
    entries = await call(services_of(request).namespace_files.directory, namespace, path)
    return [directory_json(e) for e in entries]


@router.post("/namespaces/{namespace}/files/directory", summary="Create a folder (folders exist by "
             "their files: nothing to store)")
async def create_directory(namespace: str, path: str) -> Response:
    return Response(status_code=200)


@router.get("/namespaces/{namespace}/files/export", summary="Every namespace file, as a ZIP")
async def export(request: Request, namespace: str) -> Response:
    files = services_of(request).namespace_files
    paths = await call(files.list, namespace)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.writestr(path.lstrip("/"), await call(files.get, namespace, path))
    return Response(buffer.getvalue(), media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{namespace}_files.zip"'})


@router.post("/namespaces/{namespace}/files", summary="Upload a namespace file (part 'fileContent')")
async def upload(request: Request, namespace: str, path: str) -> Response:
    async with request.form() as form:
        part = form.get("fileContent")
        if part is None or isinstance(part, str):
            raise ApiError(422, "Invalid entity: a multipart file part named 'fileContent' is required")
        await call(services_of(request).namespace_files.put, namespace, path, part.file)
    return Response(status_code=200)


@router.put("/namespaces/{namespace}/files", summary="Move a namespace file or folder")
async def move(request: Request, namespace: str, to: str) -> Response:
    source = request.query_params.get("from")
    if not source:
        raise ApiError(422, "Invalid entity: the 'from' parameter is required")
    await call(services_of(request).namespace_files.move, namespace, source, to)
    return Response(status_code=200)


@router.delete("/namespaces/{namespace}/files", summary="Delete a namespace file or folder")
async def delete(request: Request, namespace: str, path: str) -> Response:
    deleted = await call(services_of(request).namespace_files.delete, namespace, path)
    if not deleted:
        raise ApiError(404, f"Not Found: namespace file '{path}' does not exist in '{namespace}'")
    return Response(status_code=204)
