"""Internal storage in a Google Cloud Storage bucket: ``kestra:///a/b/c`` -> object
``[<prefix>/]main/a/b/c``.

Object names are the local backend's paths below its base dir (tenant folder ``main``), so a
storage folder copied with ``gcloud storage cp -r <base-path>/main gs://<bucket>/<prefix>/``
reads the same. Every process that points at the bucket sees the same files: no shared disk.

GCS makes an object visible only when its upload completes, so readers never see half a file
(the local backend's temp-file-and-rename, for free). Data is streamed: files up to one chunk go
in one request, bigger ones through a resumable upload one chunk at a time, and reads fetch one
chunk-sized range at a time, so memory stays about one chunk per open file whatever its size.

google-cloud-storage is imported and the client built on first use: commands that never touch
storage (``lanner validate``) do not pay for it, and a bad key fails the first storage call
with a clear message rather than the start-up of every command.
"""

from __future__ import annotations

import io
import shutil
import threading
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from lanner.errors import NotFoundError
from lanner.files.gcs_errors import GcsStorageError, translated, where
from lanner.files.uris import InvalidStorageURIError, parse, to_uri

if TYPE_CHECKING:
    from google.cloud.storage import Blob, Bucket, Client

# A multiple of 256 KiB (GCS's resumable chunk unit) and GCS's own multipart limit: files up to
# this size are one request; it is also the memory held per upload and per open reader.
CHUNK = 8 * 1024 * 1024


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes; fewer only at the end (a raw stream may return short reads)."""
    parts: list[bytes] = []
    missing = size
    while missing > 0:
        part = stream.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def _prefix_parts(prefix: str) -> tuple[str, ...]:
    parts = tuple(p for p in prefix.strip().split("/") if p)
    if any(p in (".", "..") for p in parts):
        raise GcsStorageError(f"storage.gcs.prefix '{prefix}' must not contain '.' or '..' segments")
    return parts


class GcsFileStorage:
    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        project_id: str | None = None,
        service_account: str | None = None,
        endpoint: str | None = None,
        tenant: str = "main",
        client: Client | None = None,
        timeout: float = 60.0,
    ) -> None:
        """``endpoint``: a GCS emulator's URL (STORAGE_EMULATOR_HOST): no credentials are used.
        ``client``: an already built client (tests); else one is built on first use."""
        self.bucket_name = bucket
        self.root = (*_prefix_parts(prefix), tenant)
        self._project_id = project_id
        self._service_account = service_account
        self._endpoint = endpoint
        self._client = client
        self._timeout = timeout
        self._call_options: dict[str, Any] | None = None
        self._bucket: Bucket | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the key
        return f"GcsFileStorage({where(self.bucket_name, '/'.join(self.root))})"

    # -- client --------------------------------------------------------------------------------
    def _make_client(self) -> Client:
        from google.cloud import storage

        if self._endpoint:
            from google.auth.credentials import AnonymousCredentials

            anonymous: Any = AnonymousCredentials  # untyped
            return storage.Client(project=self._project_id or "lanner", credentials=anonymous(),
                                  client_options={"api_endpoint": self._endpoint})
        from lanner.files.gcs_credentials import load_credentials

        with translated(self.bucket_name):
            credentials, key_project = load_credentials(self._service_account)
        project = self._project_id or key_project
        # Without a project the client would look one up over the network; objects need none.
        client = storage.Client(project=project or "<none>", credentials=credentials)
        if not project:
            client.project = None
        return client

    def _get_bucket(self) -> Bucket:
        with self._lock:
            if self._bucket is None:
                client = self._client or self._make_client()
                self._client = client
                self._bucket = client.bucket(self.bucket_name)
            return self._bucket

    def _calls(self) -> dict[str, Any]:
        """``retry``/``timeout`` for every call: Google's default retries a dead endpoint for two
        minutes before saying so; a storage call here gives up after ``storage.gcs.timeout``."""
        if self._call_options is None:
            from google.cloud.storage.retry import DEFAULT_RETRY

            self._call_options = {"retry": DEFAULT_RETRY.with_timeout(self._timeout),
                                  "timeout": min(self._timeout, 60.0)}
        return self._call_options

    # -- names ---------------------------------------------------------------------------------
    def _segments(self, uri: str, *, file: bool) -> tuple[str, ...]:
        segments = parse(uri)
        if file and not segments:
            raise InvalidStorageURIError(f"Invalid internal storage URI '{uri}': it names no file")
        return segments

    def object_name(self, uri: str) -> str:
        """The object a file URI is stored in (``kestra:///a/b`` -> ``main/a/b``)."""
        return "/".join((*self.root, *self._segments(uri, file=True)))

    def _blob(self, name: str) -> Blob:
        return self._get_bucket().blob(name, chunk_size=CHUNK)

    def _uri_of(self, name: str) -> str | None:
        """The URI of an object under the root, or None for names no URI can address (folder
        placeholders ``a/``, empty or dot segments) — objects written by other tools."""
        segments = name.split("/")[len(self.root):]
        if not segments or any(s in ("", ".", "..") for s in segments):
            return None
        return to_uri(segments)

    # -- writes --------------------------------------------------------------------------------
    def put_bytes(self, uri: str, data: bytes) -> str:
        name = self.object_name(uri)
        with translated(self.bucket_name, name, endpoint=self._endpoint):
            self._blob(name).upload_from_string(data, content_type="application/octet-stream",
                                                **self._calls())
        return to_uri(parse(uri))

    def put_stream(self, uri: str, stream: BinaryIO) -> str:
        name = self.object_name(uri)
        head = _read_up_to(stream, CHUNK)
        if len(head) < CHUNK:  # the whole file: one request
            return self.put_bytes(uri, head)
        # The writer aborts the resumable upload on an exception: no partial object appears.
        with translated(self.bucket_name, name, endpoint=self._endpoint), \
                self._blob(name).open("wb", chunk_size=CHUNK, ignore_flush=True,
                                      content_type="application/octet-stream", **self._calls()) as out:
            out.write(head)
            del head  # the writer holds its own copy until the chunk is sent
            shutil.copyfileobj(stream, out, CHUNK)
        return to_uri(parse(uri))

    def put_file(self, uri: str, path: Path, *, move: bool = False) -> str:
        source = Path(path)
        if not source.is_file():
            raise NotFoundError(f"Cannot store '{source}' at '{uri}': no such file")
        name = self.object_name(uri)
        with translated(self.bucket_name, name, endpoint=self._endpoint):
            # Size known: one request up to CHUNK, else a resumable upload read chunk by chunk.
            self._blob(name).upload_from_filename(str(source), content_type="application/octet-stream",
                                                  **self._calls())
        if move:
            source.unlink()
        return to_uri(parse(uri))

    # -- reads ---------------------------------------------------------------------------------
    def open(self, uri: str) -> BinaryIO:
        name = self.object_name(uri)
        with translated(self.bucket_name, name, uri=uri, endpoint=self._endpoint):
            blob = self._get_bucket().get_blob(name, **self._calls())
            if blob is None:
                raise NotFoundError(f"File '{uri}' does not exist in internal storage "
                                    f"({where(self.bucket_name, name)})")
            # Pinned to the generation just looked up: a concurrent overwrite fails the read
            # instead of mixing two versions.
            reader = blob.open("rb", chunk_size=CHUNK, if_generation_match=blob.generation, **self._calls())
        return cast(BinaryIO, _Reader(reader, self, name, uri))  # a binary file object, as open() gives

    def exists(self, uri: str) -> bool:
        name = self.object_name(uri)
        with translated(self.bucket_name, name, endpoint=self._endpoint):
            return bool(self._blob(name).exists(**self._calls()))

    def size(self, uri: str) -> int:
        name = self.object_name(uri)
        with translated(self.bucket_name, name, uri=uri, endpoint=self._endpoint):
            blob = self._get_bucket().get_blob(name, **self._calls())
        if blob is None or blob.size is None:
            raise NotFoundError(f"File '{uri}' does not exist in internal storage "
                                f"({where(self.bucket_name, name)})")
        return int(blob.size)

    # -- deletes -------------------------------------------------------------------------------
    def delete(self, uri: str) -> bool:
        from google.api_core.exceptions import NotFound

        name = self.object_name(uri)
        with translated(self.bucket_name, name, endpoint=self._endpoint):
            try:
                self._blob(name).delete(**self._calls())
            except NotFound:
                return False
        return True

    def delete_prefix(self, prefix: str) -> list[str]:
        """Delete every file under ``prefix``; returns their URIs."""
        from google.api_core.exceptions import NotFound

        if not self._segments(prefix, file=False):
            raise InvalidStorageURIError("Refusing to delete the whole internal storage (prefix kestra:///)")
        names = self._names_under(prefix)
        for name in names:
            # NotFound: deleted meanwhile by another process; the goal is reached.
            with translated(self.bucket_name, name, endpoint=self._endpoint), suppress(NotFound):
                self._blob(name).delete(**self._calls())
        return sorted(uri for uri in map(self._uri_of, names) if uri is not None)

    def _names_under(self, prefix: str) -> list[str]:
        base = "/".join((*self.root, *self._segments(prefix, file=False)))
        # One listing for both "a file at the prefix" and "files below it": GCS matches the
        # prefix textually, so siblings like ``base-2/...`` are filtered out here.
        with translated(self.bucket_name, base + "/", endpoint=self._endpoint):
            blobs = self._get_bucket().client.list_blobs(self.bucket_name, prefix=base, **self._calls())
            names = [blob.name for blob in blobs]
        return [n for n in names if n == base or n.startswith(base + "/")]

    # ``list`` comes last: inside the class body its name shadows the builtin in annotations.
    def list(self, prefix: str) -> list[str]:
        return sorted(uri for uri in map(self._uri_of, self._names_under(prefix)) if uri is not None)

    def local_path(self, uri: str) -> None:
        """Objects are not on this machine's disk: callers download them (``open``)."""
        self.object_name(uri)  # still reject an invalid URI, as the local backend does
        return None


class _Reader(io.BufferedIOBase):
    """The chunked GCS reader, with Google's errors turned into Lanner's at read time."""

    def __init__(self, inner: Any, storage: GcsFileStorage, name: str, uri: str) -> None:
        self._inner = inner
        self._storage = storage
        self._name = name
        self.uri = uri

    def _call(self, method: str, *args: Any) -> Any:
        with translated(self._storage.bucket_name, self._name, uri=self.uri,
                        endpoint=self._storage._endpoint):
            return getattr(self._inner, method)(*args)

    def read(self, size: int | None = -1) -> bytes:
        return bytes(self._call("read", -1 if size is None else size))

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._call("seek", offset, whence))

    def tell(self) -> int:
        return int(self._inner.tell())

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()
