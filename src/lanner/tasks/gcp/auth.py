"""Credentials and mode of the GCP tasks (Kestra's ``CredentialService`` / ``GcpInterface``).

Two modes, chosen by Lanner's configuration ``gcp: {mode: local|cloud}`` (default cloud):
- cloud: real Google Cloud calls, authenticated by the task's ``serviceAccount`` (the JSON key's
  *content*, as Kestra takes it) or else Application Default Credentials;
- local: no Google Cloud call at all; GCS is a local bucket directory (``localbucket``) and
  BigQuery a local warehouse. The key is still parsed (a malformed one fails the same way) and
  masked, and its ``project_id`` is still used, so flows run unchanged in both modes.

The key text never reaches logs, outputs or error messages: it is masked as soon as it is seen,
and every error raised here is written without it.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from lanner.plugins.api import RunContext, TaskFailure

from .._config import config_value

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
DEFAULT_SCOPES = (CLOUD_PLATFORM_SCOPE,)

_KEY_TYPES = ("service_account", "authorized_user")

_NO_CREDENTIALS = (
    "No Google Cloud credentials: set the task's `serviceAccount` to a service-account JSON key "
    "(e.g. serviceAccount: \"{{ secret('GCP_CREDS') }}\", often through pluginDefaults), or set "
    "up Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS=/path/key.json, or "
    "`gcloud auth application-default login`). To run without Google Cloud, use local mode: "
    "`gcp: {mode: local}` in the configuration file or in LANNER_CONFIGURATION."
)


def gcp_mode(ctx: RunContext) -> Literal["local", "cloud"]:
    """``gcp.mode`` of the configuration: ``local`` or ``cloud`` (the default).

    ``STORAGE_EMULATOR_HOST`` alone does not switch to local mode: it only redirects GCS."""
    raw = config_value(ctx.config or {}, "gcp", "mode")
    if raw is None or str(raw).strip() == "":
        return "cloud"
    mode = str(raw).strip().lower()
    if mode not in ("local", "cloud"):
        raise TaskFailure(f"Invalid configuration gcp.mode {raw!r}: expected 'local' or 'cloud'.")
    return "local" if mode == "local" else "cloud"


# Contexts that already printed their local-mode line (one line per task run, whatever the calls).
_NOTIFIED: weakref.WeakSet[Any] = weakref.WeakSet()


def local_notice(ctx: RunContext, service: str, where: str | None = None) -> None:
    """Log the one INFO line saying this task runs locally, e.g. ``local_notice(ctx, "BigQuery",
    f"the local DuckDB warehouse at {path}")`` -> "GCP local mode: BigQuery runs on the local
    DuckDB warehouse at ... (no Google Cloud calls)"."""
    try:
        if ctx in _NOTIFIED:
            return
        _NOTIFIED.add(ctx)
    except TypeError:  # a context that cannot be weakly referenced: log every time
        pass
    place = f"on {where}" if where else "locally"
    ctx.logger.info(f"GCP local mode: {service} runs {place} (no Google Cloud calls)")


def parse_service_account(ctx: RunContext, text: str) -> dict[str, Any]:
    """The key as a dict, masked (whole text, private key, its id) before anything can log it."""
    ctx.mask(text)
    for line in text.splitlines():  # the masker skips short lines; a key's lines are long
        ctx.mask(line.strip())
    try:
        info = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise TaskFailure(
            f"`serviceAccount` is not valid JSON{where}: it must be the content of a service-account "
            "JSON key file (for a secret, the base64 of that file in SECRET_<NAME>)."
        ) from None
    if not isinstance(info, dict):
        raise TaskFailure("`serviceAccount` must be a JSON object: the content of a service-account "
                          f"JSON key file, not a JSON {type(info).__name__}.")
    for field in ("private_key", "private_key_id", "client_secret", "refresh_token"):
        value = info.get(field)
        if isinstance(value, str):
            ctx.mask(value)
            ctx.mask(value.replace("\n", "\\n"))  # as it is written inside the JSON text
    key_type = info.get("type")
    if key_type not in _KEY_TYPES:
        shown = repr(key_type) if isinstance(key_type, str) and len(key_type) < 40 else "missing"
        raise TaskFailure(f"`serviceAccount` has type {shown}: expected one of {', '.join(_KEY_TYPES)}.")
    return info


def _from_info(info: dict[str, Any], scopes: Sequence[str]) -> tuple[Credentials, str | None]:
    if info["type"] == "service_account":
        from google.oauth2 import service_account

        missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
        if missing:
            raise TaskFailure(f"`serviceAccount` key is missing {', '.join(missing)}.")
        try:
            from_info: Any = service_account.Credentials.from_service_account_info  # untyped
            creds: Credentials = from_info(info, scopes=list(scopes))
        except (ValueError, TypeError, IndexError):
            # The library's message may quote key material: give ours instead.
            raise TaskFailure("`serviceAccount` key has an unreadable `private_key` (not a PEM RSA "
                              "private key): download a fresh JSON key for the service account.") from None
        return creds, info.get("project_id")
    from google.oauth2 import credentials as user_credentials

    try:
        from_user_info: Any = user_credentials.Credentials.from_authorized_user_info  # untyped
        user: Credentials = from_user_info(info, scopes=list(scopes))
    except ValueError:
        raise TaskFailure("`serviceAccount` authorized-user JSON lacks client_id, client_secret "
                          "or refresh_token.") from None
    return user, info.get("quota_project_id")


def _application_default(scopes: Sequence[str]) -> tuple[Credentials, str | None]:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        creds, project = google.auth.default(scopes=list(scopes))
    except DefaultCredentialsError as exc:
        detail = ""
        path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        if path and not os.path.exists(path):
            detail = f" (GOOGLE_APPLICATION_CREDENTIALS points to {path}, which does not exist)"
        raise TaskFailure(_NO_CREDENTIALS + detail) from exc
    return creds, project


def credentials(
    ctx: RunContext,
    service_account: str | None,
    scopes: Sequence[str] | None = None,
    impersonated: str | None = None,
) -> tuple[Credentials | None, str | None]:
    """``(credentials, project id of the key or ADC)`` for a task.

    ``service_account`` is the rendered key text (or None). In local mode the credentials are
    None (nothing is called) but the key is still checked and masked and its project returned.
    In cloud mode without a key, Application Default Credentials are used, or a clear error."""
    scopes = list(scopes) if scopes else list(DEFAULT_SCOPES)
    text = service_account.strip() if isinstance(service_account, str) else None
    info = parse_service_account(ctx, text) if text else None
    project = info.get("project_id") if info else None
    if gcp_mode(ctx) == "local":
        return None, project
    creds, found_project = _from_info(info, scopes) if info else _application_default(scopes)
    if impersonated:
        from google.auth import impersonated_credentials

        impersonate: Any = impersonated_credentials.Credentials  # untyped
        creds = impersonate(
            source_credentials=creds, target_principal=impersonated, target_scopes=scopes)
    return creds, project or found_project
