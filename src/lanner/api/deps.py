"""Small helpers shared by the routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from lanner.api.ports import ApiServices

P = ParamSpec("P")
T = TypeVar("T")


def services_of(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.services
    return services


async def call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a (blocking) service method off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def ui_url(request: Request, *parts: str) -> str:
    """``<server>/ui/main/...``: where Kestra's UI would show the object."""
    return str(request.base_url).rstrip("/") + "/ui/main/" + "/".join(parts)


def truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "on")
