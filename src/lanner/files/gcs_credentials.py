"""Credentials of the GCS internal storage, from ``storage.gcs.service-account``.

Kestra takes the key's JSON *content* there; Lanner also takes its base64 (as secrets are often
kept) or the path of the key file. Without it, Application Default Credentials are used
(GOOGLE_APPLICATION_CREDENTIALS, gcloud, a machine's service account). No message here quotes
the value: it may be a private key.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lanner.files.gcs_errors import GcsStorageError

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

# Objects only: read, write, list, delete (no bucket administration, no other Google service).
SCOPES = ("https://www.googleapis.com/auth/devstorage.read_write",)
_KEY = "storage.gcs.service-account"
_LOOKS_LIKE_PATH_MAX = 4096


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for a path: key text, not a file name
        return False


def _key_text(value: str) -> str:
    """The key's JSON text from JSON, base64 of JSON, or a file path."""
    text = value.strip()
    if text.startswith("{"):
        return text
    if "\n" not in text and len(text) < _LOOKS_LIKE_PATH_MAX:
        path = Path(text).expanduser()
        if _is_file(path):
            try:
                return path.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                raise GcsStorageError(f"{_KEY}: the key file cannot be read as UTF-8 text "
                                      "(value not shown)") from None
    try:
        decoded = base64.b64decode(text, validate=False).decode("utf-8").strip()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if decoded.startswith("{"):
        return decoded
    raise GcsStorageError(
        f"{_KEY} is neither a service-account JSON key, its base64, nor the path of an existing "
        "key file (value not shown): paste the key file's content, or give its path")


def _parse(text: str) -> dict[str, Any]:
    try:
        info = json.loads(text)
    except ValueError as exc:
        at = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise GcsStorageError(f"{_KEY} is not valid JSON{at}: it must be the content of a "
                              "service-account JSON key file") from None
    if not isinstance(info, dict) or info.get("type") not in ("service_account", "authorized_user"):
        raise GcsStorageError(f"{_KEY} must be a JSON key of type service_account or "
                              "authorized_user (as downloaded from the Google Cloud console)")
    return info


def load_credentials(service_account: str | None) -> tuple[Credentials, str | None]:
    """``(credentials, the key's project id)``; Application Default Credentials when no key."""
    if not service_account or not service_account.strip():
        import google.auth

        found: tuple[Credentials, str | None] = google.auth.default(scopes=list(SCOPES))
        return found  # DefaultCredentialsError is turned into a clear message by the caller
    info = _parse(_key_text(service_account))
    try:
        if info["type"] == "service_account":
            from google.oauth2 import service_account as sa

            from_info: Any = sa.Credentials.from_service_account_info  # untyped
            return from_info(info, scopes=list(SCOPES)), info.get("project_id")
        from google.oauth2 import credentials as user

        from_user: Any = user.Credentials.from_authorized_user_info  # untyped
        return from_user(info, scopes=list(SCOPES)), info.get("quota_project_id")
    except (ValueError, TypeError, KeyError, IndexError):
        # The library's message may quote key material: give ours instead.
        raise GcsStorageError(f"{_KEY} is an incomplete or unreadable key (missing client_email, "
                              "private_key or token_uri, or a private_key that is not PEM): "
                              "download a fresh JSON key") from None
