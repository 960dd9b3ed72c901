"""``ExprServices`` for rendering on a worker (and in the executor): the lookups behind the
expression functions ``kv()``, ``secret()``, ``read()``, ``fileExists()``, ``fileSize()`` and
``errorLogs()`` (reference §5.5)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lanner.model.execution import LogEntry
from lanner.store.kv_service import NamespaceKV

from .masking import Masker
from .secrets import read_secret
from .storage import ExecutionStorage

LogReader = Callable[[str], Sequence[LogEntry]]


class WorkerExprServices:
    """Bound to one execution. Secrets read through it are masked in that run's logs."""

    def __init__(
        self,
        *,
        storage: ExecutionStorage,
        kv: NamespaceKV,
        env: Mapping[str, str],
        execution_id: str,
        namespace: str,
        masker: Masker | None = None,
        log_reader: LogReader | None = None,
    ) -> None:
        self.storage = storage
        self.kv_access = kv
        self._env = env
        self._execution_id = execution_id
        self._namespace = namespace
        self.masker = masker or Masker()
        self._log_reader = log_reader

    def kv(self, namespace: str, key: str, error_on_missing: bool) -> Any:
        # No namespace (or the flow's own) walks up the parent namespaces, as kv() does in 1.x.
        explicit = namespace if namespace and namespace != self._namespace else None
        return self.kv_access.get(key, explicit, error_on_missing=error_on_missing)

    def secret(self, key: str) -> str:
        value = read_secret(self._env, key)
        self.masker.add(value)
        return value

    def read(self, path: str, namespace: str) -> str:
        return self._bytes(path, namespace).decode("utf-8")

    def file_exists(self, path: str, namespace: str) -> bool:
        if _is_storage_uri(path):
            return self.storage.exists(path)
        return self.storage.namespace_file_exists(path, namespace or None)

    def file_size(self, path: str, namespace: str) -> int:
        if _is_storage_uri(path):
            return self.storage.size(path)
        return self.storage.namespace_file_size(path, namespace or None)

    def error_logs(self) -> list[dict[str, Any]]:
        if self._log_reader is None:
            return []
        return [e.to_api() for e in self._log_reader(self._execution_id) if e.level == "ERROR"]

    def _bytes(self, path: str, namespace: str) -> bytes:
        if _is_storage_uri(path):
            with self.storage.open(path) as handle:
                return handle.read()
        return self.storage.namespace_file(path, namespace or None)


def _is_storage_uri(path: str) -> bool:
    return path.strip().startswith("kestra:")
