"""``/plugins``: the task and trigger types this server knows, and their JSON Schemas."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from lanner.api.deps import call, services_of
from lanner.api.ports import PluginInfo

router = APIRouter(tags=["Plugins"])

_SECTIONS = {"task": "tasks", "trigger": "triggers", "object": "others"}


def _group(type_name: str) -> str:
    """``io.kestra.plugin.scripts.python.Script`` -> ``io.kestra.plugin.scripts``."""
    parts = type_name.split(".")
    return ".".join(parts[:4]) if len(parts) > 4 else ".".join(parts[:-1])


@router.get("/plugins", summary="Plugin groups and their types")
async def plugins(request: Request) -> list[dict[str, Any]]:
    found: list[PluginInfo] = await call(services_of(request).plugins)
    groups: dict[str, dict[str, Any]] = {}
    for info in found:
        group = _group(info.type)
        entry = groups.setdefault(group, {"name": group.rsplit(".", 1)[-1], "group": group,
                                          "tasks": [], "triggers": [], "others": []})
        entry[_SECTIONS.get(info.kind, "others")].append(info.type)
    return [groups[name] for name in sorted(groups)]


@router.get("/plugins/{type_name}", summary="JSON Schema of one plugin type")
async def plugin(request: Request, type_name: str) -> dict[str, Any]:
    schema: dict[str, Any] = await call(services_of(request).plugin_schema, type_name)
    return {
        "markdown": schema.get("description") or "",
        "schema": {"properties": schema, "outputs": {}, "definitions": schema.get("$defs", {})},
    }
