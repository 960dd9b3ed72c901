"""Preparing a script's working directory and rendering its properties (reference §3.7 steps 1-3).

Input and output files reuse ``lanner.tasks.core.files_service`` (shared with LocalFiles/DuckDB).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lanner.plugins.api import RenderContext, RunContext, TaskFailure, inside
from lanner.tasks.core._support import to_text
from lanner.tasks.core.files_service import input_files, materialise_input_files

if TYPE_CHECKING:
    from ._base import NamespaceFiles

# ScriptService.replaceInternalStorage: every internal-storage URI in a rendered command.
INTERNAL_STORAGE_URI = re.compile(r"(kestra:\/\/[-a-zA-Z0-9%._\+~#=/]*)")


def render_list(ctx: RenderContext, value: Any, what: str,
                extra: Mapping[str, Any] | None = None) -> list[str]:
    """A ``Prop[list[str]]``: a YAML list (each item rendered) or one expression giving a list."""
    if value is None:
        return []
    if isinstance(value, str):
        rendered = ctx.render_typed(value, extra)
        if isinstance(rendered, str):
            stripped = rendered.strip()
            if stripped.startswith("["):
                try:
                    rendered = json.loads(stripped)
                except ValueError:
                    raise TaskFailure(f"Invalid {what}: '{rendered}' is not a JSON list") from None
            else:
                rendered = [rendered]
        if not isinstance(rendered, list):
            raise TaskFailure(f"Invalid {what}: expected a list, got {type(rendered).__name__}")
        return [to_text(item) for item in rendered]
    return [to_text(ctx.render(item, extra)) for item in value]


def render_env(ctx: RunContext, value: Any) -> dict[str, str]:
    """The task's ``env``: rendered values; lists and maps become compact JSON."""
    if value is None:
        return {}
    rendered = ctx.render_typed(value) if isinstance(value, str) else ctx.render(value)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            raise TaskFailure(f"Invalid env: expected a map, got '{rendered}'") from None
    if not isinstance(rendered, Mapping):
        raise TaskFailure(f"Invalid env: expected a map, got {type(rendered).__name__}")
    return {str(key): to_text(item) for key, item in rendered.items()}


def write_input_files(ctx: RunContext, value: Any, extra: Mapping[str, Any]) -> None:
    """``inputFiles``: a map, or a string rendering to a JSON map (Kestra accepts both); rendered
    with `workingDir` available, and null values of a map skipped as Kestra does."""
    if isinstance(value, Mapping):
        value = {name: content for name, content in value.items() if content is not None}
    materialise_input_files(ctx, input_files(ctx, value, extra))


def copy_namespace_files(ctx: RunContext, settings: NamespaceFiles | None, workdir: Path) -> int:
    """Copy the flow's namespace files (filtered by include/exclude) into the working dir."""
    if settings is None or not _enabled(ctx, settings.enabled):
        return 0
    include = [str(p) for p in ctx.render(settings.include or [])]
    exclude = [str(p) for p in ctx.render(settings.exclude or [])]
    namespaces = [str(ns) for ns in ctx.render(settings.namespaces or [])] or [ctx.namespace]
    copied = 0
    for namespace in namespaces:
        for path, content in ctx.storage.namespace_files(namespace):
            if include and not matches_any(path, include):
                continue
            if exclude and matches_any(path, exclude):
                continue
            relative = f"{namespace}/{path}" if settings.folderPerNamespace else path
            target = inside(workdir, relative)
            if target.exists() and settings.ifExists != "OVERWRITE":
                if settings.ifExists == "FAIL":
                    raise TaskFailure(f"Namespace file '{relative}' already exists in the working directory")
                if settings.ifExists == "WARN":
                    ctx.logger.warn(f"Namespace file '{relative}' already exists: kept the existing one")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            copied += 1
    ctx.logger.debug(f"Copied {copied} namespace file(s) into the working directory")
    return copied


def _enabled(ctx: RunContext, value: bool | str) -> bool:
    return value if isinstance(value, bool) else ctx.render_bool(value)


def matches_any(path: str, patterns: list[str]) -> bool:
    """Kestra's glob semantics (``PathMatcherPredicate``): ``*`` stays within a folder, ``**``
    crosses folders, a pattern starting with a word character matches at any depth. Paths are
    tried with and without a leading slash, so ``*.py`` also matches top-level files."""
    candidates = (path.lstrip("/"), "/" + path.lstrip("/"))
    for pattern in patterns:
        if re.match(r"\w", pattern):
            pattern = "**/" + pattern
        regex = glob_regex(pattern)
        if any(regex.fullmatch(candidate) for candidate in candidates):
            return True
    return False


def glob_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{":
            end = pattern.find("}", i)
            if end < 0:
                out.append(re.escape(char))
            else:
                out.append("(?:" + "|".join(re.escape(p) for p in pattern[i + 1:end].split(",")) + ")")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))


def replace_internal_storage(ctx: RunContext, commands: list[str], workdir: Path) -> list[str]:
    """Download every ``kestra://`` URI of the commands into the working dir; use the local path."""
    local: dict[str, str] = {}

    def download(match: re.Match[str]) -> str:
        uri = match.group(1)
        if uri not in local:
            name = Path(unquote(uri.rstrip("/").rsplit("/", 1)[-1])).name or "file"
            target = workdir / name
            if target.exists():
                target = workdir / f"{len(local)}-{name}"
            ctx.storage.download(uri, target)
            local[uri] = str(target)
        return local[uri]

    return [INTERNAL_STORAGE_URI.sub(download, command) for command in commands]
