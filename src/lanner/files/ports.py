"""Internal storage port: bytes addressed by Kestra-shaped ``kestra:///ns/flow/...`` URIs."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol


class FileStorage(Protocol):
    def put_bytes(self, uri: str, data: bytes) -> str: ...

    def put_file(self, uri: str, path: Path) -> str:
        """Copy (or move when on the same disk and ``path`` is temporary) a file in."""
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

    def list(self, prefix: str) -> list[str]:
        """Every file URI under a prefix URI (recursively), sorted."""
        ...

    def delete_prefix(self, prefix: str) -> list[str]: ...
