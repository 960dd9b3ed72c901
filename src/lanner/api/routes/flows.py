"""``/flows``: create, update with revisions, read, delete, list, search, validate, import."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from lanner.api.deps import call, services_of, truthy
from lanner.api.errors import ApiError, issue_json
from lanner.api.ports import FlowCheck
from lanner.api.query import filters, first, label_pairs, page_and_size, sort_of, split_documents
from lanner.api.schemas import flow_json, paged
from lanner.errors import FlowValidationError, Issue, LannerError
from lanner.model.execution import iso
from lanner.store.ports import StoredFlow

router = APIRouter(tags=["Flows"])

YAML_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/x-yaml": {"schema": {"type": "string"}}}}}


async def _yaml_body(request: Request) -> str:
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "Invalid entity: the body is not UTF-8 text") from None
    if not text.strip():
        raise ApiError(422, "Invalid entity: the body is empty, a flow YAML was expected")
    return text


@router.post("/flows", openapi_extra=YAML_BODY, summary="Create a flow from YAML")
async def create_flow(request: Request) -> dict[str, Any]:
    stored = await call(services_of(request).create_flow, await _yaml_body(request))
    return flow_json(stored, with_source=True)


@router.get("/flows/search", summary="Search flows")
async def search_flows(request: Request) -> dict[str, Any]:
    params = request.query_params
    found = filters(params)
    namespace = first(params, "namespace", found)
    text = first(params, "q", found)
    wanted = label_pairs(params.getlist("labels"))
    wanted += [(f.key, f.value) if f.key else label_pairs([f.value])[0]
               for f in found if f.field == "labels"]
    flows = await call(services_of(request).list_flows, namespace, text)
    field, desc = sort_of(params, "id:asc")
    page, size = page_and_size(params)
    stored_key = _STORED_SORT_KEYS.get(field)
    if not wanted and stored_key is not None:  # sort and page before parsing: one page of YAML
        flows = sorted(flows, key=stored_key, reverse=desc)
        return paged([flow_json(f) for f in flows[(page - 1) * size: page * size]], len(flows))
    rows = [flow_json(f) for f in flows]
    if wanted:
        rows = [r for r in rows if all({"key": k, "value": v} in r["labels"] for k, v in wanted)]
    rows.sort(key=lambda r: str(r.get(field, "")), reverse=desc)
    return paged(rows[(page - 1) * size: page * size], len(rows))


# The sort keys flow_json would give, read from the stored record without parsing its YAML.
_STORED_SORT_KEYS: dict[str, Callable[[StoredFlow], str]] = {
    "id": lambda f: f.id, "namespace": lambda f: f.namespace,
    "revision": lambda f: str(f.revision), "updated": lambda f: str(iso(f.updated)),
}


@router.get("/flows/distinct-namespaces", summary="Namespaces that hold flows")
async def distinct_namespaces(request: Request) -> list[str]:
    flows = await call(services_of(request).list_flows)
    return sorted({f.namespace for f in flows})


def _check_json(check: FlowCheck) -> dict[str, Any]:
    errors = check.errors
    body: dict[str, Any] = {
        "index": check.index,
        "flow": check.flow_id,
        "namespace": check.namespace,
        "outdated": False,
        "deprecationPaths": [],
        "warnings": [i.message if not i.path else f"{i.path}: {i.message}" for i in check.warnings],
        "infos": [],
        "issues": [issue_json(i) | {"severity": i.severity} for i in check.issues],
    }
    if errors:
        body["constraints"] = "\n".join(f"{i.path}: {i.message}" if i.path else i.message for i in errors)
    return body


@router.post("/flows/validate", openapi_extra=YAML_BODY, summary="Validate flows (YAML, '---' separated)")
async def validate_flows(request: Request) -> list[dict[str, Any]]:
    services = services_of(request)
    documents = split_documents(await _yaml_body(request))
    checks = [await call(services.validate_flow, doc, index) for index, doc in enumerate(documents)]
    return [_check_json(c) for c in checks]


def _import_documents(filename: str, data: bytes) -> list[tuple[str, str]]:
    """(name, YAML) of every flow in an upload: a ZIP of YAML files or one (multi-doc) YAML."""
    if filename.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise ApiError(422, f"Invalid entity: '{filename}' is not a valid ZIP file") from None
        with archive:
            docs = []
            for member in sorted(archive.namelist()):
                if member.lower().endswith((".yml", ".yaml")) and not member.endswith("/"):
                    text = archive.read(member).decode("utf-8", errors="replace")
                    docs += [(member, doc) for doc in split_documents(text)]
            return docs
    text = data.decode("utf-8", errors="replace")
    return [(f"{filename}#{index}", doc) for index, doc in enumerate(split_documents(text))]


@router.post("/flows/import", summary="Import flows from a YAML or ZIP upload (part 'fileUpload')")
async def import_flows(request: Request) -> list[str]:
    async with request.form() as form:
        upload = form.get("fileUpload")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "Invalid entity: a multipart file part named 'fileUpload' is required")
        data = await upload.read()
        filename = upload.filename or "upload.yml"
    services = services_of(request)
    failed: list[str] = []
    errors: list[dict[str, Any]] = []
    for name, doc in _import_documents(filename, data):
        try:
            await call(services.deploy_flow, doc)
        except LannerError as exc:
            failed.append(name)
            issues = exc.issues if isinstance(exc, FlowValidationError) else (Issue("", str(exc)),)
            errors += [issue_json(i) | {"file": name} for i in issues]
    if failed and truthy(request.query_params.get("failOnError", "false")):
        raise ApiError(422, "Invalid entity: " + ", ".join(failed), errors)
    return failed


@router.get("/flows/{namespace}", summary="Flows of a namespace")
async def namespace_flows(request: Request, namespace: str) -> list[dict[str, Any]]:
    flows = await call(services_of(request).list_flows, namespace)
    return [flow_json(f) for f in flows if f.namespace == namespace]


@router.get("/flows/{namespace}/{flow_id}", summary="Get a flow")
async def get_flow(request: Request, namespace: str, flow_id: str, source: bool = False,
                   revision: int | None = None, allowDeleted: bool = False) -> dict[str, Any]:
    stored = await call(services_of(request).get_flow, namespace, flow_id, revision, allowDeleted)
    return flow_json(stored, with_source=source)


@router.put("/flows/{namespace}/{flow_id}", openapi_extra=YAML_BODY, summary="Update a flow")
async def update_flow(request: Request, namespace: str, flow_id: str) -> dict[str, Any]:
    stored = await call(services_of(request).update_flow, namespace, flow_id, await _yaml_body(request))
    return flow_json(stored, with_source=True)


@router.delete("/flows/{namespace}/{flow_id}", status_code=204, summary="Delete a flow")
async def delete_flow(request: Request, namespace: str, flow_id: str) -> Response:
    await call(services_of(request).delete_flow, namespace, flow_id)
    return Response(status_code=204)


@router.get("/flows/{namespace}/{flow_id}/revisions", summary="Every revision of a flow")
async def flow_revisions(request: Request, namespace: str, flow_id: str) -> list[dict[str, Any]]:
    revisions: list[StoredFlow] = await call(services_of(request).flow_revisions, namespace, flow_id)
    return [flow_json(r, with_source=True) for r in revisions]
