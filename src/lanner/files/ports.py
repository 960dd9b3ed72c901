"""Internal storage port: bytes addressed by Kestra-shaped ``kestra:///ns/flow/...`` URIs."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol


class FileStorage(Protocol):
    def put_bytes(self, uri: str, data: bytes) -> str:
        """Write ``data`` at ``uri`` (atomically: readers never see half a file)."""
        ...

    def put_file(self, uri: str, path: Path, *, move: bool = False) -> str:
        """Copy a local file in; with ``move`` the source is taken (renamed when on the same
        disk, else copied then deleted). Returns the canonical URI."""
        ...

    def put_stream(self, uri: str, stream: BinaryIO) -> str: ...

    def open(self, uri: str) -> BinaryIO:
        """Raises ``lanner.errors.NotFoundError`` when absent."""
        ...

    def local_path(self, uri: str) -> Path | None:
        """The file's path on this machine when the backend is a local disk, else None."""
        ...

    def exists(self, uri: str) -> bool: ...

    def size(self, uri: str) -> int: ...

    def delete(self, uri: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> list[str]:
        """Delete every file under a prefix URI; returns their URIs."""
        ...

    # ``list`` comes last: inside the class body its name shadows the builtin in annotations.
    def list(self, prefix: str) -> list[str]:
        """Every file URI under a prefix URI (recursively), sorted."""
        ...
