"""Which stored files a task may read (kestra-reference §6.1).

A task may read the files of its own execution, of its flow (earlier executions, caches) and
its namespace's files; anything else is refused. The worker calls ``check_read_access``
before opening a URI handed to a task.
"""

from __future__ import annotations

from collections.abc import Iterable

from lanner.errors import Terminal, UserCodeError
from lanner.files.uris import execution_prefix, flow_prefix, is_under, namespace_files_prefix


class FileAccessError(UserCodeError, Terminal):
    """A task asked for a stored file outside its execution, flow and namespace."""


def readable_prefixes(
    namespace: str, flow_id: str, execution_id: str | None = None, extra: Iterable[str] = ()
) -> list[str]:
    prefixes = [flow_prefix(namespace, flow_id), namespace_files_prefix(namespace)]
    if execution_id is not None:
        prefixes.insert(0, execution_prefix(namespace, flow_id, execution_id))
    prefixes.extend(extra)
    return prefixes


def may_read(
    uri: str, *, namespace: str, flow_id: str, execution_id: str | None = None, extra: Iterable[str] = ()
) -> bool:
    """``extra``: more prefixes the caller allows (e.g. a subflow execution's prefix)."""
    return any(is_under(uri, prefix) for prefix in readable_prefixes(namespace, flow_id, execution_id, extra))


def check_read_access(
    uri: str, *, namespace: str, flow_id: str, execution_id: str | None = None, extra: Iterable[str] = ()
) -> None:
    """Raise ``FileAccessError`` (or ``InvalidStorageURIError``) unless the task may read ``uri``."""
    if not may_read(uri, namespace=namespace, flow_id=flow_id, execution_id=execution_id, extra=extra):
        raise FileAccessError(
            f"Unable to read '{uri}': a task may only read files of its execution, of its flow "
            f"'{namespace}.{flow_id}' and of its namespace '{namespace}'"
        )
