"""Internal storage on a local disk: ``kestra:///a/b/c`` -> ``<base_dir>/main/a/b/c``.

Like Kestra's local storage (tenant folder ``main``). Writes go to a temporary file in the
target folder and are renamed into place, so a reader never sees half a file and a crash
leaves at most a stray temporary (ignored by ``list``). Data is streamed in chunks: files of
any size pass through without being loaded in memory.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from lanner.errors import NotFoundError
from lanner.files.uris import InvalidStorageURIError, parse, to_uri

TEMP_PREFIX = ".lanner-tmp-"
CHUNK = 1024 * 1024


class LocalFileStorage:
    def __init__(self, base_dir: Path | str, tenant: str = "main", *, fsync: bool = False) -> None:
        """``fsync=True`` also flushes each file to the disk before it becomes visible
        (slower; survives a power cut, not only a process crash)."""
        self.base_dir = Path(base_dir)
        self.root = self.base_dir / tenant
        self._fsync = fsync

    # -- paths ---------------------------------------------------------------------------------
    def _segments(self, uri: str, *, file: bool) -> tuple[str, ...]:
        segments = parse(uri)
        if file and not segments:
            raise InvalidStorageURIError(f"Invalid internal storage URI '{uri}': it names no file")
        return segments

    def _path(self, uri: str, *, file: bool = True) -> Path:
        # Segments are checked by ``parse`` (no '..', no separators), so the join stays inside.
        return self.root.joinpath(*self._segments(uri, file=file))

    def local_path(self, uri: str) -> Path:
        return self._path(uri)

    # -- writes --------------------------------------------------------------------------------
    def _write_atomic(self, uri: str, fill: Callable[[BinaryIO], object]) -> str:
        segments = self._segments(uri, file=True)
        target = self.root.joinpath(*segments)
        self._prepare_parent(target, uri)
        handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                fill(out)
                if self._fsync:
                    out.flush()
                    os.fsync(out.fileno())
            self._replace(temp_name, target, uri)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        return to_uri(segments)

    def _prepare_parent(self, target: Path, uri: str) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise InvalidStorageURIError(
                f"Cannot write '{uri}': a parent of it is a file, not a folder"
            ) from exc

    @staticmethod
    def _replace(source: str | Path, target: Path, uri: str) -> None:
        if target.is_dir():
            raise InvalidStorageURIError(f"Cannot write '{uri}': it is a folder of other files")
        os.replace(source, target)

    def put_bytes(self, uri: str, data: bytes) -> str:
        return self._write_atomic(uri, lambda out: out.write(data))

    def put_stream(self, uri: str, stream: BinaryIO) -> str:
        return self._write_atomic(uri, lambda out: shutil.copyfileobj(stream, out, CHUNK))

    def put_file(self, uri: str, path: Path, *, move: bool = False) -> str:
        source = Path(path)
        if not source.is_file():
            raise NotFoundError(f"Cannot store '{source}' at '{uri}': no such file")
        if move:
            segments = self._segments(uri, file=True)
            target = self.root.joinpath(*segments)
            self._prepare_parent(target, uri)
            try:
                self._replace(source, target, uri)  # same disk: an atomic rename
                return to_uri(segments)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
        with source.open("rb") as stream:
            stored = self.put_stream(uri, stream)
        if move:
            source.unlink()
        return stored

    # -- reads ---------------------------------------------------------------------------------
    def open(self, uri: str) -> BinaryIO:
        path = self._path(uri)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise NotFoundError(f"File '{uri}' does not exist in internal storage") from exc

    def exists(self, uri: str) -> bool:
        return self._path(uri).is_file()

    def size(self, uri: str) -> int:
        path = self._path(uri)
        if not path.is_file():
            raise NotFoundError(f"File '{uri}' does not exist in internal storage")
        return path.stat().st_size

    # -- deletes -------------------------------------------------------------------------------
    def delete(self, uri: str) -> bool:
        path = self._path(uri)
        try:
            path.unlink()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return False
        return True

    def delete_prefix(self, prefix: str) -> list[str]:
        """Delete every file under ``prefix`` (and the emptied folder); returns their URIs."""
        segments = self._segments(prefix, file=False)
        if not segments:
            raise InvalidStorageURIError("Refusing to delete the whole internal storage (prefix kestra:///)")
        deleted = self.list(prefix)
        base = self.root.joinpath(*segments)
        if base.is_file():
            base.unlink()
        elif base.is_dir():
            shutil.rmtree(base, ignore_errors=True)
        return deleted

    # ``list`` comes last: inside the class body its name shadows the builtin in annotations.
    def list(self, prefix: str) -> list[str]:
        base_segments = self._segments(prefix, file=False)
        base = self.root.joinpath(*base_segments)
        if base.is_file():
            return [to_uri(base_segments)]
        found: list[str] = []
        for folder, _, names in os.walk(base):
            relative = Path(folder).relative_to(base).parts
            for name in names:
                if not name.startswith(TEMP_PREFIX):
                    found.append(to_uri((*base_segments, *relative, name)))
        return sorted(found)
