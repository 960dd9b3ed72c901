"""The local stand-in for Google Cloud Storage used in GCP local mode.

A bucket is a directory ``<root>/<bucket>/`` and an object a file at ``<root>/<bucket>/<name>``
(``/`` in names become sub-directories), so the files can be inspected by hand. Bucket settings
(location, storage class, labels...) live beside them in ``<root>/.buckets/<bucket>.json``.
The root is ``gcp.local.storage-dir`` of the configuration, else ``$LANNER_HOME/gcp/storage``.

Checksums are those GCS reports: base64 of the MD5 digest and of the big-endian CRC32C.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, BinaryIO

from lanner.plugins.api import RunContext, TaskFailure

from .._config import config_value, lanner_home

_META_DIR = ".buckets"
# GCS naming rules (simplified): 3-63 characters of lowercase letters, digits, - _ and .,
# starting and ending with a letter or digit.
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")
_CHUNK = 1024 * 1024


class BucketNotFound(TaskFailure):
    pass


class BucketExists(TaskFailure):
    pass


class ObjectNotFound(TaskFailure):
    pass


def local_root(ctx: RunContext) -> Path:
    """Where the local buckets live for this configuration."""
    configured = config_value(ctx.config or {}, "gcp", "local", "storage-dir")
    if configured:
        return Path(str(configured)).expanduser()
    return lanner_home(ctx.config) / "gcp" / "storage"


def local_buckets(ctx: RunContext) -> LocalBuckets:
    return LocalBuckets(local_root(ctx))


def parse_gs_uri(uri: str) -> tuple[str, str]:
    """``gs://bucket/path/to/file`` -> ``("bucket", "path/to/file")`` (name may be empty)."""
    text = str(uri).strip()
    if not text.startswith("gs://"):
        raise TaskFailure(f"Expected a gs://bucket/path URI, got {text!r}.")
    bucket, _, name = text[len("gs://"):].partition("/")
    if not bucket:
        raise TaskFailure(f"No bucket in {text!r}: expected gs://bucket/path.")
    return bucket, name


# (path, size, mtime_ns) -> (md5, crc32c): listing a bucket, or uploading, reads a file once.
_CHECKSUMS: dict[tuple[str, int, int], tuple[str, str]] = {}
_CHECKSUMS_KEPT = 4096


def _checksum_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns


def checksums(path: Path) -> tuple[str, str]:
    """``(md5, crc32c)`` of a file, base64 as GCS reports them, in one read (remembered until
    the file changes)."""
    key = _checksum_key(path)
    known = _CHECKSUMS.get(key)
    if known is None:
        known = _compute_checksums(path)
        _remember(key, known)
    return known


def _remember(key: tuple[str, int, int], sums: tuple[str, str]) -> None:
    if len(_CHECKSUMS) >= _CHECKSUMS_KEPT:
        _CHECKSUMS.clear()  # rare, and cheap to refill: no eviction order to maintain
    _CHECKSUMS[key] = sums


def _compute_checksums(path: Path) -> tuple[str, str]:
    import google_crc32c

    md5 = hashlib.md5(usedforsecurity=False)
    checksum: Any = google_crc32c.Checksum  # untyped library
    crc = checksum()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            md5.update(chunk)
            crc.update(chunk)
    return base64.b64encode(md5.digest()).decode(), base64.b64encode(crc.digest()).decode()


@dataclass(frozen=True)
class LocalBlob:
    bucket: str
    name: str
    path: Path
    size: int
    updated: datetime

    @property
    def uri(self) -> str:
        return f"gs://{self.bucket}/{self.name}"

    def checksums(self) -> tuple[str, str]:
        """``(md5, crc32c)`` in one read of the file."""
        return checksums(self.path)


class LocalBuckets:
    """Buckets and objects under one root directory (created on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # --- buckets -----------------------------------------------------------------------------

    def _bucket_dir(self, bucket: str) -> Path:
        if not _BUCKET_NAME.match(bucket) or ".." in bucket:
            raise TaskFailure(f"Invalid bucket name {bucket!r}: 3-63 characters of lowercase letters, "
                              "digits, '-', '_' and '.', starting and ending with a letter or digit.")
        return self.root / bucket

    def _meta_path(self, bucket: str) -> Path:
        return self.root / _META_DIR / f"{bucket}.json"

    def bucket_exists(self, bucket: str) -> bool:
        return self._bucket_dir(bucket).is_dir()

    def _require_bucket(self, bucket: str) -> Path:
        path = self._bucket_dir(bucket)
        if not path.is_dir():
            raise BucketNotFound(f"Bucket gs://{bucket} does not exist (local bucket directory "
                                 f"{path}). Create it first, e.g. with gcp.gcs.CreateBucket.")
        return path

    def bucket_info(self, bucket: str) -> dict[str, Any] | None:
        """The bucket's settings (``name``, ``location``, ``storageClass``, ``labels``,
        ``versioningEnabled``, ``created``, ``updated``...), or None if it does not exist."""
        if not self.bucket_exists(bucket):
            return None
        meta = self._meta_path(bucket)
        info: dict[str, Any] = json.loads(meta.read_text("utf-8")) if meta.is_file() else {}
        info.setdefault("name", bucket)
        return info

    def create_bucket(self, bucket: str, **settings: Any) -> dict[str, Any]:
        """Create a bucket with ``settings`` (None values dropped); BucketExists if it exists."""
        path = self._bucket_dir(bucket)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir()
        except FileExistsError:
            raise BucketExists(f"Bucket gs://{bucket} already exists.") from None
        now = datetime.now(UTC).isoformat()
        info = {"name": bucket, **{k: v for k, v in settings.items() if v is not None},
                "created": now, "updated": now}
        self._write_meta(bucket, info)
        return info

    def update_bucket(self, bucket: str, **settings: Any) -> dict[str, Any]:
        info = self.bucket_info(bucket)
        if info is None:
            raise BucketNotFound(f"Bucket gs://{bucket} does not exist.")
        info.update({k: v for k, v in settings.items() if v is not None})
        info["updated"] = datetime.now(UTC).isoformat()
        self._write_meta(bucket, info)
        return info

    def _write_meta(self, bucket: str, info: Mapping[str, Any]) -> None:
        meta = self._meta_path(bucket)
        meta.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(meta, json.dumps(info, indent=2, sort_keys=True).encode())

    def delete_bucket(self, bucket: str, force: bool = False) -> None:
        """Delete an empty bucket (as GCS does); ``force`` deletes its objects too."""
        path = self._require_bucket(bucket)
        if not force and any(self._walk(bucket, path)):
            raise TaskFailure(f"Bucket gs://{bucket} is not empty: delete its objects first.")
        shutil.rmtree(path)
        self._meta_path(bucket).unlink(missing_ok=True)

    def buckets(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name != _META_DIR)

    # --- objects -----------------------------------------------------------------------------

    def path(self, bucket: str, name: str) -> Path:
        """Where object ``name`` lives (whether or not it exists); refuses escaping names."""
        parts = name.split("/")
        if not name or name.endswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in name:
            raise TaskFailure(f"Object name {name!r} is not supported by the local buckets: use "
                              "non-empty path segments without '.', '..' or a trailing '/'.")
        return self._bucket_dir(bucket).joinpath(*parts)

    def exists(self, bucket: str, name: str) -> bool:
        return self.path(bucket, name).is_file()

    def blob(self, bucket: str, name: str) -> LocalBlob:
        path = self.path(bucket, name)
        if not path.is_file():
            self._require_bucket(bucket)
            raise ObjectNotFound(f"Object gs://{bucket}/{name} does not exist.")
        return _blob(bucket, name, path)

    def upload(self, bucket: str, name: str, source: Path | BinaryIO) -> LocalBlob:
        """Write an object atomically (readers see the old or the new file, never half)."""
        self._require_bucket(bucket)
        target = self.path(bucket, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, Path | str):
                    with open(source, "rb") as src:
                        shutil.copyfileobj(src, out, _CHUNK)
                else:
                    shutil.copyfileobj(source, out, _CHUNK)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if isinstance(source, Path | str):
            known = _CHECKSUMS.get(_checksum_key(Path(source)))
            if known is not None:  # the copy has the same bytes: no need to read it again
                _remember(_checksum_key(target), known)
        return _blob(bucket, name, target)

    def open(self, bucket: str, name: str) -> BinaryIO:
        return self.blob(bucket, name).path.open("rb")

    def delete(self, bucket: str, name: str) -> bool:
        """Delete an object; False if it did not exist. Empty parent directories go too."""
        self._require_bucket(bucket)
        path = self.path(bucket, name)
        if not path.is_file():
            return False
        path.unlink()
        top = self._bucket_dir(bucket)
        parent = path.parent
        while parent != top and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
        return True

    def copy(self, src_bucket: str, src_name: str, dst_bucket: str, dst_name: str) -> LocalBlob:
        with self.open(src_bucket, src_name) as source:
            return self.upload(dst_bucket, dst_name, source)

    def list(self, bucket: str, prefix: str = "", glob: str | None = None) -> list[LocalBlob]:
        """Every object whose name starts with ``prefix`` (recursively), sorted by name;
        ``glob`` (fnmatch, ``*`` crossing ``/``) further filters the names."""
        top = self._require_bucket(bucket)
        blobs = [b for b in self._walk(bucket, top) if b.name.startswith(prefix)]
        if glob is not None:
            blobs = [b for b in blobs if fnmatchcase(b.name, glob)]
        return sorted(blobs, key=lambda b: b.name)

    def _walk(self, bucket: str, top: Path) -> Iterator[LocalBlob]:
        for dirpath, _dirs, files in os.walk(top):
            for file in files:
                if file.startswith(".upload-"):
                    continue  # an upload in progress
                path = Path(dirpath) / file
                yield _blob(bucket, path.relative_to(top).as_posix(), path)

    def glob_uris(self, pattern_uri: str) -> builtins.list[Path]:
        """Local files of a BigQuery-style source URI: ``gs://bucket/path/*.csv`` (``*`` matches
        any characters, ``/`` included, as in BigQuery); a URI without ``*`` gives its file if it
        exists. Sorted by object name; a missing bucket gives no file."""
        bucket, name = parse_gs_uri(pattern_uri)
        if not self.bucket_exists(bucket):
            return []
        if "*" not in name:
            path = self.path(bucket, name)
            return [path] if path.is_file() else []
        prefix = name.split("*", 1)[0]
        regex = re.compile("".join(".*" if part == "*" else re.escape(part)
                                   for part in re.split(r"(\*)", name)) + r"\Z", re.DOTALL)
        return [b.path for b in self.list(bucket, prefix) if regex.match(b.name)]


def _blob(bucket: str, name: str, path: Path) -> LocalBlob:
    stat = path.stat()
    return LocalBlob(bucket, name, path, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
