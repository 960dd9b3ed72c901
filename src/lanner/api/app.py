"""``create_app(services)``: Lanner's Kestra-compatible REST API as an ASGI app.

Every resource is served under ``/api/v1/main/...`` (Kestra 1.x, tenant ``main``) and under the
tenant-less ``/api/v1/...`` that older clients and the course README use (rewritten to the first
form before routing: one set of routes, one OpenAPI operation each). Routes are thin: parse, call
one method of ``ApiServices`` (``lanner.api.ports``), shape the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lanner.api.ports import ApiServices

if TYPE_CHECKING:
    from fastapi import FastAPI

    from lanner.api.auth import FailureThrottle

TENANT_PREFIX = "/api/v1/main"
_NOT_TENANT = ("/api/v1/main/", "/api/v1/configs", "/api/v1/openapi.json", "/api/v1/docs")


class TenantlessPaths:
    """``/api/v1/flows/...`` -> ``/api/v1/main/flows/...`` (Kestra accepts both)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/api/v1/") and not path.startswith(_NOT_TENANT):
            scope = dict(scope)
            scope["path"] = TENANT_PREFIX + path[len("/api/v1"):]
            raw = scope.get("raw_path")
            if raw:
                scope["raw_path"] = TENANT_PREFIX.encode() + raw[len(b"/api/v1"):]
        await self.app(scope, receive, send)


def create_app(
    services: ApiServices,
    *,
    basic_auth: tuple[str, str] | None = None,
    throttle: FailureThrottle | None = None,
    title: str = "Lanner",
    version: str = "0",
) -> FastAPI:
    """The API app. With ``basic_auth`` every route but /ping, /health and webhooks needs it."""
    from fastapi import FastAPI

    from lanner.api import errors
    from lanner.api.routes import (
        ai,
        executions,
        files,
        flows,
        follow,
        kv,
        logs,
        metrics,
        misc,
        namespace_files,
        plugins,
        triggers,
        webhooks,
    )

    app = FastAPI(title=title, version=version, openapi_url="/api/v1/openapi.json",
                  docs_url="/api/v1/docs", redoc_url=None)
    app.state.services = services
    errors.install(app)
    app.include_router(misc.router)
    # Order matters where paths overlap: literal segments (search, validate, webhook, actions)
    # come before the catch-all {namespace}/{flowId} forms.
    tenant_routers = [
        flows.router, webhooks.router, follow.router, files.router, executions.router, logs.router,
        metrics.router, kv.router, namespace_files.router, triggers.router, plugins.router, ai.router,
    ]
    for router in tenant_routers:
        app.include_router(router, prefix=TENANT_PREFIX)
    app.add_middleware(TenantlessPaths)
    if basic_auth is not None:
        from lanner.api.auth import BasicAuthMiddleware

        app.add_middleware(BasicAuthMiddleware, username=basic_auth[0], password=basic_auth[1],
                           throttle=throttle)
    # The web UI (static assets: no data, no secret) is served outside the auth, so that its
    # login page can load; its API calls carry the credentials. Added last: outermost.
    from lanner.ui import UiAssets

    app.add_middleware(UiAssets)
    return app
