"""Namespace files: ``kestra:///<ns path>/_files/<path>`` (kestra-reference §6.1, §7.3).

Paths are logical, rooted at the namespace (``/queries/a.sql``); ``a.sql``, ``/a.sql`` and
``./a.sql`` name the same file. Works over any ``FileStorage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Literal

from lanner.errors import NotFoundError
from lanner.files.ports import FileStorage
from lanner.files.uris import InvalidStorageURIError, namespace_file_uri, namespace_files_prefix, parse


def normalise_path(path: str) -> str:
    """A logical namespace-file path: ``queries//a.sql`` -> ``/queries/a.sql``; no ``..``."""
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    if ".." in parts:
        raise InvalidStorageURIError(f"Invalid namespace file path '{path}': '..' is not allowed")
    return "/" + "/".join(parts)


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One child of a namespace folder, as the API's ``/files/directory`` lists it."""

    file_name: str
    type: Literal["File", "Directory"]
    size: int


class NamespaceFiles:
    def __init__(self, storage: FileStorage) -> None:
        self.storage = storage

    def uri(self, namespace: str, path: str) -> str:
        logical = normalise_path(path)
        if logical == "/":
            raise InvalidStorageURIError(f"Invalid namespace file path '{path}': it names no file")
        return namespace_file_uri(namespace, logical)

    def _logical(self, namespace: str, uri: str) -> str:
        root = len(parse(namespace_files_prefix(namespace)))
        return "/" + "/".join(parse(uri)[root:])

    def put(self, namespace: str, path: str, content: bytes | BinaryIO) -> str:
        uri = self.uri(namespace, path)
        if isinstance(content, bytes | bytearray | memoryview):
            return self.storage.put_bytes(uri, bytes(content))
        return self.storage.put_stream(uri, content)

    def get(self, namespace: str, path: str) -> bytes:
        with self.open(namespace, path) as stream:
            return stream.read()

    def open(self, namespace: str, path: str) -> BinaryIO:
        uri = self.uri(namespace, path)
        try:
            return self.storage.open(uri)
        except NotFoundError as exc:
            raise NotFoundError(
                f"Namespace file '{normalise_path(path)}' does not exist in namespace '{namespace}'"
            ) from exc

    def exists(self, namespace: str, path: str) -> bool:
        return self.storage.exists(self.uri(namespace, path))

    def size(self, namespace: str, path: str) -> int:
        return self.storage.size(self.uri(namespace, path))

    def directory(self, namespace: str, path: str = "/") -> list[DirectoryEntry]:
        """Immediate children of a folder: files with their size, then sub-folders, by name."""
        folder = normalise_path(path)
        depth = 0 if folder == "/" else folder.count("/")
        files: dict[str, int] = {}
        folders: set[str] = set()
        for logical in self.list(namespace, folder):
            parts = logical.strip("/").split("/")
            child = parts[depth]
            if len(parts) == depth + 1:
                files[child] = self.size(namespace, logical)
            else:
                folders.add(child)
        entries = [DirectoryEntry(name, "File", size) for name, size in sorted(files.items())]
        entries += [DirectoryEntry(name, "Directory", 0) for name in sorted(folders)]
        return entries

    def delete(self, namespace: str, path: str) -> bool:
        """Delete a file, or a folder with everything in it; False when nothing was there."""
        uri = self.uri(namespace, path)
        if self.storage.delete(uri):
            return True
        return bool(self.storage.delete_prefix(uri))

    def move(self, namespace: str, source: str, target: str) -> list[str]:
        """Move a file or a folder; returns the new logical paths."""
        old, new = normalise_path(source), normalise_path(target)
        if self.exists(namespace, old):
            moves = [(old, new)]
        else:
            moves = [(f, new + f[len(old):]) for f in self.list(namespace, old)]
            if not moves:
                raise NotFoundError(f"Namespace file '{old}' does not exist in namespace '{namespace}'")
        for before, after in moves:
            with self.open(namespace, before) as stream:
                self.put(namespace, after, stream)
            self.storage.delete(self.uri(namespace, before))
        if len(moves) > 1 or moves[0][0] != old:
            self.storage.delete_prefix(self.uri(namespace, old))
        return [after for _, after in moves]

    # ``list`` comes last: inside the class body its name shadows the builtin in annotations.
    def list(self, namespace: str, prefix: str = "/") -> list[str]:
        """Logical paths of every file under ``prefix`` (recursively), sorted."""
        folder = normalise_path(prefix)
        base = namespace_files_prefix(namespace)
        uri = base if folder == "/" else namespace_file_uri(namespace, folder)
        return [self._logical(namespace, found) for found in self.storage.list(uri)]


__all__ = ["DirectoryEntry", "NamespaceFiles", "normalise_path"]
