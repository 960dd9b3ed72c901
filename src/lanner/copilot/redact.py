"""Keys never leave: every text the copilot's commands print goes through ``redact``.

The providers already keep their API keys private; this is the second belt: the secret values
of the ``ai:`` section (``api-key``, tokens, passwords) are masked wherever they would appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lanner.llm.support import MASK, scrub

__all__ = ["MASK", "redact", "secret_values"]

_SECRET_WORDS = ("key", "token", "secret", "password", "credential")
MIN_SECRET = 4  # shorter values would mask ordinary words (as llm.support.scrub)


def secret_values(section: Any) -> list[str]:
    """The values of secret-looking keys anywhere in a configuration section."""
    found: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, Mapping):
            for name, child in value.items():
                walk(child, str(name).lower())
        elif isinstance(value, list | tuple):
            for child in value:
                walk(child, key)
        elif isinstance(value, str) and len(value) >= MIN_SECRET and any(w in key for w in _SECRET_WORDS):
            found.append(value)

    walk(section)
    return sorted(set(found), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    return scrub(text, *secrets)
