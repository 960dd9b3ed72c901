"""``create_app(services)``: Lanner's Kestra-compatible REST API as an ASGI app.

Every resource is served under ``/api/v1/main/...`` (Kestra 1.x, tenant ``main``) and under the
tenant-less ``/api/v1/...`` that older clients and the course README use. Routes are thin: parse,
call one method of ``ApiServices`` (``lanner.api.ports``), shape the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lanner.api.ports import ApiServices

if TYPE_CHECKING:
    from fastapi import FastAPI

    from lanner.api.auth import FailureThrottle

TENANT_PREFIXES = ("/api/v1/main", "/api/v1")


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
        executions,
        files,
        flows,
        follow,
        kv,
        logs,
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
        kv.router, namespace_files.router, triggers.router, plugins.router,
    ]
    for prefix in TENANT_PREFIXES:
        for router in tenant_routers:
            app.include_router(router, prefix=prefix, include_in_schema=prefix == TENANT_PREFIXES[0])
    if basic_auth is not None:
        from lanner.api.auth import BasicAuthMiddleware

        app.add_middleware(BasicAuthMiddleware, username=basic_auth[0], password=basic_auth[1],
                           throttle=throttle)
    return app
