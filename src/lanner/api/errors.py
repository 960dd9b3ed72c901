"""The one table from Lanner's errors to HTTP answers, in Kestra's JSON error shape.

``{"message": "<reason>: <detail>", "_links": {"self": {"href": path}},
"_embedded": {"errors": [{"message", "path", "line", "column", "hint"}]}}`` — Kestra's
``ErrorController`` (kestra-reference §7): validation 422, not found 404, conflict 409.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from lanner.api.ports import BadRequestError, GoneError
from lanner.errors import (
    ConfigurationError,
    ConflictError,
    ExpressionError,
    FlowValidationError,
    Issue,
    LannerError,
    NotFoundError,
    UserCodeError,
)

_log = logging.getLogger("lanner.api")

# First match wins: subclasses before their bases.
ERROR_TABLE: tuple[tuple[type[BaseException], int, str], ...] = (
    (GoneError, 410, "Resource has expired"),
    (BadRequestError, 400, "Bad Request"),
    (FlowValidationError, 422, "Invalid entity"),  # InputError included
    (NotFoundError, 404, "Not Found"),
    (ConflictError, 409, "Conflict"),
    (ExpressionError, 422, "Illegal argument"),
    (UserCodeError, 422, "Illegal argument"),  # e.g. an invalid kestra:/// URI
    (ValueError, 422, "Illegal argument"),
    (ConfigurationError, 500, "Internal server error"),
    (LannerError, 500, "Internal server error"),
)


class ApiError(Exception):
    """An HTTP answer decided by a route itself (bad query, no backfill...)."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def error_body(request: Request, message: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "_links": {"self": {"href": request.url.path}}}
    if errors is not None:
        body["_embedded"] = {"errors": errors}
    return body


def issue_json(issue: Issue) -> dict[str, Any]:
    data: dict[str, Any] = {"message": issue.message, "path": issue.path}
    for key in ("line", "column", "hint"):
        value = getattr(issue, key)
        if value is not None:
            data[key] = value
    return data


def _validation_message(exc: FlowValidationError) -> str:
    parts = [f"{i.path}: {i.message}" if i.path else i.message for i in exc.errors]
    return ", ".join(parts) or str(exc)


def status_of(exc: BaseException) -> tuple[int, str]:
    for cls, status, reason in ERROR_TABLE:
        if isinstance(exc, cls):
            return status, reason
    return 500, "Internal server error"


def response_for(request: Request, exc: BaseException) -> JSONResponse:
    if isinstance(exc, ApiError):
        return JSONResponse(error_body(request, exc.message, exc.errors), status_code=exc.status)
    status, reason = status_of(exc)
    if isinstance(exc, FlowValidationError):
        errors = [issue_json(i) for i in exc.errors]
        return JSONResponse(error_body(request, f"{reason}: {_validation_message(exc)}", errors),
                            status_code=status)
    if status == 500:
        _log.error("Server error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = str(exc)
    return JSONResponse(error_body(request, f"{reason}: {detail}" if detail else reason),
                        status_code=status)


async def lanner_error_handler(request: Request, exc: Exception) -> JSONResponse:
    return response_for(request, exc)


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    reason = {404: "Not Found", 405: "Method Not Allowed", 401: "Unauthorized"}.get(exc.status_code)
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else (reason or "Error")
    return JSONResponse(error_body(request, message), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own parameter validation (a page that is not a number...), Kestra-shaped."""
    raw: list[dict[str, Any]] = list(getattr(exc, "errors", lambda: [])())
    errors = [{"message": str(e.get("msg", "")), "path": ".".join(str(p) for p in e.get("loc", ()))}
              for e in raw]
    summary = ", ".join(f"{e['path']}: {e['message']}" for e in errors)
    return JSONResponse(error_body(request, f"Invalid entity: {summary}", errors), status_code=422)


def install(app: Any) -> None:
    from fastapi.exceptions import RequestValidationError

    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    app.add_exception_handler(ApiError, lanner_error_handler)
    for cls, _, _ in ERROR_TABLE:
        app.add_exception_handler(cls, lanner_error_handler)
