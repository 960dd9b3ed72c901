"""One conformance suite for the ``FileStorage`` port, run on every backend: the local disk and
a GCS bucket (the real google-cloud-storage client against the in-process GCS emulator).

Same calls, same URIs, same answers: flows cannot tell which backend stores their files.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conformance.gcs_emulator import _emulator, emulator

from lanner.errors import NotFoundError
from lanner.files.gcs import CHUNK, GcsFileStorage
from lanner.files.local import LocalFileStorage
from lanner.files.namespace_files import NamespaceFiles
from lanner.files.ports import FileStorage
from lanner.files.uris import InvalidStorageURIError, namespace_file_uri, task_output_uri

__all__ = ["_emulator", "emulator"]

BUCKET = "lanner-conformance"
EXEC = "kestra:///company/team/my-flow/executions/exec1"


def gcs_client(endpoint: str) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(project="emu", credentials=AnonymousCredentials(),
                          client_options={"api_endpoint": endpoint})


@pytest.fixture(params=["local", "gcs"])
def files(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FileStorage]:
    if request.param == "local":
        yield LocalFileStorage(tmp_path / "storage")
        return
    endpoint: str = request.getfixturevalue("emulator")
    gcs_client(endpoint).create_bucket(BUCKET)
    yield GcsFileStorage(BUCKET, prefix="lanner/prod", endpoint=endpoint)


class Unseekable(io.RawIOBase):
    """A pipe-like source: no seek, no tell, short reads."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(len(buffer), 100_000))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _read(files: FileStorage, uri: str) -> bytes:
    with files.open(uri) as handle:
        return handle.read()


# -- round trips -------------------------------------------------------------------------------

def test_put_bytes_then_open_returns_the_same_binary_bytes(files: FileStorage) -> None:
    data = os.urandom(3 * 1024 * 1024) + bytes(range(256))
    uri = files.put_bytes(f"{EXEC}/tasks/t/r1/blob.bin", data)
    assert uri == f"{EXEC}/tasks/t/r1/blob.bin"
    assert _read(files, uri) == data
    assert files.size(uri) == len(data)


def test_an_empty_file_round_trips(files: FileStorage) -> None:
    uri = files.put_bytes(f"{EXEC}/empty.txt", b"")
    assert files.exists(uri) and files.size(uri) == 0
    assert _read(files, uri) == b""


def test_put_file_larger_than_one_chunk_streams_and_move_takes_the_source(
        files: FileStorage, tmp_path: Path) -> None:
    data = os.urandom(CHUNK + 1024 * 1024 + 7)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    uri = files.put_file(f"{EXEC}/tasks/t/r1/big.bin", source)
    assert source.exists()
    moved = files.put_file(f"{EXEC}/tasks/t/r1/moved.bin", source, move=True)
    assert not source.exists()
    assert _read(files, uri) == data and _read(files, moved) == data


def test_put_file_of_a_missing_source_is_not_found(files: FileStorage, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        files.put_file(f"{EXEC}/x.bin", tmp_path / "absent.bin")


@pytest.mark.parametrize("size", [10, CHUNK, 2 * CHUNK + 12345])
def test_put_stream_from_an_unseekable_source(files: FileStorage, size: int) -> None:
    data = os.urandom(size)
    uri = files.put_stream(f"{EXEC}/stream.bin", io.BufferedReader(Unseekable(data)))
    assert files.size(uri) == size
    with files.open(uri) as handle:  # read in small pieces, as copyfileobj does
        pieces = iter(lambda: handle.read(1024 * 1024), b"")
        assert b"".join(pieces) == data


def test_a_write_replaces_the_previous_content(files: FileStorage) -> None:
    uri = files.put_bytes(f"{EXEC}/a.txt", b"first version, longer")
    files.put_stream(uri, io.BytesIO(b"second"))
    assert _read(files, uri) == b"second" and files.size(uri) == 6


# -- exists, size, delete, list ----------------------------------------------------------------

def test_exists_size_and_delete(files: FileStorage) -> None:
    uri = files.put_bytes(f"{EXEC}/d.txt", b"12345")
    assert files.exists(uri) and files.size(uri) == 5
    assert files.delete(uri) is True
    assert not files.exists(uri)
    assert files.delete(uri) is False


def test_list_is_recursive_sorted_and_segment_wise(files: FileStorage) -> None:
    for name in ("b.txt", "a/1.txt", "a/z/2.txt"):
        files.put_bytes(f"{EXEC}/tasks/{name}", b"x")
    files.put_bytes("kestra:///company/team/my-flow/executions/exec10/other.txt", b"x")  # textual sibling
    assert files.list(EXEC) == [f"{EXEC}/tasks/a/1.txt", f"{EXEC}/tasks/a/z/2.txt", f"{EXEC}/tasks/b.txt"]
    assert files.list(f"{EXEC}/tasks/a/") == [f"{EXEC}/tasks/a/1.txt", f"{EXEC}/tasks/a/z/2.txt"]
    assert files.list(f"{EXEC}/tasks/b.txt") == [f"{EXEC}/tasks/b.txt"]
    assert files.list(f"{EXEC}/nothing-here") == []
    assert len(files.list("kestra:///")) == 4


def test_delete_prefix_removes_only_what_is_under_it(files: FileStorage) -> None:
    kept = files.put_bytes("kestra:///company/team/my-flow/executions/exec10/kept.txt", b"k")
    inside = [files.put_bytes(f"{EXEC}/tasks/{n}", b"x") for n in ("a.txt", "b/c.txt")]
    assert files.delete_prefix(EXEC) == sorted(inside)
    assert files.list(EXEC) == [] and files.exists(kept)
    assert files.delete_prefix(EXEC) == []
    with pytest.raises(InvalidStorageURIError, match="whole internal storage"):
        files.delete_prefix("kestra:///")


# -- names -------------------------------------------------------------------------------------

def test_names_with_spaces_and_unicode(files: FileStorage) -> None:
    uri = task_output_uri("company.team", "My Flow", "exec1", "extract", "r1", "données 2024/résumé ✓.csv")
    assert uri.endswith("/tasks/extract/r1/donn%C3%A9es%202024/r%C3%A9sum%C3%A9%20%E2%9C%93.csv")
    assert files.put_bytes(uri, "é".encode()) == uri
    assert _read(files, uri) == "é".encode()
    assert files.list("kestra:///company/team/my-flow") == [uri]
    # A non-canonical spelling of the same name reaches the same file.
    assert files.exists(uri.replace("%20", " ", 1).replace("%E2%9C%93", "✓"))


def test_namespace_files_by_uri_and_through_namespace_files(files: FileStorage) -> None:
    ns = NamespaceFiles(files)
    uri = ns.put("company.team", "/queries/daily report.sql", b"select 1")
    assert uri == namespace_file_uri("company.team", "/queries/daily report.sql")
    assert uri == "kestra:///company/team/_files/queries/daily%20report.sql"
    ns.put("company.team", "scripts/a.py", io.BytesIO(b"print(1)"))
    assert ns.get("company.team", "queries/daily report.sql") == b"select 1"
    assert files.list("kestra:///company/team/_files") == [
        uri, "kestra:///company/team/_files/scripts/a.py"]


def test_invalid_uris_are_refused_before_any_io(files: FileStorage) -> None:
    for bad in ("kestra:///a/../b", "file:///etc/passwd", "kestra://host/a", "kestra:///a/%2Fb"):
        with pytest.raises(InvalidStorageURIError):
            files.open(bad)
    with pytest.raises(InvalidStorageURIError, match="names no file"):
        files.put_bytes("kestra:///", b"x")


# -- missing files -----------------------------------------------------------------------------

def test_a_missing_file_is_not_found(files: FileStorage) -> None:
    uri = f"{EXEC}/missing.txt"
    assert not files.exists(uri)
    with pytest.raises(NotFoundError, match=r"missing\.txt' does not exist in internal storage"):
        files.open(uri)
    with pytest.raises(NotFoundError, match="does not exist"):
        files.size(uri)


def test_local_path_is_the_file_on_this_disk_or_none(files: FileStorage) -> None:
    uri = files.put_bytes(f"{EXEC}/here.txt", b"here")
    path = files.local_path(uri)
    assert path is None or path.read_bytes() == b"here"
