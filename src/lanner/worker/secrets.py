"""OSS Kestra secrets: base64 values of ``SECRET_<KEY>`` environment variables (reference §5.5)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from lanner.errors import NotFoundError, UserCodeError


def read_secret(env: Mapping[str, str], key: str) -> str:
    """The decoded value of ``SECRET_<KEY>`` (key upper-cased, newlines stripped)."""
    encoded = env.get(f"SECRET_{key.upper()}")
    if encoded is None:
        raise NotFoundError(f"Cannot find secret for key '{key}'.")
    cleaned = "".join(encoded.split())
    try:
        return base64.b64decode(cleaned, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise UserCodeError(
            f"Invalid secret for key '{key}': SECRET_{key.upper()} must be base64-encoded"
        ) from None
