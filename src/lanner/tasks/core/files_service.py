"""Working-directory files of a task run: ``inputFiles`` in, ``outputFiles`` out (reference §6.2).

Shared by LocalFiles and usable by any task that maps files (script tasks, DuckDB...).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lanner.plugins.api import RunContext, TaskFailure, inside

from ._support import to_text

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def input_files(ctx: RunContext, value: Any, extra: Mapping[str, Any] | None = None,
                what: str = "inputFiles") -> dict[str, Any]:
    """``inputFiles`` rendered once, as Kestra takes them: a map (names and contents rendered),
    or an expression or JSON string giving a map (used as it is: contents such as dbt's
    ``{{ ref('x') }}`` must reach the file, not be rendered a second time)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {to_text(ctx.render(name, extra)): ctx.render(content, extra)
                for name, content in value.items()}
    rendered = ctx.render_typed(value, extra)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            raise TaskFailure(f"Invalid {what}: expected a map or a JSON map, got '{rendered}'") from None
    if not isinstance(rendered, Mapping):
        raise TaskFailure(f"Invalid {what}: expected a map of file name to content or URI")
    return {to_text(name): content for name, content in rendered.items()}


def materialise_input_files(ctx: RunContext, files: Mapping[str, Any]) -> list[Path]:
    """Write each rendered ``name: content`` (see ``input_files``) into the working directory:
    a ``kestra://`` content is downloaded from internal storage, ``None`` creates an empty file,
    anything else is written as text."""
    workdir = ctx.working_dir()
    written: list[Path] = []
    for name, content in files.items():
        target = inside(workdir, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            target.touch()
        elif isinstance(content, str) and content.startswith("kestra://"):
            ctx.storage.download(content.strip(), target)
        else:
            target.write_text(to_text(content), encoding="utf-8")
        written.append(target)
    ctx.logger.trace(f"Provided {len(written)} input(s).")
    return written


def collect_output_files(ctx: RunContext, globs: list[str]) -> dict[str, str]:
    """Store every working-directory file matching one of ``globs``.

    Returns relative path -> ``kestra://`` URI. Stored names are made unique per path as
    Kestra does (``<id of the path>-<file name>``).
    """
    workdir = ctx.working_dir()
    stored: dict[str, str] = {}
    for path in matching_files(workdir, globs):
        relative = path.relative_to(workdir).as_posix()
        stored[relative] = ctx.storage.put_file(path, unique_name(path))
    ctx.logger.trace(f"Captured {len(stored)} output file(s).")
    return stored


def matching_files(workdir: Path, globs: list[str]) -> list[Path]:
    """Files (not directories) matching the globs; ``dir/**`` takes the whole tree."""
    found: dict[Path, None] = {}
    for pattern in globs:
        pattern = pattern.strip().lstrip("/")
        if not pattern:
            continue
        for match in sorted(workdir.glob(pattern)):
            if match.is_dir():
                for child in sorted(match.rglob("*")):
                    if child.is_file():
                        found[child] = None
            elif match.is_file():
                found[match] = None
    return list(found)


def unique_name(path: Path) -> str:
    digest = int.from_bytes(hashlib.md5(str(path).encode(), usedforsecurity=False).digest(), "big")
    chars: list[str] = []
    while digest:
        digest, rem = divmod(digest, 62)
        chars.append(_ALPHABET[rem])
    short_id = "".join(reversed(chars)).rjust(22, "0")[:22]
    return f"{short_id}-{path.name}"  # decoded: the storage percent-encodes the URI
