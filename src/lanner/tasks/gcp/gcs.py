"""``io.kestra.plugin.gcp.gcs.*``: Google Cloud Storage tasks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import Field

from lanner.plugins.api import RunContext, TaskFailure

from ._base import GcpTask, IfExists, LocatedGcpTask
from .gcs_backend import GcsBackend, decode_name, gs_uri, open_gcs
from .localbucket import BucketExists, checksums, parse_gs_uri

ListingType = Literal["DIRECTORY", "RECURSIVE"]
StorageClass = Literal["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE", "REGIONAL", "MULTI_REGIONAL",
                       "DURABLE_REDUCED_AVAILABILITY"]


def _object(ctx: RunContext, task: GcpTask, value: Any, what: str) -> tuple[str, str]:
    """``(bucket, object name)`` of a rendered ``gs://`` property (Kestra reads '+' as a space)."""
    uri = task.rendered(ctx, value)
    if not uri:
        raise TaskFailure(f"`{what}` is required: a gs://bucket/path URI.")
    bucket, name = parse_gs_uri(uri)
    return bucket, decode_name(name)


def _file_name(name: str, default: str = "file") -> str:
    return PurePosixPath(name.rstrip("/")).name or default


def _fresh_dir(ctx: RunContext, index: int) -> Path:
    """A directory of the working dir per downloaded object, so equal base names never clash."""
    path = ctx.working_dir() / f"gcs-{index}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _list_blobs(ctx: RunContext, task: GcpTask, gcs: GcsBackend, source: Any, listing: str, reg_exp: Any,
                wanted: str, all_versions: Any, max_files: int | None,
                delimiter: str | None) -> list[dict[str, Any]]:
    """Kestra's ``AbstractList``: objects (and sub-directories when listing a DIRECTORY) under the
    prefix, filtered by kind and by ``regExp`` matched against the whole ``gs://`` URI."""
    bucket, prefix = _object(ctx, task, source, "from")
    recursive = str(ctx.render(listing)).upper() == "RECURSIVE"
    versions = ctx.render_bool(all_versions) if all_versions is not None else False
    blobs = gcs.list(bucket, prefix, None if recursive else (delimiter or "/"), versions)
    pattern = task.rendered(ctx, reg_exp)
    regex = re.compile(pattern) if pattern else None
    kept = []
    for blob in sorted(blobs, key=lambda b: str(b["name"])):
        directory = bool(blob.get("isDirectory"))
        if (wanted == "FILES" and directory) or (wanted == "DIRECTORY" and not directory):
            continue
        if regex is not None and not regex.fullmatch(str(blob["uri"])):
            continue
        kept.append(blob)
    if max_files is not None and len(kept) > max_files:
        ctx.logger.warn(f"Too many objects ({len(kept)}) under gs://{bucket}/{prefix}: keeping the "
                        f"first {max_files} (maxFiles).")
        kept = kept[:max_files]
    ctx.metric("size", len(kept))
    return kept


class Upload(GcpTask):
    """Upload a file of internal storage to `gs://bucket/path`. Outputs: `uri`, `md5`, `crc32c`."""

    kestra_type = "io.kestra.plugin.gcp.gcs.Upload"
    examples = (
        """\
id: gcs_upload
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.core.http.Download
    uri: https://example.com/data.csv
  - id: upload
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{ outputs.download.uri }}"
    to: gs://my-bucket/data.csv
""",
    )

    from_: str | list[str] = Field(alias="from", description="kestra:// URI(s) of the file(s) to upload.")
    to: str = Field(description="Destination `gs://bucket/path`.")
    contentType: str | None = None
    contentEncoding: str | None = None
    contentDisposition: str | None = None
    cacheControl: str | None = None
    validateChecksum: bool = True
    expectedMd5: str | None = None
    expectedCrc32c: str | None = None

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        # `from` is one URI, a list of URIs, or an expression giving a list ("{{ outputs.x.uris }}").
        rendered = ctx.render_typed(self.from_)
        many = isinstance(rendered, list)
        sources = [str(s).strip() for s in rendered] if many else [str(rendered or "").strip()]
        if not sources or not all(sources):
            raise TaskFailure("`from` is required: the kestra:// URI of the file to upload.")
        bucket, name = _object(ctx, self, self.to, "to")
        header_keys = ("contentType", "contentEncoding", "contentDisposition", "cacheControl")
        headers = {key: value for key in header_keys if (value := self.rendered(ctx, getattr(self, key)))}
        gcs = open_gcs(ctx, self)
        try:
            uploaded = []
            for index, source in enumerate(sources):
                target = "/".join(p for p in (name.strip("/"), _file_name(source)) if p) if many else name
                uploaded.append(self._upload_one(ctx, gcs, source, bucket, target, headers, index))
        finally:
            gcs.close()
        if many:
            return {"uris": [u["uri"] for u in uploaded], "files": uploaded}
        return uploaded[0]

    def _upload_one(self, ctx: RunContext, gcs: GcsBackend, source: str, bucket: str, name: str,
                    headers: Mapping[str, str], index: int) -> dict[str, Any]:
        local = _fresh_dir(ctx, index) / _file_name(source)
        ctx.storage.download(source, local)
        md5, crc32c = checksums(local)
        for label, expected, actual in (("MD5", self.rendered(ctx, self.expectedMd5), md5),
                                        ("CRC32C", self.rendered(ctx, self.expectedCrc32c), crc32c)):
            if expected and expected != actual:
                raise TaskFailure(f"{source}: expected {label} {expected} but the file has {actual}; "
                                  "nothing was uploaded.")
        ctx.logger.debug(f"Upload from '{source}' to '{gs_uri(bucket, name)}'")
        blob = gcs.upload(bucket, name, local, headers)
        if self.validateChecksum:
            remote = (blob.get("md5"), md5) if blob.get("md5") else (blob.get("crc32c"), crc32c)
            if remote[0] and remote[0] != remote[1]:
                raise TaskFailure(f"Checksum mismatch after uploading {gs_uri(bucket, name)}: GCS has "
                                  f"{remote[0]}, the file {remote[1]}.")
        size = local.stat().st_size
        ctx.metric("file.size", size)
        ctx.logger.info(f"Uploaded {size} bytes to {gs_uri(bucket, name)}")
        return {"uri": gs_uri(bucket, name), "md5": blob.get("md5") or md5,
                "crc32c": blob.get("crc32c") or crc32c}


class Download(GcpTask):
    """Download one `gs://` object into internal storage. Output: `uri`."""

    kestra_type = "io.kestra.plugin.gcp.gcs.Download"
    examples = (
        """\
id: gcs_download
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.gcp.gcs.Download
    from: gs://my-bucket/data.csv
""",
    )

    from_: str = Field(alias="from", description="The `gs://bucket/path` to download.")

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        bucket, name = _object(ctx, self, self.from_, "from")
        gcs = open_gcs(ctx, self)
        try:
            local = _fresh_dir(ctx, 0) / _file_name(name)
            gcs.download(bucket, name, local)
        finally:
            gcs.close()
        ctx.logger.debug(f"Download from '{gs_uri(bucket, name)}'")
        return {"bucket": bucket, "path": name, "uri": ctx.storage.put_file(local, local.name)}


class Downloads(GcpTask):
    """Download every object under a `gs://` prefix. Output: `blobs`, `outputFiles`."""

    kestra_type = "io.kestra.plugin.gcp.gcs.Downloads"
    examples = (
        """\
id: gcs_downloads
namespace: company.team

tasks:
  - id: downloads
    type: io.kestra.plugin.gcp.gcs.Downloads
    from: gs://my-bucket/exports/
    action: NONE
""",
    )

    from_: str = Field(alias="from", description="The `gs://bucket/prefix` to list.")
    action: Literal["MOVE", "DELETE", "NONE"] = Field(description="What to do with the objects afterwards.")
    moveDirectory: str | None = None
    delimiter: str | None = None
    allVersions: bool | None = None
    listingType: ListingType = "DIRECTORY"
    regExp: str | None = None
    maxFiles: int | None = None

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        if self.action == "MOVE" and not self.moveDirectory:
            raise TaskFailure("`moveDirectory` is required with action MOVE (a gs://bucket/path).")
        gcs = open_gcs(ctx, self)
        try:
            found = _list_blobs(ctx, self, gcs, self.from_, self.listingType, self.regExp, "FILES",
                                self.allVersions, self.maxFiles, self.delimiter)
            blobs, files = [], {}
            for index, blob in enumerate(found):
                local = _fresh_dir(ctx, index) / _file_name(blob["name"])
                gcs.download(blob["bucket"], blob["name"], local)
                uri = ctx.storage.put_file(local, local.name)
                blobs.append({**blob, "uri": uri})
                files[blob["name"]] = uri
            self._after(ctx, gcs, found)
        finally:
            gcs.close()
        ctx.logger.info(f"Downloaded {len(blobs)} object(s)")
        return {"blobs": blobs, "outputFiles": files}

    def _after(self, ctx: RunContext, gcs: GcsBackend, blobs: list[dict[str, Any]]) -> None:
        if self.action == "DELETE":
            for blob in blobs:
                gcs.delete(blob["bucket"], blob["name"])
        elif self.action == "MOVE":
            to_bucket, directory = _object(ctx, self, self.moveDirectory, "moveDirectory")
            for blob in blobs:
                target = "/".join(p for p in (directory.strip("/"), _file_name(blob["name"])) if p)
                gcs.copy(blob["bucket"], blob["name"], to_bucket, target)
                gcs.delete(blob["bucket"], blob["name"])


class Delete(GcpTask):
    """Delete one `gs://` object. Outputs: `uri`, `deleted`."""

    kestra_type = "io.kestra.plugin.gcp.gcs.Delete"
    examples = (
        """\
id: gcs_delete
namespace: company.team

tasks:
  - id: delete
    type: io.kestra.plugin.gcp.gcs.Delete
    uri: gs://my-bucket/data.csv
""",
    )

    uri: str = Field(description="The `gs://bucket/path` to delete.")
    errorOnMissing: bool = False

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        bucket, name = _object(ctx, self, self.uri, "uri")
        gcs = open_gcs(ctx, self)
        try:
            deleted = gcs.delete(bucket, name)
        finally:
            gcs.close()
        if self.errorOnMissing and not deleted:
            raise TaskFailure(f"Unable to find file '{gs_uri(bucket, name)}'")
        ctx.logger.debug(f"Delete '{gs_uri(bucket, name)}': {'deleted' if deleted else 'not found'}")
        return {"uri": gs_uri(bucket, name), "deleted": deleted}


class List(GcpTask):
    """List the objects under a `gs://` prefix. Output: `blobs`."""

    kestra_type = "io.kestra.plugin.gcp.gcs.List"
    examples = (
        """\
id: gcs_list
namespace: company.team

tasks:
  - id: list
    type: io.kestra.plugin.gcp.gcs.List
    from: gs://my-bucket/exports/
""",
    )

    from_: str = Field(alias="from", description="The `gs://bucket/prefix` to list.")
    delimiter: str | None = None
    allVersions: bool | None = None
    filter: Literal["FILES", "DIRECTORY", "BOTH"] = "BOTH"
    listingType: ListingType = "DIRECTORY"
    regExp: str | None = None
    maxFiles: int | None = None

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        gcs = open_gcs(ctx, self)
        try:
            blobs = _list_blobs(ctx, self, gcs, self.from_, self.listingType, self.regExp, self.filter,
                                self.allVersions, self.maxFiles, self.delimiter)
        finally:
            gcs.close()
        ctx.logger.debug(f"Found {len(blobs)} blob(s)")
        return {"blobs": blobs}


class Copy(GcpTask):
    """Copy (or move, with `delete`) an object between `gs://` paths. Output: `uri`."""

    kestra_type = "io.kestra.plugin.gcp.gcs.Copy"
    examples = (
        """\
id: gcs_copy
namespace: company.team

tasks:
  - id: copy
    type: io.kestra.plugin.gcp.gcs.Copy
    from: gs://my-bucket/a.csv
    to: gs://my-bucket/archive/a.csv
""",
    )

    from_: str = Field(alias="from")
    to: str
    delete: bool = False

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        bucket, name = _object(ctx, self, self.from_, "from")
        to_bucket, to_name = _object(ctx, self, self.to, "to")
        if (bucket, name) == (to_bucket, to_name):
            raise TaskFailure(f"Invalid copy to same path '{gs_uri(to_bucket, to_name)}'")
        gcs = open_gcs(ctx, self)
        try:
            blob = gcs.copy(bucket, name, to_bucket, to_name)
            if self.delete:
                gcs.delete(bucket, name)
        finally:
            gcs.close()
        ctx.metric("file.size", float(blob.get("size") or 0))
        verb = "Moved" if self.delete else "Copied"
        ctx.logger.info(f"{verb} {gs_uri(bucket, name)} to {gs_uri(to_bucket, to_name)}")
        return {"uri": gs_uri(to_bucket, to_name)}


class CreateBucket(LocatedGcpTask):
    """Create a bucket (`ifExists`: ERROR, UPDATE or SKIP). Outputs: `bucket` (name, uri, location...),
    `created`, `updated`."""

    kestra_type = "io.kestra.plugin.gcp.gcs.CreateBucket"
    examples = (
        """\
id: gcs_create_bucket
namespace: company.team

tasks:
  - id: bucket
    type: io.kestra.plugin.gcp.gcs.CreateBucket
    name: my-unique-bucket
    storageClass: REGIONAL
    ifExists: SKIP
""",
    )

    name: str = Field(description="Bucket name (globally unique).")
    storageClass: StorageClass | None = None
    requesterPays: bool | None = None
    versioningEnabled: bool | None = None
    indexPage: str | None = None
    notFoundPage: str | None = None
    labels: dict[str, str] | None = None
    defaultKmsKeyName: str | None = None
    defaultEventBasedHold: bool | None = None
    retentionPeriod: int | None = None
    iamConfiguration: dict[str, Any] | None = None
    logging: dict[str, Any] | None = None
    lifecycleRules: list[dict[str, Any]] | None = None
    cors: list[dict[str, Any]] | None = None
    acl: list[dict[str, Any]] | None = None
    defaultAcl: list[dict[str, Any]] | None = None
    ifExists: IfExists = "ERROR"

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        name = self.rendered(ctx, self.name)
        if not name:
            raise TaskFailure("`name` is required: the bucket name.")
        settings = self._settings(ctx)
        gcs = open_gcs(ctx, self)
        try:
            existing = gcs.bucket(name)
            if existing is None:
                try:
                    created = gcs.create_bucket(name, settings)
                except BucketExists:
                    if self.ifExists == "ERROR":
                        raise
                else:
                    ctx.logger.info(f"Created bucket gs://{name}")
                    return {"bucket": created, "created": True, "updated": False}
                existing = gcs.bucket(name) or {"name": name, "uri": f"gs://{name}"}
            if self.ifExists == "ERROR":
                raise TaskFailure(f"Bucket '{name}' already exists and ifExists is ERROR: set ifExists "
                                  "to SKIP (keep it) or UPDATE (apply these settings) to reuse it.")
            if self.ifExists == "UPDATE":
                ctx.logger.info(f"Bucket gs://{name} exists: updating it")
                return {"bucket": gcs.update_bucket(name, settings), "created": False, "updated": True}
            ctx.logger.info(f"Bucket gs://{name} already exists: skipped")
            return {"bucket": existing, "created": False, "updated": False}
        finally:
            gcs.close()

    def _settings(self, ctx: RunContext) -> dict[str, Any]:
        labels = {str(k): str(ctx.render(v)) for k, v in self.labels.items()} if self.labels else None
        values = {
            "location": self.rendered(ctx, self.location), "storageClass": self.storageClass,
            "labels": labels, "versioningEnabled": self.versioningEnabled,
            "requesterPays": self.requesterPays,
            "indexPage": self.indexPage, "notFoundPage": self.notFoundPage,
            "defaultKmsKeyName": self.defaultKmsKeyName, "defaultEventBasedHold": self.defaultEventBasedHold,
            "retentionPeriod": self.retentionPeriod, "iamConfiguration": self.iamConfiguration,
            "logging": self.logging, "lifecycleRules": self.lifecycleRules, "cors": self.cors,
            "acl": self.acl, "defaultAcl": self.defaultAcl,
        }
        return {k: v for k, v in values.items() if v is not None}


class DeleteBucket(GcpTask):
    """Delete a bucket. Output: `bucket`."""

    kestra_type = "io.kestra.plugin.gcp.gcs.DeleteBucket"
    examples = (
        """\
id: gcs_delete_bucket
namespace: company.team

tasks:
  - id: drop
    type: io.kestra.plugin.gcp.gcs.DeleteBucket
    name: my-unique-bucket
""",
    )

    name: str = Field(description="Bucket name.")

    def run(self, ctx: RunContext) -> Mapping[str, Any]:
        name = self.rendered(ctx, self.name)
        if not name:
            raise TaskFailure("`name` is required: the bucket name.")
        gcs = open_gcs(ctx, self)
        try:
            gcs.delete_bucket(name)
        finally:
            gcs.close()
        ctx.logger.info(f"Deleted bucket gs://{name}")
        return {"bucket": name, "bucketUri": f"gs://{name}"}
