"""HTTP basic auth for every route but ``/ping``, ``/health`` and webhooks (Kestra's open URLs),
with a lock-out per client address after repeated failures.

A plain ASGI middleware (no request object built for authorised calls, streams untouched).
After ``free_failures`` wrong attempts from one address, that address is refused with 429 for
1 s, then 2, 4... (at most ``max_lock`` seconds) — even with the right password, so guessing
in parallel does not help. A success resets the count.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = re.compile(r"^/(ping|health)/?$|^/api/v1/(main/)?executions/webhook/")


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0


class FailureThrottle:
    def __init__(self, free_failures: int = 5, max_lock: float = 300.0,
                 clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000) -> None:
        self.free_failures = free_failures
        self.max_lock = max_lock
        self._clock = clock
        self._max_clients = max_clients
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """Seconds this client must still wait (0: it may try)."""
        with self._lock:
            record = self._records.get(client)
            return 0.0 if record is None else max(0.0, record.locked_until - self._clock())

    def failed(self, client: str) -> None:
        with self._lock:
            if len(self._records) >= self._max_clients and client not in self._records:
                self._forget_oldest()
            record = self._records.setdefault(client, _Record())
            record.failures += 1
            over = record.failures - self.free_failures
            if over >= 0:
                record.locked_until = self._clock() + min(self.max_lock, float(2 ** min(over, 30)))

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)

    def _forget_oldest(self) -> None:
        oldest = min(self._records, key=lambda c: self._records[c].locked_until)
        del self._records[oldest]


def _credentials(header: bytes | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, encoded = header.decode("latin-1").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class BasicAuthMiddleware:
    def __init__(self, app: ASGIApp, username: str, password: str,
                 throttle: FailureThrottle | None = None) -> None:
        self.app = app
        self._user = username.encode()
        self._password = password.encode()
        self.throttle = throttle or FailureThrottle()

    def _valid(self, given: tuple[str, str] | None) -> bool:
        if given is None:
            return False
        user_ok = hmac.compare_digest(given[0].encode(), self._user)
        password_ok = hmac.compare_digest(given[1].encode(), self._password)
        return user_ok and password_ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or OPEN_PATHS.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.retry_after(client)
        if wait > 0:
            await _refuse(send, 429, f"Too many failed logins from {client}: retry in {wait:.0f} s",
                          [(b"retry-after", str(max(1, round(wait))).encode())])
            return
        header = dict(scope.get("headers") or ()).get(b"authorization")
        if self._valid(_credentials(header)):
            self.throttle.succeeded(client)
            await self.app(scope, receive, send)
            return
        if header is not None:
            self.throttle.failed(client)
        await _refuse(send, 401, "Unauthorized",
                      [(b"www-authenticate", b'Basic realm="Lanner", charset="UTF-8"')])


async def _refuse(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
