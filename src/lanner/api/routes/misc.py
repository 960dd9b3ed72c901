"""Server routes outside the tenant: ``/ping``, ``/health``, ``/api/v1/configs``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from lanner.api.deps import services_of

router = APIRouter(tags=["Misc"])


@router.get("/ping", response_class=PlainTextResponse, summary="Liveness (no auth)")
async def ping() -> str:
    return "pong"


@router.get("/health", summary="Health (no auth)")
async def health() -> dict[str, Any]:
    return {"status": "UP"}


@router.get("/api/v1/configs", summary="Server configuration the UI needs")
async def configs(request: Request) -> dict[str, Any]:
    return services_of(request).configs()
