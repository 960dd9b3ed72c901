"""GCP credentials and mode (``lanner.tasks.gcp.auth``): no network, no secret in any message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lanner.plugins.api import TaskFailure
from lanner.tasks.gcp import auth


class _Logger:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str) -> None:
        self.lines.append(("INFO", message))


class _Ctx:
    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = config or {}
        self.masked: list[str] = []
        self.logger = _Logger()

    def mask(self, value: str) -> None:
        self.masked.append(value)


LOCAL = {"gcp": {"mode": "local"}}


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


FAKE_PEM = "-----BEGIN PRIVATE KEY-----\nFAKEKEYMATERIAL0123456789\n-----END PRIVATE KEY-----\n"


def _key(private_key: str = FAKE_PEM, **extra: Any) -> dict[str, Any]:
    return {"type": "service_account", "project_id": "key-project", "private_key_id": "id0123456789abcdef",
            "private_key": private_key, "client_email": "bot@key-project.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token", **extra}


@pytest.fixture
def no_adc(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No Application Default Credentials anywhere, and no probe of a metadata server."""
    from google.auth.compute_engine import _metadata

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)


@pytest.mark.parametrize(("config", "expected"), [
    ({}, "cloud"),
    ({"gcp": {}}, "cloud"),
    ({"gcp": {"mode": "local"}}, "local"),
    ({"GCP": {"Mode": "LOCAL"}}, "local"),
    ({"gcp": {"mode": "cloud"}}, "cloud"),
])
def test_mode_comes_from_the_configuration(config: dict[str, Any], expected: str) -> None:
    assert auth.gcp_mode(_Ctx(config)) == expected  # type: ignore[arg-type]


def test_emulator_host_alone_does_not_switch_to_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:9")
    assert auth.gcp_mode(_Ctx()) == "cloud"  # type: ignore[arg-type]


def test_an_unknown_mode_is_a_clear_error() -> None:
    with pytest.raises(TaskFailure, match=r"gcp\.mode 'remote'"):
        auth.gcp_mode(_Ctx({"gcp": {"mode": "remote"}}))  # type: ignore[arg-type]


def test_local_mode_checks_and_masks_the_key_but_builds_no_credentials() -> None:
    ctx = _Ctx(LOCAL)
    text = json.dumps(_key())
    creds, project = auth.credentials(ctx, text)  # type: ignore[arg-type]
    assert (creds, project) == (None, "key-project")
    assert text in ctx.masked
    assert _key()["private_key"] in ctx.masked
    assert _key()["private_key"].replace("\n", "\\n") in ctx.masked  # as written in the JSON text


@pytest.mark.parametrize("text", ["{not json SECRETPART-77", "[1, 2, \"SECRETPART-77\"]"])
def test_malformed_key_is_a_clear_error_without_the_text(text: str) -> None:
    ctx = _Ctx(LOCAL)
    with pytest.raises(TaskFailure) as caught:
        auth.credentials(ctx, text)  # type: ignore[arg-type]
    assert "serviceAccount" in str(caught.value)
    assert "SECRETPART" not in str(caught.value)
    assert text in ctx.masked


def test_key_of_unknown_type_is_refused() -> None:
    with pytest.raises(TaskFailure, match="expected one of service_account"):
        auth.credentials(_Ctx(LOCAL), json.dumps({"type": "nope"}))  # type: ignore[arg-type]


def test_cloud_mode_builds_service_account_credentials() -> None:
    from google.oauth2 import service_account

    ctx = _Ctx()
    creds, project = auth.credentials(ctx, json.dumps(_key(_pem())))  # type: ignore[arg-type]
    assert isinstance(creds, service_account.Credentials)
    assert project == "key-project"
    assert creds.scopes == [auth.CLOUD_PLATFORM_SCOPE]
    assert creds.service_account_email == "bot@key-project.iam.gserviceaccount.com"


def test_cloud_mode_impersonation_and_scopes() -> None:
    from google.auth import impersonated_credentials

    creds, _ = auth.credentials(_Ctx(), json.dumps(_key(_pem())),  # type: ignore[arg-type]
                                ["https://www.googleapis.com/auth/devstorage.read_only"],
                                "target@p.iam.gserviceaccount.com")
    assert isinstance(creds, impersonated_credentials.Credentials)


def test_unreadable_private_key_is_a_clear_error_without_the_key() -> None:
    with pytest.raises(TaskFailure) as caught:
        auth.credentials(_Ctx(), json.dumps(_key()))  # type: ignore[arg-type]
    assert "unreadable `private_key`" in str(caught.value)
    assert "FAKEKEYMATERIAL" not in str(caught.value)


def test_key_missing_fields_names_them() -> None:
    info = _key()
    del info["client_email"]
    with pytest.raises(TaskFailure, match="missing client_email"):
        auth.credentials(_Ctx(), json.dumps(info))  # type: ignore[arg-type]


def test_no_key_and_no_adc_in_cloud_mode_is_a_clear_error(no_adc: None) -> None:
    with pytest.raises(TaskFailure) as caught:
        auth.credentials(_Ctx(), None)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "No Google Cloud credentials" in message
    assert "serviceAccount" in message and "gcp: {mode: local}" in message
    assert "does not exist" in message  # names the missing GOOGLE_APPLICATION_CREDENTIALS file


def test_no_key_in_local_mode_is_fine(no_adc: None) -> None:
    assert auth.credentials(_Ctx(LOCAL), None) == (None, None)  # type: ignore[arg-type]


def test_local_notice_is_one_line_per_context() -> None:
    ctx = _Ctx(LOCAL)
    auth.local_notice(ctx, "BigQuery", "the local DuckDB warehouse at /tmp/w")  # type: ignore[arg-type]
    auth.local_notice(ctx, "BigQuery", "the local DuckDB warehouse at /tmp/w")  # type: ignore[arg-type]
    assert ctx.logger.lines == [("INFO", "GCP local mode: BigQuery runs on the local DuckDB warehouse "
                                         "at /tmp/w (no Google Cloud calls)")]
    other = _Ctx(LOCAL)
    auth.local_notice(other, "GCS")  # type: ignore[arg-type]
    assert other.logger.lines == [("INFO", "GCP local mode: GCS runs locally (no Google Cloud calls)")]


def test_config_value_ignores_case_and_dashes() -> None:
    config = {"gcp": {"local": {"storageDir": "/data"}}}
    assert auth.config_value(config, "gcp", "local", "storage-dir") == "/data"
    assert auth.config_value(config, "gcp", "missing", "x") is None
