"""The local GCS stand-in (``lanner.tasks.gcp.localbucket``)."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

import google_crc32c
import pytest

from lanner.plugins.api import TaskFailure
from lanner.tasks.gcp.localbucket import (
    BucketExists,
    BucketNotFound,
    LocalBuckets,
    ObjectNotFound,
    checksums,
    local_root,
    parse_gs_uri,
)


@pytest.fixture
def buckets(tmp_path: Path) -> LocalBuckets:
    local = LocalBuckets(tmp_path / "gcs")
    local.create_bucket("data", location="EU", storageClass="REGIONAL")
    return local


def test_parse_gs_uri() -> None:
    assert parse_gs_uri("gs://bucket/a/b.csv") == ("bucket", "a/b.csv")
    assert parse_gs_uri("gs://bucket") == ("bucket", "")
    assert parse_gs_uri("gs://bucket/") == ("bucket", "")
    for bad in ("s3://bucket/x", "gs:///x", "bucket/x"):
        with pytest.raises(TaskFailure):
            parse_gs_uri(bad)


def test_checksums_are_base64_like_gcs(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"hello world")
    md5, crc32c = checksums(path)
    assert md5 == base64.b64encode(hashlib.md5(b"hello world").digest()).decode()
    assert crc32c == base64.b64encode(google_crc32c.Checksum(b"hello world").digest()).decode()
    assert crc32c == "yZRlqg=="  # GCS's own value for "hello world"
    path.write_bytes(b"hello, world")  # remembered only while the file is unchanged
    assert checksums(path)[0] == base64.b64encode(hashlib.md5(b"hello, world").digest()).decode()


def test_buckets_are_created_once_and_keep_their_settings(buckets: LocalBuckets) -> None:
    assert buckets.bucket_exists("data")
    info = buckets.bucket_info("data")
    assert info is not None
    assert (info["name"], info["location"], info["storageClass"]) == ("data", "EU", "REGIONAL")
    with pytest.raises(BucketExists):
        buckets.create_bucket("data")
    updated = buckets.update_bucket("data", labels={"team": "a"}, location=None)
    assert updated["labels"] == {"team": "a"} and updated["location"] == "EU"
    assert buckets.buckets() == ["data"]
    assert buckets.bucket_info("other") is None


@pytest.mark.parametrize("name", ["ab", "UPPER", "-dash", "a/b", "..x", ".buckets"])
def test_invalid_bucket_names_are_refused(buckets: LocalBuckets, name: str) -> None:
    with pytest.raises(TaskFailure, match="Invalid bucket name"):
        buckets.create_bucket(name)


def test_upload_open_list_copy_delete(buckets: LocalBuckets, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"a,b\n1,2\n")
    blob = buckets.upload("data", "raw/2024/in.csv", source)
    assert (blob.uri, blob.size, blob.checksums()) == ("gs://data/raw/2024/in.csv", 8, checksums(source))
    buckets.upload("data", "raw/top.csv", io.BytesIO(b"x"))
    buckets.upload("data", "other.txt", io.BytesIO(b"y"))
    with buckets.open("data", "raw/2024/in.csv") as handle:
        assert handle.read() == b"a,b\n1,2\n"
    assert [b.name for b in buckets.list("data")] == ["other.txt", "raw/2024/in.csv", "raw/top.csv"]
    assert [b.name for b in buckets.list("data", "raw/")] == ["raw/2024/in.csv", "raw/top.csv"]
    assert [b.name for b in buckets.list("data", glob="*.csv")] == ["raw/2024/in.csv", "raw/top.csv"]
    copied = buckets.copy("data", "raw/2024/in.csv", "data", "archive/in.csv")
    assert copied.checksums() == blob.checksums()
    assert buckets.delete("data", "raw/2024/in.csv") is True
    assert buckets.delete("data", "raw/2024/in.csv") is False
    assert not (buckets.root / "data" / "raw" / "2024").exists()  # empty directories go too
    with pytest.raises(ObjectNotFound):
        buckets.blob("data", "raw/2024/in.csv")


def test_upload_replaces_atomically_and_leaves_no_temporary_file(buckets: LocalBuckets) -> None:
    buckets.upload("data", "f.txt", io.BytesIO(b"old"))
    buckets.upload("data", "f.txt", io.BytesIO(b"new"))
    assert buckets.path("data", "f.txt").read_bytes() == b"new"
    assert sorted(p.name for p in (buckets.root / "data").iterdir()) == ["f.txt"]


def test_writing_to_a_missing_bucket_fails_clearly(buckets: LocalBuckets) -> None:
    with pytest.raises(BucketNotFound, match="gs://nope does not exist"):
        buckets.upload("nope", "f", io.BytesIO(b""))


@pytest.mark.parametrize("name", ["../escape", "a/../../b", "/abs", "dir/", ""])
def test_names_cannot_escape_the_bucket(buckets: LocalBuckets, name: str) -> None:
    with pytest.raises(TaskFailure, match="not supported"):
        buckets.path("data", name)


def test_delete_bucket_refuses_a_non_empty_bucket(buckets: LocalBuckets) -> None:
    buckets.upload("data", "f", io.BytesIO(b"x"))
    with pytest.raises(TaskFailure, match="not empty"):
        buckets.delete_bucket("data")
    buckets.delete_bucket("data", force=True)
    assert not buckets.bucket_exists("data")
    assert buckets.bucket_info("data") is None


def test_glob_uris_resolves_bigquery_wildcards(buckets: LocalBuckets) -> None:
    for name in ("trips/2019-01.csv", "trips/2019-02.csv", "trips/sub/2019-03.csv", "trips/readme.md",
                 "other/2019-01.csv"):
        buckets.upload("data", name, io.BytesIO(b"x"))
    names = [p.relative_to(buckets.root / "data").as_posix()
             for p in buckets.glob_uris("gs://data/trips/*.csv")]
    assert names == ["trips/2019-01.csv", "trips/2019-02.csv", "trips/sub/2019-03.csv"]
    assert buckets.glob_uris("gs://data/trips/2019-02.csv") == [buckets.path("data", "trips/2019-02.csv")]
    assert buckets.glob_uris("gs://data/trips/missing.csv") == []
    assert buckets.glob_uris("gs://missing-bucket/*.csv") == []
    assert len(buckets.glob_uris("gs://data/trips/2019-*")) == 2


class _Ctx:
    def __init__(self, config: dict[str, object]) -> None:
        self.config = config


def test_local_root_from_config_or_lanner_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert local_root(_Ctx({"gcp": {"local": {"storage-dir": str(tmp_path / "x")}}})) == tmp_path / "x"  # type: ignore[arg-type]
    monkeypatch.setenv("LANNER_HOME", str(tmp_path / "home"))
    assert local_root(_Ctx({})) == tmp_path / "home" / "gcp" / "storage"  # type: ignore[arg-type]
