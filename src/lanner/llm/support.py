"""Small helpers shared by the providers: configuration lookups, retries, error shaping."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lanner.llm.api import LLMError

T = TypeVar("T")

# HTTP statuses worth retrying: timeout, rate limit, server errors.
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


def _norm(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def pick(data: Any, *path: str) -> Any:
    """Nested lookup accepting kebab-, snake- and camel-case keys (``model-name`` = ``modelName``)."""
    node = data
    for part in path:
        if not isinstance(node, Mapping):
            return None
        wanted = _norm(part)
        node = next((v for k, v in node.items() if _norm(str(k)) == wanted), None)
    return node


def as_mapping(section: Any) -> Mapping[str, Any]:
    if section is None:
        return {}
    if isinstance(section, Mapping):
        return section
    raise LLMError(f"the `ai` configuration must be a map, got {type(section).__name__}")


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Sampling:
    """Sampling options a provider applies to every call (Kestra's ChatConfiguration)."""

    top_k: int | None = None
    top_p: float | None = None
    seed: int | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter on retryable errors; ``Retry-After`` wins when given."""

    max_retries: int = 3
    initial_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        base = min(self.max_delay, self.initial_delay * float(2 ** attempt))
        return base * (0.5 + random.random() / 2)  # jitter, not cryptography

    def call(self, fn: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return fn()
            except LLMError as exc:
                if not exc.retryable or attempt >= self.max_retries:
                    raise
                self.sleep(self.delay(attempt, getattr(exc, "retry_after", None)))
                attempt += 1


MASK = "******"


def scrub(text: str, *secrets: str | None) -> str:
    """Remove secrets from a message that may quote a request (URL, headers, body)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


_STATUS_HINTS = {401: "check the API key", 403: "check the API key",
                 404: "check the model name and the base URL", 429: "rate limited or out of quota"}


def http_error(vendor: str, status: int, detail: str, *, retry_after: float | None = None,
               secrets: tuple[str | None, ...] = (), hint: str | None = None) -> LLMError:
    """An ``LLMError`` for an HTTP error answer, worded for the person reading the task log
    (``hint``: what to check, when the vendor's answer says more than its status)."""
    detail = scrub(detail.strip(), *secrets)[:500]
    if hint is None:
        hint = _STATUS_HINTS.get(status, "")
    message = f"{vendor} answered HTTP {status}" + (f" ({hint})" if hint else "")
    if detail:
        message += f": {detail}"
    error = LLMError(message, retryable=status in RETRYABLE_STATUSES, status=status)
    error.retry_after = retry_after  # type: ignore[attr-defined]
    return error


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None
