"""``io.kestra.plugin.gcp.gcs.*``: Google Cloud Storage tasks."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import GcpTask, IfExists, LocatedGcpTask

ListingType = Literal["DIRECTORY", "RECURSIVE"]
StorageClass = Literal["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE", "REGIONAL", "MULTI_REGIONAL",
                       "DURABLE_REDUCED_AVAILABILITY"]


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


class CreateBucket(LocatedGcpTask):
    """Create a bucket (`ifExists`: ERROR, UPDATE or SKIP). Outputs: `bucket`, `bucketUri`, `created`,
    `updated`."""

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
