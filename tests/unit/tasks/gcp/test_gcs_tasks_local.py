"""GCS tasks in local mode: the local bucket directory, through the real worker (``run_task``)."""

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
KEY = {"type": "service_account", "project_id": "fake-project", "private_key_id": "0123456789abcdef0123",
       "private_key": "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYBODY42\n-----END PRIVATE KEY-----\n",
       "client_email": "bot@fake-project.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


@pytest.fixture
def h(harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    harness.deps.config = {"gcp": {"mode": "local", "local": {"storage-dir": str(tmp_path / "gcs")}}}
    harness.env["SECRET_GCP_CREDS"] = base64.b64encode(json.dumps(KEY).encode()).decode()
    harness.gcs_root = tmp_path / "gcs"
    return harness


def _run(h: Any, cls: type, props: dict[str, Any]) -> Any:
    props = {"serviceAccount": "{{ secret('GCP_CREDS') }}", "projectId": "my-project", **props}
    return h.run(h.task(cls, props))


def _ok(result: Any) -> dict[str, Any]:
    assert result.state is State.SUCCESS, result.error
    return dict(result.outputs)


def _bucket(h: Any, name: str = "zoomcamp-bucket") -> None:
    _ok(_run(h, gcs.CreateBucket, {"name": name, "ifExists": "SKIP"}))


def _upload(h: Any, to: str, data: bytes = DATA) -> dict[str, Any]:
    source = h.files.put_bytes(f"{EXEC}/tasks/extract/r1/{Path(to).name}", data)
    return _ok(_run(h, gcs.Upload, {"from": source, "to": to}))


def test_create_bucket_then_skip_update_and_error(h: Any) -> None:
    created = _ok(_run(h, gcs.CreateBucket, {"name": "zoomcamp-bucket", "location": "europe-west2",
                                             "storageClass": "REGIONAL", "labels": {"team": "{{ 'de' }}"}}))
    assert created["created"] is True and created["updated"] is False
    assert created["bucket"] == {"name": "zoomcamp-bucket", "uri": "gs://zoomcamp-bucket",
                                 "location": "europe-west2", "storageClass": "REGIONAL",
                                 "labels": {"team": "de"}}
    assert (h.gcs_root / "zoomcamp-bucket").is_dir()

    skipped = _ok(_run(h, gcs.CreateBucket, {"name": "zoomcamp-bucket", "ifExists": "SKIP",
                                             "location": "US"}))
    assert (skipped["created"], skipped["updated"]) == (False, False)
    assert skipped["bucket"]["location"] == "europe-west2"  # SKIP changes nothing

    updated = _ok(_run(h, gcs.CreateBucket, {"name": "zoomcamp-bucket", "ifExists": "UPDATE",
                                             "versioningEnabled": True}))
    assert (updated["created"], updated["updated"]) == (False, True)
    assert updated["bucket"]["versioningEnabled"] is True

    failed = _run(h, gcs.CreateBucket, {"name": "zoomcamp-bucket"})  # ifExists defaults to ERROR
    assert failed.state is State.FAILED
    assert "Bucket 'zoomcamp-bucket' already exists and ifExists is ERROR" in failed.error


def test_one_local_mode_line_per_task_and_no_secret_in_logs(h: Any) -> None:
    _bucket(h)
    notices = [m for m in h.messages("INFO") if m.startswith("GCP local mode")]
    assert notices == [f"GCP local mode: GCS runs on the local bucket directory {h.gcs_root} "
                       "(no Google Cloud calls)"]
    logged = "\n".join(h.messages())
    assert "TOPSECRETKEYBODY42" not in logged and KEY["private_key_id"] not in logged


def test_upload_reports_gcs_checksums(h: Any) -> None:
    _bucket(h)
    out = _upload(h, "gs://zoomcamp-bucket/raw/yellow_tripdata_2019-01.csv")
    assert out["uri"] == "gs://zoomcamp-bucket/raw/yellow_tripdata_2019-01.csv"
    assert out["md5"] == _md5(DATA)
    assert out["crc32c"] == base64.b64encode(google_crc32c.Checksum(DATA).digest()).decode()
    assert (h.gcs_root / "zoomcamp-bucket/raw/yellow_tripdata_2019-01.csv").read_bytes() == DATA


def test_upload_checks_expected_checksums(h: Any) -> None:
    _bucket(h)
    source = h.files.put_bytes(f"{EXEC}/tasks/extract/r1/f.csv", DATA)
    result = _run(h, gcs.Upload, {"from": source, "to": "gs://zoomcamp-bucket/f.csv", "expectedMd5": "AAAA"})
    assert result.state is State.FAILED
    assert "expected MD5 AAAA" in result.error
    assert not (h.gcs_root / "zoomcamp-bucket/f.csv").exists()


def test_upload_to_a_missing_bucket_fails_clearly(h: Any) -> None:
    source = h.files.put_bytes(f"{EXEC}/tasks/extract/r1/f.csv", DATA)
    result = _run(h, gcs.Upload, {"from": source, "to": "gs://no-such-bucket/f.csv"})
    assert result.state is State.FAILED
    assert "gs://no-such-bucket does not exist" in result.error


def test_upload_of_several_files_to_a_directory(h: Any) -> None:
    _bucket(h)
    sources = [h.files.put_bytes(f"{EXEC}/tasks/extract/r1/{n}", DATA) for n in ("a.csv", "b.csv")]
    out = _ok(_run(h, gcs.Upload, {"from": sources, "to": "gs://zoomcamp-bucket/in/"}))
    assert out["uris"] == ["gs://zoomcamp-bucket/in/a.csv", "gs://zoomcamp-bucket/in/b.csv"]
    as_expression = _ok(h.run(h.task(gcs.Upload, {"from": "{{ files }}", "to": "gs://zoomcamp-bucket"}),
                              {"files": sources}))
    assert as_expression["uris"] == ["gs://zoomcamp-bucket/a.csv", "gs://zoomcamp-bucket/b.csv"]


def test_list_directory_and_recursive_with_filters(h: Any) -> None:
    _bucket(h)
    for name in ("raw/a.csv", "raw/b.json", "raw/2024/c.csv", "top.csv"):
        _upload(h, f"gs://zoomcamp-bucket/{name}")
    both = _ok(_run(h, gcs.List, {"from": "gs://zoomcamp-bucket/raw/"}))["blobs"]
    assert [(b["name"], b["isDirectory"]) for b in both] == [
        ("raw/2024/", True), ("raw/a.csv", False), ("raw/b.json", False)]
    files = _ok(_run(h, gcs.List, {"from": "gs://zoomcamp-bucket/raw/", "filter": "FILES"}))["blobs"]
    assert [b["name"] for b in files] == ["raw/a.csv", "raw/b.json"]
    assert files[0]["md5"] == _md5(DATA) and files[0]["size"] == len(DATA)
    assert files[0]["contentType"] == "text/csv"
    recursive = _ok(_run(h, gcs.List, {"from": "gs://zoomcamp-bucket/", "listingType": "RECURSIVE",
                                       "regExp": r".*\.csv"}))["blobs"]
    assert [b["uri"] for b in recursive] == ["gs://zoomcamp-bucket/raw/2024/c.csv",
                                             "gs://zoomcamp-bucket/raw/a.csv", "gs://zoomcamp-bucket/top.csv"]


def test_download_into_internal_storage(h: Any) -> None:
    _bucket(h)
    _upload(h, "gs://zoomcamp-bucket/dir/data.csv")
    out = _ok(_run(h, gcs.Download, {"from": "gs://zoomcamp-bucket/dir/data.csv"}))
    assert (out["bucket"], out["path"]) == ("zoomcamp-bucket", "dir/data.csv")
    assert out["uri"].startswith("kestra:///") and out["uri"].endswith("data.csv")
    with h.files.open(out["uri"]) as handle:
        assert handle.read() == DATA
    missing = _run(h, gcs.Download, {"from": "gs://zoomcamp-bucket/dir/none.csv"})
    assert missing.state is State.FAILED and "does not exist" in missing.error


def test_downloads_then_move(h: Any) -> None:
    _bucket(h)
    for name in ("in/a.csv", "in/b.csv"):
        _upload(h, f"gs://zoomcamp-bucket/{name}", name.encode())
    out = _ok(_run(h, gcs.Downloads, {"from": "gs://zoomcamp-bucket/in/", "action": "MOVE",
                                      "moveDirectory": "gs://zoomcamp-bucket/archive/"}))
    assert sorted(out["outputFiles"]) == ["in/a.csv", "in/b.csv"]
    with h.files.open(out["outputFiles"]["in/b.csv"]) as handle:
        assert handle.read() == b"in/b.csv"
    assert all(b["uri"].startswith("kestra:///") for b in out["blobs"])
    left = _ok(_run(h, gcs.List, {"from": "gs://zoomcamp-bucket/", "listingType": "RECURSIVE"}))["blobs"]
    assert [b["name"] for b in left] == ["archive/a.csv", "archive/b.csv"]


def test_copy_move_and_delete(h: Any) -> None:
    _bucket(h)
    _bucket(h, "zoomcamp-archive")
    _upload(h, "gs://zoomcamp-bucket/a.csv")
    copied = _ok(_run(h, gcs.Copy, {"from": "gs://zoomcamp-bucket/a.csv", "to": "gs://zoomcamp-archive/a.csv"}))
    assert copied == {"uri": "gs://zoomcamp-archive/a.csv"}
    same = _run(h, gcs.Copy, {"from": "gs://zoomcamp-bucket/a.csv", "to": "gs://zoomcamp-bucket/a.csv"})
    assert same.state is State.FAILED and "same path" in same.error
    _ok(_run(h, gcs.Copy, {"from": "gs://zoomcamp-bucket/a.csv", "to": "gs://zoomcamp-bucket/b.csv",
                           "delete": True}))
    assert not (h.gcs_root / "zoomcamp-bucket/a.csv").exists()
    assert _ok(_run(h, gcs.Delete, {"uri": "gs://zoomcamp-bucket/b.csv"})) == {
        "uri": "gs://zoomcamp-bucket/b.csv", "deleted": True}
    assert _ok(_run(h, gcs.Delete, {"uri": "gs://zoomcamp-bucket/b.csv"}))["deleted"] is False
    strict = _run(h, gcs.Delete, {"uri": "gs://zoomcamp-bucket/b.csv", "errorOnMissing": True})
    assert strict.state is State.FAILED and "Unable to find file" in strict.error


def test_delete_bucket(h: Any) -> None:
    _bucket(h)
    _upload(h, "gs://zoomcamp-bucket/a.csv")
    full = _run(h, gcs.DeleteBucket, {"name": "zoomcamp-bucket"})
    assert full.state is State.FAILED and "not empty" in full.error
    _ok(_run(h, gcs.Delete, {"uri": "gs://zoomcamp-bucket/a.csv"}))
    out = _ok(_run(h, gcs.DeleteBucket, {"name": "zoomcamp-bucket"}))
    assert out == {"bucket": "zoomcamp-bucket", "bucketUri": "gs://zoomcamp-bucket"}
    again = _run(h, gcs.DeleteBucket, {"name": "zoomcamp-bucket"})
    assert again.state is State.FAILED and "Couldn't find bucket 'zoomcamp-bucket'" in again.error


def test_spaces_in_names_show_as_plus_in_uris_as_kestra_does(h: Any) -> None:
    _bucket(h)
    out = _upload(h, "gs://zoomcamp-bucket/my+file.csv")
    assert out["uri"] == "gs://zoomcamp-bucket/my+file.csv"
    assert (h.gcs_root / "zoomcamp-bucket/my file.csv").is_file()


def test_malformed_service_account_fails_without_echo(h: Any) -> None:
    h.env["SECRET_BAD"] = base64.b64encode(b'{"private_key": "LEAKYVALUE-9000" oops').decode()
    result = h.run(h.task(gcs.CreateBucket, {"name": "zoomcamp-bucket",
                                             "serviceAccount": "{{ secret('BAD') }}"}))
    assert result.state is State.FAILED
    assert "`serviceAccount` is not valid JSON" in result.error
    assert "LEAKYVALUE" not in result.error + "\n".join(h.messages())
    assert not (h.gcs_root / "zoomcamp-bucket").exists()
