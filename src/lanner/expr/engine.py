"""Pebble-compatible rendering (kestra-reference §5) on top of Jinja2's sandbox.

INTERFACE STUB — the expression helper replaces the bodies; keep the signatures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class ExprServices(Protocol):
    """Lookups that some functions need (kv, secret, read...). Injected, so the engine stays
    pure: it passes whatever its shell gave it, or nothing (those functions then fail with a
    clear message)."""

    def kv(self, namespace: str, key: str, error_on_missing: bool) -> Any: ...

    def secret(self, key: str) -> str: ...

    def read(self, path: str, namespace: str) -> str: ...

    def file_exists(self, path: str, namespace: str) -> bool: ...

    def file_size(self, path: str, namespace: str) -> int: ...

    def error_logs(self) -> list[dict[str, Any]]: ...


class Renderer:
    """Renders values with Kestra semantics. Thread-safe; compiled templates are cached."""

    def __init__(self, services: ExprServices | None = None) -> None:
        self.services = services

    def render(self, value: Any, variables: Mapping[str, Any]) -> Any:
        """Strings are rendered; lists and dicts recursively (keys too); other leaves as is."""
        raise NotImplementedError

    def render_typed(self, value: Any, variables: Mapping[str, Any]) -> Any:
        """A string that is exactly one ``{{ expr }}`` returns the expression's object."""
        raise NotImplementedError

    def render_bool(self, value: Any, variables: Mapping[str, Any]) -> bool:
        raise NotImplementedError
