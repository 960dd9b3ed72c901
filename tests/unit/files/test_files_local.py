"""LocalFileStorage: mapping, guards, atomic writes, streaming, listing and prefix deletes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from lanner.errors import NotFoundError
from lanner.files.local import TEMP_PREFIX, LocalFileStorage
from lanner.files.ports import FileStorage
from lanner.files.uris import InvalidStorageURIError


@pytest.fixture
def storage(tmp_path: Path) -> LocalFileStorage:
    return LocalFileStorage(tmp_path / "storage")


def test_is_a_file_storage(storage: LocalFileStorage) -> None:
    port: FileStorage = storage
    assert port is storage


def test_uri_maps_under_the_tenant_folder(storage: LocalFileStorage, tmp_path: Path) -> None:
    uri = storage.put_bytes("kestra:///a/b/c.txt", b"hello")
    assert uri == "kestra:///a/b/c.txt"
    assert (tmp_path / "storage" / "main" / "a" / "b" / "c.txt").read_bytes() == b"hello"
    assert storage.local_path(uri) == tmp_path / "storage" / "main" / "a" / "b" / "c.txt"
    with storage.open(uri) as stream:
        assert stream.read() == b"hello"
    assert storage.exists(uri) and storage.size(uri) == 5


def test_encoded_names_round_trip(storage: LocalFileStorage) -> None:
    uri = storage.put_bytes("kestra:///ns/my file.csv", b"x")
    assert uri == "kestra:///ns/my%20file.csv"
    assert storage.list("kestra:///ns") == [uri]
    assert storage.exists("kestra:///ns/my%20file.csv")


@pytest.mark.parametrize("bad", ["kestra:///a/../../escape.txt", "kestra:///a/%2e%2e/%2e%2e/x",
                                 "file:///tmp/x", "kestra://host/x", "kestra:///"])
def test_traversal_and_foreign_schemes_are_rejected(storage: LocalFileStorage, tmp_path: Path,
                                                    bad: str) -> None:
    with pytest.raises(InvalidStorageURIError):
        storage.put_bytes(bad, b"x")
    with pytest.raises(InvalidStorageURIError):
        storage.open(bad)
    assert not (tmp_path / "escape.txt").exists()


def test_missing_files(storage: LocalFileStorage) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        storage.open("kestra:///nope.txt")
    with pytest.raises(NotFoundError):
        storage.size("kestra:///nope.txt")
    assert not storage.exists("kestra:///nope.txt")
    assert storage.delete("kestra:///nope.txt") is False
    assert storage.list("kestra:///nope") == []


class FailingStream(io.RawIOBase):
    """Yields some bytes, then fails like a dropped connection."""

    def __init__(self) -> None:
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self.sent >= 3:
            raise ConnectionError("connection reset")
        buffer[:4] = b"part"
        self.sent += 1
        return 4


def test_a_failed_write_leaves_nothing_half_written(storage: LocalFileStorage) -> None:
    uri = "kestra:///ns/data.bin"
    with pytest.raises(ConnectionError):
        storage.put_stream(uri, FailingStream())  # type: ignore[arg-type]
    assert not storage.exists(uri)
    storage.put_bytes(uri, b"complete")
    with pytest.raises(ConnectionError):
        storage.put_stream(uri, FailingStream())  # type: ignore[arg-type]
    with storage.open(uri) as stream:
        assert stream.read() == b"complete"  # the old content is intact
    leftovers = [p for p in storage.root.rglob("*") if p.name.startswith(TEMP_PREFIX)]
    assert leftovers == []


def test_stray_temporary_files_are_not_listed(storage: LocalFileStorage) -> None:
    storage.put_bytes("kestra:///ns/real.txt", b"x")
    (storage.root / "ns" / f"{TEMP_PREFIX}abc").write_bytes(b"partial")
    assert storage.list("kestra:///ns") == ["kestra:///ns/real.txt"]


def test_large_files_are_streamed(storage: LocalFileStorage) -> None:
    chunk = bytes(range(256)) * 4096  # 1 MiB
    digest = hashlib.sha256()

    class Source(io.RawIOBase):
        remaining = 12

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            if not self.remaining:
                return 0
            self.remaining -= 1
            size = min(len(buffer), len(chunk))
            buffer[:size] = chunk[:size]
            digest.update(chunk[:size])
            return size

    uri = storage.put_stream("kestra:///big/file.bin", io.BufferedReader(Source()))  # type: ignore[type-var]
    copied = hashlib.sha256()
    with storage.open(uri) as stream:
        while block := stream.read(65536):
            copied.update(block)
    assert copied.hexdigest() == digest.hexdigest()


def test_put_file_copies_or_moves(storage: LocalFileStorage, tmp_path: Path) -> None:
    source = tmp_path / "work" / "out.csv"
    source.parent.mkdir()
    source.write_text("a,b\n")
    copied = storage.put_file("kestra:///ns/copy.csv", source)
    assert source.exists()
    moved = storage.put_file("kestra:///ns/moved.csv", source, move=True)
    assert not source.exists()
    for uri in (copied, moved):
        with storage.open(uri) as stream:
            assert stream.read() == b"a,b\n"
    with pytest.raises(NotFoundError):
        storage.put_file("kestra:///ns/x", tmp_path / "absent")


def test_overwrite_replaces(storage: LocalFileStorage) -> None:
    storage.put_bytes("kestra:///ns/f", b"one")
    storage.put_bytes("kestra:///ns/f", b"two")
    with storage.open("kestra:///ns/f") as stream:
        assert stream.read() == b"two"


def test_file_and_folder_clashes_are_clear(storage: LocalFileStorage) -> None:
    storage.put_bytes("kestra:///ns/dir/file", b"x")
    with pytest.raises(InvalidStorageURIError, match="folder"):
        storage.put_bytes("kestra:///ns/dir", b"x")
    with pytest.raises(InvalidStorageURIError, match="parent"):
        storage.put_bytes("kestra:///ns/dir/file/child", b"x")


def test_list_and_delete_prefix(storage: LocalFileStorage) -> None:
    execution = "kestra:///company/team/flow/executions/E1"
    files = [f"{execution}/tasks/a/TR1/out.txt", f"{execution}/tasks/b/TR2/x.csv", f"{execution}/inputs/i/f"]
    for uri in files:
        storage.put_bytes(uri, b"data")
    other = storage.put_bytes("kestra:///company/team/flow/executions/E10/tasks/a/TR/out.txt", b"keep")
    assert storage.list(execution) == sorted(files)
    assert storage.list(files[0]) == [files[0]]
    assert storage.delete_prefix(execution + "/") == sorted(files)
    assert storage.list(execution) == []
    assert storage.exists(other)
    assert storage.delete_prefix(execution) == []
    with pytest.raises(InvalidStorageURIError, match="whole internal storage"):
        storage.delete_prefix("kestra:///")


def test_delete(storage: LocalFileStorage) -> None:
    uri = storage.put_bytes("kestra:///ns/f", b"x")
    assert storage.delete(uri) is True
    assert not storage.exists(uri)
