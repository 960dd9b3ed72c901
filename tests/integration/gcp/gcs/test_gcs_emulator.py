"""GCS tasks with the real google-cloud-storage client, over HTTP, against a local emulator of
the GCS JSON API (STORAGE_EMULATOR_HOST, anonymous credentials): cloud mode, no Google call."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import google_crc32c
import pytest

from lanner.model.state import State
from lanner.tasks.gcp import gcs

EXEC = "kestra:///company/team/my-flow/executions/exec0000000000000000001"
DATA = b"VendorID,total\n1,10.5\n2,3.25\n"
KEY = {"type": "service_account", "project_id": "emu-project", "private_key_id": "0123456789abcdef0123",
       "private_key": "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYBODY42\n-----END PRIVATE KEY-----\n",
       "client_email": "bot@emu-project.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}


@pytest.fixture
def h(harness: Any, emulator: str) -> Any:
    harness.env["SECRET_GCP_CREDS"] = base64.b64encode(json.dumps(KEY).encode()).decode()
    return harness


def _run(h: Any, cls: type, props: dict[str, Any]) -> Any:
    return h.run(h.task(cls, {"serviceAccount": "{{ secret('GCP_CREDS') }}", **props}))


def _ok(result: Any) -> dict[str, Any]:
    assert result.state is State.SUCCESS, result.error
    return dict(result.outputs)


def _upload(h: Any, to: str, data: bytes = DATA) -> dict[str, Any]:
    source = h.files.put_bytes(f"{EXEC}/tasks/extract/r1/{Path(to).name}", data)
    return _ok(_run(h, gcs.Upload, {"from": source, "to": to}))


def _client() -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(project="emu-project", credentials=AnonymousCredentials())


def test_create_bucket_with_if_exists(h: Any, emulator: str) -> None:
    created = _ok(_run(h, gcs.CreateBucket, {"name": "emu-bucket", "ifExists": "SKIP",
                                             "storageClass": "REGIONAL", "location": "europe-west2"}))
    assert created["created"] is True
    assert created["bucket"]["name"] == "emu-bucket" and created["bucket"]["uri"] == "gs://emu-bucket"
    with _client() as client:
        assert client.lookup_bucket("emu-bucket") is not None

    skipped = _ok(_run(h, gcs.CreateBucket, {"name": "emu-bucket", "ifExists": "SKIP"}))
    assert (skipped["created"], skipped["updated"]) == (False, False)

    updated = _ok(_run(h, gcs.CreateBucket, {"name": "emu-bucket", "ifExists": "UPDATE",
                                             "versioningEnabled": True}))
    assert (updated["created"], updated["updated"]) == (False, True)
    assert updated["bucket"]["versioningEnabled"] is True

    failed = _run(h, gcs.CreateBucket, {"name": "emu-bucket", "ifExists": "ERROR"})
    assert failed.state is State.FAILED
    assert "already exists and ifExists is ERROR" in failed.error
    assert any(f"storage emulator at {emulator}" in m for m in h.messages("INFO"))


def test_upload_list_download_copy_delete_round_trip(h: Any) -> None:
    _ok(_run(h, gcs.CreateBucket, {"name": "emu-bucket"}))
    up = _upload(h, "gs://emu-bucket/raw/yellow.csv")
    assert up == {"uri": "gs://emu-bucket/raw/yellow.csv",
                  "md5": base64.b64encode(hashlib.md5(DATA).digest()).decode(),
                  "crc32c": base64.b64encode(google_crc32c.Checksum(DATA).digest()).decode()}
    with _client() as client:
        assert client.bucket("emu-bucket").blob("raw/yellow.csv").download_as_bytes() == DATA
    _upload(h, "gs://emu-bucket/raw/2024/green.csv", b"g")
    _upload(h, "gs://emu-bucket/top.txt", b"t")

    listed = _ok(_run(h, gcs.List, {"from": "gs://emu-bucket/raw/"}))["blobs"]
    assert [(b["name"], b["isDirectory"]) for b in listed] == [("raw/2024/", True), ("raw/yellow.csv", False)]
    assert listed[1]["md5"] == up["md5"] and listed[1]["size"] == len(DATA)
    assert listed[1]["contentType"] == "text/csv"
    recursive = _ok(_run(h, gcs.List, {"from": "gs://emu-bucket/", "listingType": "RECURSIVE",
                                       "filter": "FILES", "regExp": ".*\\.csv"}))["blobs"]
    assert [b["name"] for b in recursive] == ["raw/2024/green.csv", "raw/yellow.csv"]

    down = _ok(_run(h, gcs.Download, {"from": "gs://emu-bucket/raw/yellow.csv"}))
    with h.files.open(down["uri"]) as handle:
        assert handle.read() == DATA

    assert _ok(_run(h, gcs.Copy, {"from": "gs://emu-bucket/raw/yellow.csv",
                                  "to": "gs://emu-bucket/archive/yellow.csv", "delete": True})) == {
        "uri": "gs://emu-bucket/archive/yellow.csv"}
    assert _ok(_run(h, gcs.Delete, {"uri": "gs://emu-bucket/raw/yellow.csv"}))["deleted"] is False
    assert _ok(_run(h, gcs.Delete, {"uri": "gs://emu-bucket/archive/yellow.csv"}))["deleted"] is True

    many = _ok(_run(h, gcs.Downloads, {"from": "gs://emu-bucket/", "listingType": "RECURSIVE",
                                       "action": "DELETE"}))
    assert sorted(many["outputFiles"]) == ["raw/2024/green.csv", "top.txt"]
    with h.files.open(many["outputFiles"]["top.txt"]) as handle:
        assert handle.read() == b"t"
    assert _ok(_run(h, gcs.List, {"from": "gs://emu-bucket/", "listingType": "RECURSIVE"}))["blobs"] == []

    assert _ok(_run(h, gcs.DeleteBucket, {"name": "emu-bucket"})) == {
        "bucket": "emu-bucket", "bucketUri": "gs://emu-bucket"}
    with _client() as client:
        assert client.lookup_bucket("emu-bucket") is None
    gone = _run(h, gcs.DeleteBucket, {"name": "emu-bucket"})
    assert gone.state is State.FAILED and "Couldn't find bucket 'emu-bucket'" in gone.error


def test_missing_objects_and_non_empty_bucket_fail_clearly(h: Any) -> None:
    _ok(_run(h, gcs.CreateBucket, {"name": "emu-bucket"}))
    missing = _run(h, gcs.Download, {"from": "gs://emu-bucket/none.csv"})
    assert missing.state is State.FAILED
    assert "Unable to find blob on bucket 'emu-bucket' with path 'none.csv'" in missing.error
    _upload(h, "gs://emu-bucket/a.csv")
    full = _run(h, gcs.DeleteBucket, {"name": "emu-bucket"})
    assert full.state is State.FAILED and "not empty" in full.error


def test_the_key_is_masked_and_never_in_outputs(h: Any) -> None:
    _ok(_run(h, gcs.CreateBucket, {"name": "emu-bucket"}))
    out = _upload(h, "gs://emu-bucket/a.csv")
    shown = json.dumps(out) + "\n".join(h.messages())
    for secret in ("TOPSECRETKEYBODY42", KEY["private_key_id"], json.dumps(KEY)):
        assert secret not in shown
