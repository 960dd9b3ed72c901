"""Where the GCS tasks read and write: the local bucket directory or a GCS JSON API server.

``open_gcs(ctx, task)`` chooses, once per task run:
- ``STORAGE_EMULATOR_HOST`` set (any mode): that emulator, through google-cloud-storage with
  anonymous credentials (the key, if any, is still checked and masked);
- local mode: ``LocalGcs`` on the local bucket directory (see ``localbucket``);
- cloud mode: Google Cloud Storage with the task's credentials.
Both backends return Kestra's output shapes (``Blob`` and ``Bucket`` maps) so tasks stay small.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lanner.plugins.api import RunContext, TaskFailure

from .auth import gcp_mode, local_notice, parse_service_account
from .localbucket import BucketExists, LocalBlob, LocalBuckets, local_root

if TYPE_CHECKING:
    import google.cloud.storage as storage

    from ._base import GcpTask

# Kestra's URIs show spaces of object names as '+' (and read '+' back as a space).
def encode_name(name: str) -> str:
    return name.replace(" ", "+")


def decode_name(name: str) -> str:
    return name.replace("+", " ")


def gs_uri(bucket: str, name: str) -> str:
    return f"gs://{bucket}/{encode_name(name)}"


def guess_content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def _compact(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def directory_blob(bucket: str, prefix: str) -> dict[str, Any]:
    return {"uri": gs_uri(bucket, prefix), "bucket": bucket, "name": prefix, "isDirectory": True}


class GcsBackend(Protocol):
    def bucket(self, name: str) -> dict[str, Any] | None:
        """Kestra's ``Bucket`` map (name, uri, location, ...) or None if missing."""
        ...

    def create_bucket(self, name: str, settings: Mapping[str, Any]) -> dict[str, Any]: ...

    def update_bucket(self, name: str, settings: Mapping[str, Any]) -> dict[str, Any]: ...

    def delete_bucket(self, name: str) -> None: ...

    def upload(self, bucket: str, name: str, path: Path, headers: Mapping[str, str]) -> dict[str, Any]: ...

    def download(self, bucket: str, name: str, dest: Path) -> None: ...

    def list(self, bucket: str, prefix: str, delimiter: str | None,
             all_versions: bool) -> list[dict[str, Any]]:
        """Objects under ``prefix`` (Blob maps); with a delimiter, the sub-"directories" too
        (``isDirectory: true``), like the JSON API's ``prefixes``."""
        ...

    def delete(self, bucket: str, name: str) -> bool: ...

    def copy(self, bucket: str, name: str, to_bucket: str, to_name: str) -> dict[str, Any]: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------------------------------------
# Local mode


class LocalGcs:
    def __init__(self, buckets: LocalBuckets) -> None:
        self.buckets = buckets

    def bucket(self, name: str) -> dict[str, Any] | None:
        info = self.buckets.bucket_info(name)
        return _local_bucket(info) if info is not None else None

    def create_bucket(self, name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        return _local_bucket(self.buckets.create_bucket(name, **settings))

    def update_bucket(self, name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        return _local_bucket(self.buckets.update_bucket(name, **settings))

    def delete_bucket(self, name: str) -> None:
        if not self.buckets.bucket_exists(name):
            raise TaskFailure(f"Couldn't find bucket '{name}'")
        self.buckets.delete_bucket(name)

    def upload(self, bucket: str, name: str, path: Path, headers: Mapping[str, str]) -> dict[str, Any]:
        blob = self.buckets.upload(bucket, name, path)
        return _local_blob(blob, headers)

    def download(self, bucket: str, name: str, dest: Path) -> None:
        with self.buckets.open(bucket, name) as source, dest.open("wb") as out:
            while chunk := source.read(1024 * 1024):
                out.write(chunk)

    def list(self, bucket: str, prefix: str, delimiter: str | None,
             all_versions: bool) -> list[dict[str, Any]]:
        blobs = self.buckets.list(bucket, prefix)
        if not delimiter:
            return [_local_blob(b) for b in blobs]
        files: list[dict[str, Any]] = []
        directories: dict[str, dict[str, Any]] = {}
        for blob in blobs:
            rest = blob.name[len(prefix):]
            if delimiter in rest:
                sub = prefix + rest.split(delimiter, 1)[0] + delimiter
                directories.setdefault(sub, directory_blob(bucket, sub))
            else:
                files.append(_local_blob(blob))
        return files + list(directories.values())

    def delete(self, bucket: str, name: str) -> bool:
        if not self.buckets.bucket_exists(bucket):
            return False
        return self.buckets.delete(bucket, name)

    def copy(self, bucket: str, name: str, to_bucket: str, to_name: str) -> dict[str, Any]:
        return _local_blob(self.buckets.copy(bucket, name, to_bucket, to_name))

    def close(self) -> None:
        pass


def _local_bucket(info: Mapping[str, Any]) -> dict[str, Any]:
    name = str(info["name"])
    return _compact({"name": name, "uri": f"gs://{name}", "location": info.get("location"),
                     "indexPage": info.get("indexPage"), "notFoundPage": info.get("notFoundPage"),
                     "storageClass": info.get("storageClass"), "labels": info.get("labels"),
                     "versioningEnabled": info.get("versioningEnabled")})


def _local_blob(blob: LocalBlob, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    headers = headers or {}
    md5, crc32c = blob.checksums()
    return _compact({
        "uri": gs_uri(blob.bucket, blob.name), "bucket": blob.bucket, "name": blob.name,
        "size": blob.size, "md5": md5, "crc32c": crc32c,
        "contentType": headers.get("contentType") or guess_content_type(blob.name),
        "contentEncoding": headers.get("contentEncoding"),
        "contentDisposition": headers.get("contentDisposition"),
        "cacheControl": headers.get("cacheControl"),
        "createTime": _iso(blob.updated), "updateTime": _iso(blob.updated), "isDirectory": False,
    })


# ---------------------------------------------------------------------------------------------
# Google Cloud Storage (or an emulator of its JSON API)


@contextmanager
def gcs_errors(action: str) -> Iterator[None]:
    """Turn client errors into one clear line (never a key: the library does not echo it)."""
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth

    try:
        yield
    except TaskFailure:
        raise
    except api.GoogleAPICallError as exc:
        raise TaskFailure(f"GCS {action} failed: {exc.code} {exc.message}") from None
    except auth.RefreshError as exc:
        reason = exc.args[0] if exc.args else exc
        raise TaskFailure(f"GCS {action} failed: Google refused the credentials ({reason}). Check the "
                          "service-account key and its roles.") from None
    except auth.GoogleAuthError as exc:
        raise TaskFailure(f"GCS {action} failed: authentication error ({type(exc).__name__}).") from None


class CloudGcs:
    def __init__(self, client: storage.Client) -> None:
        self.client = client

    def bucket(self, name: str) -> dict[str, Any] | None:
        with gcs_errors(f"reading bucket {name}"):
            found = self.client.lookup_bucket(name)
        return _cloud_bucket(found) if found is not None else None

    def create_bucket(self, name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        from google.api_core.exceptions import Conflict

        if not self.client.project:
            raise TaskFailure("Creating a bucket needs a project: set `projectId` (or use a "
                              "service-account key that has `project_id`).")
        bucket = self.client.bucket(name)
        _apply_bucket_settings(bucket, settings)
        with gcs_errors(f"creating bucket {name}"):
            try:
                created = self.client.create_bucket(bucket, location=settings.get("location"))
            except Conflict:
                raise BucketExists(f"Bucket {name} already exists (bucket names are global).") from None
            _apply_acls(created, settings)
        return _cloud_bucket(created)

    def update_bucket(self, name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        with gcs_errors(f"updating bucket {name}"):
            bucket = self.client.get_bucket(name)
            _apply_bucket_settings(bucket, settings)
            bucket.patch()
            _apply_acls(bucket, settings)
        return _cloud_bucket(bucket)

    def delete_bucket(self, name: str) -> None:
        from google.api_core.exceptions import Conflict, NotFound

        with gcs_errors(f"deleting bucket {name}"):
            try:
                self.client.bucket(name).delete()
            except NotFound:
                raise TaskFailure(f"Couldn't find bucket '{name}'") from None
            except Conflict:
                raise TaskFailure(f"Bucket gs://{name} is not empty: delete its objects first.") from None

    def upload(self, bucket: str, name: str, path: Path, headers: Mapping[str, str]) -> dict[str, Any]:
        blob = self.client.bucket(bucket).blob(name)
        blob.cache_control = headers.get("cacheControl")
        blob.content_encoding = headers.get("contentEncoding")
        blob.content_disposition = headers.get("contentDisposition")
        with gcs_errors(f"uploading to {gs_uri(bucket, name)}"):
            blob.upload_from_filename(str(path), content_type=headers.get("contentType")
                                      or guess_content_type(name))
        return _cloud_blob(blob)

    def download(self, bucket: str, name: str, dest: Path) -> None:
        from google.api_core.exceptions import NotFound

        with gcs_errors(f"downloading {gs_uri(bucket, name)}"):
            try:
                self.client.bucket(bucket).blob(name).download_to_filename(str(dest))
            except NotFound:
                dest.unlink(missing_ok=True)
                raise TaskFailure(f"Unable to find blob on bucket '{bucket}' with path '{name}'") from None

    def list(self, bucket: str, prefix: str, delimiter: str | None,
             all_versions: bool) -> list[dict[str, Any]]:
        with gcs_errors(f"listing gs://{bucket}/{prefix}"):
            pages = self.client.list_blobs(bucket, prefix=prefix or None, delimiter=delimiter,
                                           versions=all_versions or None)
            blobs = [_cloud_blob(b) for b in pages]
            prefixes = sorted(getattr(pages, "prefixes", ()) or ())
        return blobs + [directory_blob(bucket, p) for p in prefixes]

    def delete(self, bucket: str, name: str) -> bool:
        from google.api_core.exceptions import NotFound

        with gcs_errors(f"deleting {gs_uri(bucket, name)}"):
            try:
                self.client.bucket(bucket).blob(name).delete()
            except NotFound:
                return False
        return True

    def copy(self, bucket: str, name: str, to_bucket: str, to_name: str) -> dict[str, Any]:
        from google.api_core.exceptions import NotFound

        source = self.client.bucket(bucket)
        with gcs_errors(f"copying {gs_uri(bucket, name)}"):
            try:
                copied = source.copy_blob(source.blob(name), self.client.bucket(to_bucket), to_name)
            except NotFound:
                raise TaskFailure(f"Object {gs_uri(bucket, name)} (or bucket gs://{to_bucket}) "
                                  "does not exist.") from None
        return _cloud_blob(copied)

    def close(self) -> None:
        self.client.close()


def _apply_bucket_settings(bucket: Any, settings: Mapping[str, Any]) -> None:
    """Map Kestra's bucket properties onto google-cloud-storage's Bucket (None = untouched)."""
    simple = {"storageClass": "storage_class", "labels": "labels",
              "versioningEnabled": "versioning_enabled", "requesterPays": "requester_pays",
              "retentionPeriod": "retention_period", "defaultKmsKeyName": "default_kms_key_name",
              "defaultEventBasedHold": "default_event_based_hold"}
    for key, attribute in simple.items():
        if settings.get(key) is not None:
            setattr(bucket, attribute, settings[key])
    if settings.get("indexPage") is not None or settings.get("notFoundPage") is not None:
        bucket.configure_website(settings.get("indexPage"), settings.get("notFoundPage"))
    if settings.get("cors") is not None:
        bucket.cors = [_compact({"origin": c.get("origins"), "method": c.get("methods"),
                                 "responseHeader": c.get("responseHeaders"),
                                 "maxAgeSeconds": c.get("maxAgeSeconds")}) for c in settings["cors"]]
    if settings.get("lifecycleRules") is not None:
        bucket.lifecycle_rules = [_lifecycle_rule(rule) for rule in settings["lifecycleRules"]]
    iam = settings.get("iamConfiguration")
    if iam:
        config = bucket.iam_configuration
        if iam.get("uniformBucketLevelAccessEnabled") is not None:
            config.uniform_bucket_level_access_enabled = iam["uniformBucketLevelAccessEnabled"]
        if iam.get("publicAccessPrevention") is not None:
            config.public_access_prevention = str(iam["publicAccessPrevention"]).lower()
    logging = settings.get("logging")
    if logging and logging.get("logBucket"):
        bucket.enable_logging(logging["logBucket"], logging.get("logObjectPrefix"))


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """Kestra's ``{condition: {type: AGE, value: 30}, action: {type: DELETE|SET_STORAGE_CLASS,
    value}}`` as the JSON API's rule."""
    condition, action = rule.get("condition") or {}, rule.get("action") or {}
    if str(condition.get("type", "AGE")).upper() != "AGE":
        raise TaskFailure("lifecycleRules: only the AGE condition is supported (as in Kestra).")
    kind = str(action.get("type", "DELETE")).upper()
    json_action: dict[str, Any] = {"type": "Delete"}
    if kind == "SET_STORAGE_CLASS":
        json_action = {"type": "SetStorageClass", "storageClass": action.get("value")}
    elif kind != "DELETE":
        raise TaskFailure("lifecycleRules: the action must be DELETE or SET_STORAGE_CLASS.")
    return {"action": json_action, "condition": {"age": int(condition.get("value", 0))}}


def _apply_acls(bucket: Any, settings: Mapping[str, Any]) -> None:
    for key, acl in (("acl", "acl"), ("defaultAcl", "default_object_acl")):
        entries = settings.get(key)
        if not entries:
            continue
        target = getattr(bucket, acl)
        target.reload()
        for entry in entries:
            entity = entry.get("entity") or {}
            kind, value = str(entity.get("type", "USER")).lower(), entity.get("value")
            target.entity(kind, value).grant(str(entry.get("role", "READER")).upper())
        target.save()


def _cloud_bucket(bucket: Any) -> dict[str, Any]:
    return _compact({"name": bucket.name, "uri": f"gs://{bucket.name}", "location": bucket.location,
                     "indexPage": bucket._properties.get("website", {}).get("mainPageSuffix"),
                     "notFoundPage": bucket._properties.get("website", {}).get("notFoundPage"),
                     "storageClass": bucket.storage_class, "labels": bucket.labels or None,
                     "versioningEnabled": bucket.versioning_enabled})


def _cloud_blob(blob: Any) -> dict[str, Any]:
    return _compact({
        "uri": gs_uri(blob.bucket.name, blob.name), "bucket": blob.bucket.name, "name": blob.name,
        "generatedId": blob.id, "selfLink": blob.self_link, "size": blob.size, "etag": blob.etag,
        "md5": blob.md5_hash, "crc32c": blob.crc32c, "mediaLink": blob.media_link,
        "metadata": blob.metadata, "metaGeneration": blob.metageneration, "generation": blob.generation,
        "contentType": blob.content_type, "contentEncoding": blob.content_encoding,
        "contentDisposition": blob.content_disposition, "contentLanguage": blob.content_language,
        "cacheControl": blob.cache_control, "storageClass": blob.storage_class,
        "componentCount": blob.component_count, "kmsKeyName": blob.kms_key_name,
        "createTime": _iso(blob.time_created), "updateTime": _iso(blob.updated),
        "isDirectory": blob.name.endswith("/"),
    })


# ---------------------------------------------------------------------------------------------


def open_gcs(ctx: RunContext, task: GcpTask) -> GcsBackend:
    """The backend for this task run, after the one local-mode line when local."""
    emulator = os.environ.get("STORAGE_EMULATOR_HOST")
    mode = gcp_mode(ctx)
    if emulator:
        import google.cloud.storage as storage
        from google.auth.credentials import AnonymousCredentials

        text = task.rendered(ctx, task.serviceAccount)
        info = parse_service_account(ctx, text) if text else {}
        project = task.rendered(ctx, task.projectId) or info.get("project_id")
        if mode == "local":
            local_notice(ctx, "GCS", f"the storage emulator at {emulator}")
        else:
            ctx.logger.info(f"GCS goes to the storage emulator at {emulator} (STORAGE_EMULATOR_HOST)")
        anonymous: Any = AnonymousCredentials  # untyped
        return CloudGcs(storage.Client(project=project, credentials=anonymous()))
    if mode == "local":
        task.google_credentials(ctx)  # checks and masks the key, as in cloud mode
        root = local_root(ctx)
        local_notice(ctx, "GCS", f"the local bucket directory {root}")
        return LocalGcs(LocalBuckets(root))
    import google.cloud.storage as storage

    creds, project = task.google_credentials(ctx)
    # Without any project the client would look one up (network); "<none>" is its own placeholder.
    client = storage.Client(project=project or "<none>", credentials=creds)
    if not project:
        client.project = None
    return CloudGcs(client)
