"""Namespace files over local storage."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lanner.errors import NotFoundError
from lanner.files.local import LocalFileStorage
from lanner.files.namespace_files import DirectoryEntry, NamespaceFiles, normalise_path
from lanner.files.uris import InvalidStorageURIError


@pytest.fixture
def files(tmp_path: Path) -> NamespaceFiles:
    return NamespaceFiles(LocalFileStorage(tmp_path))


def test_normalise_path() -> None:
    assert normalise_path("a.sql") == "/a.sql"
    assert normalise_path("./queries//a.sql") == "/queries/a.sql"
    assert normalise_path("/") == "/"
    with pytest.raises(InvalidStorageURIError):
        normalise_path("/a/../../b")


def test_put_get_exists(files: NamespaceFiles, tmp_path: Path) -> None:
    uri = files.put("company.team", "queries/a.sql", b"select 1")
    assert uri == "kestra:///company/team/_files/queries/a.sql"
    assert (tmp_path / "main" / "company" / "team" / "_files" / "queries" / "a.sql").exists()
    assert files.get("company.team", "/queries/a.sql") == b"select 1"
    assert files.exists("company.team", "queries/a.sql")
    assert files.size("company.team", "queries/a.sql") == 8
    files.put("company.team", "b.txt", io.BytesIO(b"stream"))
    assert files.get("company.team", "b.txt") == b"stream"
    missing = r"Namespace file '/nope' does not exist in namespace 'company\.team'"
    with pytest.raises(NotFoundError, match=missing):
        files.get("company.team", "nope")


def test_namespaces_are_separate(files: NamespaceFiles) -> None:
    files.put("company.team", "a.sql", b"1")
    files.put("company.team.sub", "b.sql", b"2")
    assert files.list("company.team") == ["/a.sql"]
    assert files.list("company.team.sub") == ["/b.sql"]


def test_list_and_directory(files: NamespaceFiles) -> None:
    for path in ("/q/a.sql", "/q/deep/b.sql", "/root.txt", "/z/c"):
        files.put("ns", path, b"12")
    assert files.list("ns") == ["/q/a.sql", "/q/deep/b.sql", "/root.txt", "/z/c"]
    assert files.list("ns", "/q") == ["/q/a.sql", "/q/deep/b.sql"]
    assert files.directory("ns") == [
        DirectoryEntry("root.txt", "File", 2),
        DirectoryEntry("q", "Directory", 0),
        DirectoryEntry("z", "Directory", 0),
    ]
    assert files.directory("ns", "/q") == [
        DirectoryEntry("a.sql", "File", 2),
        DirectoryEntry("deep", "Directory", 0),
    ]


def test_delete_file_and_folder(files: NamespaceFiles) -> None:
    for path in ("/q/a.sql", "/q/b.sql", "/keep.txt"):
        files.put("ns", path, b"x")
    assert files.delete("ns", "/keep.txt") is True
    assert files.delete("ns", "/q") is True
    assert files.list("ns") == []
    assert files.delete("ns", "/q") is False


def test_move_file_and_folder(files: NamespaceFiles) -> None:
    files.put("ns", "/a.sql", b"A")
    assert files.move("ns", "a.sql", "/archive/a.sql") == ["/archive/a.sql"]
    assert files.list("ns") == ["/archive/a.sql"]
    files.put("ns", "/archive/b.sql", b"B")
    assert files.move("ns", "/archive", "/old") == ["/old/a.sql", "/old/b.sql"]
    assert files.list("ns") == ["/old/a.sql", "/old/b.sql"]
    assert files.get("ns", "/old/b.sql") == b"B"
    with pytest.raises(NotFoundError):
        files.move("ns", "/missing", "/x")
