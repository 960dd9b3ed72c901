"""GCS internal storage without a server: credentials and error messages (no network: every
test here fails before a request, or fakes the one Google exception it needs)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from lanner.errors import NotFoundError
from lanner.files.gcs import GcsFileStorage
from lanner.files.gcs_errors import GcsStorageError, GcsUnavailableError, translated

SECRET = "TOPSECRETKEYBODY42"
KEY = {"type": "service_account", "project_id": "fake-project", "private_key_id": "0123456789abcdef0123",
       "private_key": f"-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n",
       "client_email": "bot@fake-project.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}


@pytest.fixture(autouse=True)
def _no_google(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No emulator, no ADC, no gcloud config, no metadata-server probe."""
    from google.auth.compute_engine import _metadata

    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)


def _first_call_error(storage: GcsFileStorage) -> str:
    with pytest.raises(GcsStorageError) as caught:
        storage.put_bytes("kestra:///a/b.txt", b"x")
    return str(caught.value)


def test_no_credentials_at_all_names_the_bucket_and_the_fixes() -> None:
    message = _first_call_error(GcsFileStorage("my-bucket"))
    assert "No Google Cloud credentials for the internal storage on gs://my-bucket" in message
    assert "storage.gcs.service-account" in message and "GOOGLE_APPLICATION_CREDENTIALS" in message


@pytest.mark.parametrize("form", ["json", "base64", "path"])
def test_an_unreadable_key_is_refused_without_showing_it(form: str, tmp_path: Path) -> None:
    text = json.dumps(KEY, indent=2)
    if form == "base64":
        text = base64.b64encode(text.encode()).decode()
    elif form == "path":
        (tmp_path / "key.json").write_text(text)
        text = str(tmp_path / "key.json")
    storage = GcsFileStorage("my-bucket", service_account=text)
    message = _first_call_error(storage)
    assert "storage.gcs.service-account is an incomplete or unreadable key" in message
    assert SECRET not in message and SECRET not in repr(storage)


@pytest.mark.parametrize(("value", "expected"), [
    ('{"type": "service_account", ' + SECRET, "is not valid JSON (line 1, column"),
    ('{"type": "api_key"}', "must be a JSON key of type service_account"),
    (SECRET + "/not-a-file", "neither a service-account JSON key, its base64, nor the path"),
])
def test_a_malformed_key_says_what_is_expected(value: str, expected: str) -> None:
    message = _first_call_error(GcsFileStorage("b", service_account=value))
    assert expected in message and SECRET not in message


def _raise(exc: BaseException, **where: str) -> str:
    with pytest.raises(Exception) as caught, translated("my-bucket", "main/a/b.txt", **where):
        raise exc
    return f"{type(caught.value).__name__}: {caught.value}"


def test_google_errors_become_clear_lanner_errors() -> None:
    from google.api_core import exceptions as api
    from google.auth.exceptions import RefreshError

    assert _raise(api.Forbidden("bot@x lacks storage.objects.create")).startswith(
        "GcsStorageError: Permission denied on gs://my-bucket/main/a/b.txt (HTTP 403)")
    assert "roles/storage.objectAdmin" in _raise(api.Forbidden("no"))
    assert _raise(api.Unauthorized("bad token")).startswith(
        "GcsStorageError: GCS rejected the internal storage's credentials (HTTP 401)")
    assert _raise(api.NotFound("no bucket")).startswith(
        "GcsStorageError: GCS bucket 'my-bucket' does not exist")
    assert _raise(api.NotFound("gone"), uri="kestra:///a/b.txt") == (
        "NotFoundError: File 'kestra:///a/b.txt' does not exist in internal storage "
        "(gs://my-bucket/main/a/b.txt)")
    assert _raise(RefreshError(f"invalid_grant {SECRET}")) == (
        "GcsStorageError: Google refused the internal storage's credentials (RefreshError) while "
        "accessing gs://my-bucket/main/a/b.txt: check storage.gcs.service-account (is the key still "
        "valid?); see storage.gcs in the configuration (docs/how-to/configuration.md)")
    assert _raise(api.ServiceUnavailable("try later")).startswith(
        "GcsUnavailableError: GCS failed on gs://my-bucket/main/a/b.txt: HTTP 503")
    assert not issubclass(GcsStorageError, NotFoundError)


def test_network_failures_are_transient() -> None:
    from google.api_core import exceptions as api
    from requests import exceptions as http

    from lanner.errors import Transient

    refused = http.ConnectionError("Connection refused")
    assert _raise(refused, endpoint="http://127.0.0.1:9") == (
        "GcsUnavailableError: Cannot reach GCS at http://127.0.0.1:9 for gs://my-bucket/main/a/b.txt "
        "(ConnectionError)")
    assert _raise(api.RetryError("Timeout of 120.0s exceeded", refused)) == (
        "GcsUnavailableError: GCS did not answer for gs://my-bucket/main/a/b.txt at "
        "storage.googleapis.com after retrying (ConnectionError)")
    assert issubclass(GcsUnavailableError, Transient)


def test_a_prefix_with_dot_segments_is_refused() -> None:
    with pytest.raises(GcsStorageError, match=r"storage\.gcs\.prefix"):
        GcsFileStorage("b", prefix="a/../b")


def test_importing_the_module_does_not_import_google() -> None:
    import subprocess
    import sys

    code = ("import sys, lanner.files.gcs, lanner.runtime.services; "
            "print(any(m.startswith('google') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_dead_endpoint_is_reported_within_the_timeout() -> None:
    """Google's clients retry a refused connection for two minutes; storage.gcs.timeout bounds it."""
    import socket
    import time

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    storage = GcsFileStorage("my-bucket", endpoint=f"http://127.0.0.1:{port}", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(GcsUnavailableError, match=f"127.0.0.1:{port}"):
        storage.put_bytes("kestra:///a/b.txt", b"x")
    assert time.monotonic() - started < 20
