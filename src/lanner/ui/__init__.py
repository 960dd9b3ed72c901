"""Lanner's web UI: static assets in ``static/`` and the ASGI middleware that serves them.

The UI is a single-page app in plain ES modules (``static/js``) over one vendored bundle
(``static/vendor/lanner-vendor.js``: Preact, htm, CodeMirror 6, yaml; rebuilt from ``ui-src/``).
Nothing is built at install or run time, so no Node.js is needed. The app talks to the server
only through the public REST API.

``UiAssets`` wraps the API app: ``/`` redirects to ``/ui/``, ``/ui/<file>`` serves an asset and
any other ``/ui/...`` path serves ``index.html`` (the app routes on the client, and the ``url``
the API returns, ``/ui/main/executions/...``, lands on the right page). It sits *outside* the
basic auth on purpose: the assets hold no data and no secret, and the login page must load
before the user has typed a password. Every API call the page makes carries the credentials.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).resolve().parent / "static"
PREFIX = "/ui"

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


def _spa_files() -> Any:
    from starlette.responses import PlainTextResponse, Response
    from starlette.staticfiles import StaticFiles

    class SpaFiles(StaticFiles):
        """Assets by path; a path that names no file and has no extension is a client route."""

        async def get_response(self, path: str, scope: Scope) -> Response:
            from starlette.exceptions import HTTPException

            try:
                response = await super().get_response(path, scope)
            except HTTPException as exc:
                if exc.status_code != 404:
                    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
                if path not in ("", ".") and "." in path.rsplit("/", 1)[-1]:
                    return PlainTextResponse(f"Not Found: {PREFIX}/{path}", status_code=404)
                response = await super().get_response("index.html", scope)
            # Revalidate every time (ETag): an upgraded Lanner never runs a stale app.
            response.headers["Cache-Control"] = "no-cache"
            return response

    return SpaFiles(directory=STATIC_DIR)


class UiAssets:
    """ASGI middleware: the UI's routes, everything else passed on to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.files = _spa_files()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path in ("/", PREFIX):
            from starlette.responses import RedirectResponse

            await RedirectResponse(PREFIX + "/", status_code=307)(scope, receive, send)
        elif path.startswith(PREFIX + "/"):
            if scope.get("method") not in ("GET", "HEAD"):
                from starlette.responses import PlainTextResponse

                await PlainTextResponse("Method Not Allowed", status_code=405)(scope, receive, send)
                return
            inner = dict(scope)
            inner["root_path"] = scope.get("root_path", "") + PREFIX
            inner["path"] = inner["root_path"] + path[len(PREFIX):]
            await self.files(inner, receive, send)
        else:
            await self.app(scope, receive, send)
