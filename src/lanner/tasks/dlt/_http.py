"""The HTTP session of a ``restApi`` source: dlt's retrying client, watched by the task run.

dlt's REST client retries 429, 5xx and connection errors itself (exponential backoff). The task's
``http`` property sets how many attempts and how fast; ``maxAttempts: 1`` leaves every retry to
the task's own ``retry`` policy (a new attempt of the whole task). Every attempt passes through
the session's HTTP adapter, which remembers the last URL (so a malformed JSON page can be named),
logs HTTP errors as they happen (dlt's retries are otherwise silent), and stops the extraction
once the execution is killed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lanner.plugins.api import RunContext, TaskFailure

_RETRIED = frozenset({429, *range(500, 600)})


class HttpSettings(BaseModel):
    """How a `restApi` source calls the API (dlt's defaults when absent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    maxAttempts: int | None = Field(
        default=None, ge=1,
        description="Attempts per request on HTTP 429/5xx or a connection error (dlt's default: 5). "
                    "1 turns dlt's retries off: the task's `retry` policy then retries the whole run.")
    backoffFactor: float | None = Field(
        default=None, ge=0,
        description="Seconds multiplied into the exponential wait between attempts (dlt's default: 1).")
    maxRetryDelay: float | None = Field(default=None, ge=0, description="Longest wait between attempts, "
                                                                        "in seconds (default: 300).")
    timeout: float | None = Field(default=None, gt=0, description="Timeout of one request in seconds "
                                                                  "(default: 60).")
    respectRetryAfter: bool = Field(default=True, description="Wait as long as a `Retry-After` header asks.")


@dataclass
class LastRequest:
    method: str = ""
    url: str = ""
    status: int = 0
    size: str = ""

    def describe(self) -> str:
        if not self.url:
            return "the API"
        size = f", {self.size} bytes" if self.size else ""
        return f"{self.method} {self.url} (HTTP {self.status}{size})"


class WatchedSession:
    """A dlt retrying session whose every attempt the task run sees (through its HTTP adapter:
    dlt's retry predicates short-circuit, and per-request hooks replace the session's)."""

    def __init__(self, ctx: RunContext, settings: HttpSettings | None) -> None:
        from dlt.sources.helpers.requests import Client

        self.ctx = ctx
        self.last = LastRequest()
        self.responses = 0
        self._guard = threading.Lock()
        options: dict[str, Any] = {"raise_for_status": False}
        settings = settings or HttpSettings()
        if settings.maxAttempts is not None:
            options["request_max_attempts"] = settings.maxAttempts
        if settings.backoffFactor is not None:
            options["request_backoff_factor"] = settings.backoffFactor
        if settings.maxRetryDelay is not None:
            options["request_max_retry_delay"] = settings.maxRetryDelay
        if settings.timeout is not None:
            options["request_timeout"] = settings.timeout
        options["respect_retry_after_header"] = settings.respectRetryAfter
        self.attempts = settings.maxAttempts or 5
        self.session = Client(**options).session
        adapter = _adapter_class()(self)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __deepcopy__(self, memo: dict[int, Any]) -> WatchedSession:
        # dlt deep-copies the rest_api config, session included: its adapter must still report here.
        return self

    def before(self) -> None:
        if self.ctx.is_killed():
            raise TaskFailure("Killed: the extraction stopped")

    def answered(self, response: Any) -> None:
        with self._guard:
            self.responses += 1
            self.last = LastRequest(response.request.method or "GET", response.url, response.status_code,
                                    response.headers.get("Content-Length", ""))
        if response.status_code in _RETRIED:
            self.ctx.logger.warn(f"{response.request.method} {response.url} answered HTTP "
                                 f"{response.status_code} {response.reason or ''}".rstrip()
                                 + f" (dlt makes up to {self.attempts} attempt(s) per request)")

    def failed(self, request: Any, error: BaseException) -> None:
        self.ctx.logger.warn(f"{request.method} {request.url} failed: {type(error).__name__}: {error} "
                             f"(dlt makes up to {self.attempts} attempt(s) per request)")


@cache
def _adapter_class() -> type:
    """requests' ``HTTPAdapter`` watched by a ``WatchedSession`` (built on first use: importing
    requests costs validation-time imports nothing)."""
    from requests.adapters import HTTPAdapter

    class ObservingAdapter(HTTPAdapter):
        def __init__(self, watcher: WatchedSession) -> None:
            super().__init__(pool_maxsize=50)
            self.watcher = watcher

        def __deepcopy__(self, memo: dict[int, Any]) -> ObservingAdapter:
            return self  # shared like dlt's own adapter (a connection pool, safe across threads)

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            self.watcher.before()
            try:
                response = super().send(request, *args, **kwargs)
            except Exception as exc:
                self.watcher.failed(request, exc)
                raise
            self.watcher.answered(response)
            return response

    return ObservingAdapter
