"""Kestra's internal storage URIs (kestra-reference §6.1).

``kestra:///<ns path>/<flow slug>/executions/<executionId>/tasks/<task slug>/<taskRunId>/<name>``
and friends. ``parse`` is the one gate every URI passes: scheme ``kestra``, empty authority,
no ``.``/``..`` segment, no encoded separator — so no URI can reach outside the storage.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit

from lanner.errors import Terminal, UserCodeError

SCHEME = "kestra"
ROOT = "kestra:///"
_SAFE = "!$&'()*+,;=:@"  # kept as they are in a path segment (RFC 3986 sub-delims, ':' and '@')
_NON_WORD = re.compile(r"[^A-Za-z0-9_-]")  # Java's \w without UNICODE_CHARACTER_CLASS, plus '-'
_WHITESPACE = re.compile(r"[ \t\n\x0b\f\r]")  # Java's \s (ASCII only)


class InvalidStorageURIError(UserCodeError, Terminal):
    """A URI that is not a valid internal storage URI (wrong scheme, traversal, ...)."""


def slugify(text: str) -> str:
    """Kestra's ``Slugify.of``: ``04_postgres_taxi`` -> ``04-postgres-taxi``.

    Whitespace becomes ``-``, accents are dropped, anything but ``[A-Za-z0-9_-]`` is removed,
    ``_`` becomes ``-``, dashes are collapsed and trimmed (one each end), then lower case.
    """
    slug = _WHITESPACE.sub("-", text)
    slug = _NON_WORD.sub("", unicodedata.normalize("NFD", slug))
    slug = slug.replace("_", "-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    slug = slug.removeprefix("-").removesuffix("-")
    return slug.lower()


def namespace_path(namespace: str) -> str:
    """``company.team`` -> ``company/team``."""
    return namespace.replace(".", "/")


def to_uri(segments: tuple[str, ...] | list[str]) -> str:
    """The canonical URI of decoded path segments (each one percent-encoded as needed)."""
    return ROOT + "/".join(quote(segment, safe=_SAFE) for segment in segments)


def _check_segment(segment: str, uri: str) -> str:
    if segment in (".", ".."):
        raise InvalidStorageURIError(
            f"Invalid internal storage URI '{uri}': '.' and '..' segments are not allowed"
        )
    if "/" in segment or "\\" in segment or "\x00" in segment:
        raise InvalidStorageURIError(
            f"Invalid internal storage URI '{uri}': a path segment contains an encoded separator"
        )
    return segment


def parse(uri: str) -> tuple[str, ...]:
    """The decoded path segments of a ``kestra:///`` URI (empty for the root)."""
    if not isinstance(uri, str):
        raise InvalidStorageURIError(f"Invalid internal storage URI, got {type(uri).__name__}")
    parts = urlsplit(uri)
    if parts.scheme.lower() != SCHEME:
        raise InvalidStorageURIError(
            f"Invalid internal storage scheme, got uri '{uri}' (expected kestra:///...)"
        )
    if parts.netloc:
        raise InvalidStorageURIError(
            f"Invalid internal storage URI '{uri}': expected three slashes, kestra:///{parts.netloc}{parts.path}"
        )
    if parts.query or parts.fragment or uri.endswith(("?", "#")):
        raise InvalidStorageURIError(
            f"Invalid internal storage URI '{uri}': '?' and '#' must be percent-encoded in a path"
        )
    raw = [segment for segment in parts.path.split("/") if segment]
    return tuple(_check_segment(unquote(segment, errors="strict"), uri) for segment in raw)


def canonical(uri: str) -> str:
    """The URI re-encoded the way this module writes it (``kestra:///a/b/`` -> ``kestra:///a/b``)."""
    return to_uri(parse(uri))


def is_under(uri: str, prefix: str) -> bool:
    """Whether ``uri`` is ``prefix`` itself or lies below it (segment-wise, not textual)."""
    segments, head = parse(uri), parse(prefix)
    return segments[: len(head)] == head


def _relative(name: str) -> tuple[str, ...]:
    """A file name or relative path (``a/b.csv``) as checked segments."""
    segments = tuple(s for s in name.replace("\\", "/").split("/") if s)
    if not segments:
        raise InvalidStorageURIError(f"Invalid file name '{name}'")
    for segment in segments:
        _check_segment(segment, name)
    return segments


def flow_prefix(namespace: str, flow_id: str) -> str:
    return to_uri([*namespace.split("."), slugify(flow_id)])


def execution_prefix(namespace: str, flow_id: str, execution_id: str) -> str:
    return to_uri([*namespace.split("."), slugify(flow_id), "executions", execution_id])


def task_prefix(namespace: str, flow_id: str, execution_id: str, task_id: str, task_run_id: str) -> str:
    return to_uri(
        [*namespace.split("."), slugify(flow_id), "executions", execution_id, "tasks", slugify(task_id),
         task_run_id]
    )


def task_output_uri(
    namespace: str, flow_id: str, execution_id: str, task_id: str, task_run_id: str, name: str
) -> str:
    return task_prefix(namespace, flow_id, execution_id, task_id, task_run_id) + "/" + "/".join(
        quote(segment, safe=_SAFE) for segment in _relative(name)
    )


def trigger_file_uri(namespace: str, flow_id: str, execution_id: str, trigger_id: str, name: str) -> str:
    base = [*namespace.split("."), slugify(flow_id), "executions", execution_id, "trigger"]
    return to_uri([*base, slugify(trigger_id), *_relative(name)])


def input_file_uri(namespace: str, flow_id: str, execution_id: str, input_id: str, filename: str) -> str:
    base = [*namespace.split("."), slugify(flow_id), "executions", execution_id, "inputs", input_id]
    return to_uri([*base, *_relative(filename)])


def namespace_files_prefix(namespace: str) -> str:
    return to_uri([*namespace.split("."), "_files"])


def namespace_file_uri(namespace: str, path: str) -> str:
    """``fileURI(path)``: ``/queries/a.sql`` in ``company.team`` ->
    ``kestra:///company/team/_files/queries/a.sql``."""
    return to_uri([*namespace.split("."), "_files", *_relative(path)])


def kv_uri(namespace: str, key: str) -> str:
    """Where Kestra keeps a KV value (shown for compatibility; Lanner keeps KV in its store)."""
    return to_uri([*namespace.split("."), "_kv", key + ".ion"])
