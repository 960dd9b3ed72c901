"""Ids come from one place: Kestra's 22-char base62 "friendly ids" of random UUIDs."""

from __future__ import annotations

import uuid

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(number: int) -> str:
    chars: list[str] = []
    while number:
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars)) or "0"


def new_id() -> str:
    """A new 22-character base62 id, like ``1KWLxLeaXEXNDaXWP7YSKA``."""
    return _base62(uuid.uuid4().int).rjust(22, "0")[:22]


def id_from(text: str) -> str:
    """A stable 22-char id derived from a string (Kestra's ``IdUtils.from``)."""
    return _base62(uuid.uuid5(uuid.NAMESPACE_URL, text).int).rjust(22, "0")[:22]
