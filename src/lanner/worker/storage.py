"""Internal storage as a task sees it (``TaskStorage``) on top of the ``FileStorage`` port.

URIs keep Kestra's shape (reference §6.1, ``lanner.files.uris``): a task's files land under
``kestra:///<ns path>/<flow slug>/executions/<execId>/tasks/<task slug>/<taskRunId>/<name>``.
A task may read the files of its execution, of its flow and of its namespace
(``lanner.files.access``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from lanner.errors import NotFoundError, UserCodeError
from lanner.files import uris
from lanner.files.access import check_read_access
from lanner.files.namespace_files import NamespaceFiles
from lanner.files.ports import FileStorage


class ExecutionStorage:
    """``lanner.plugins.api.TaskStorage`` for one task run (or, without ``task_id``, a read-only
    view of one execution's files for expression functions)."""

    def __init__(
        self,
        files: FileStorage,
        *,
        namespace: str,
        flow_id: str,
        execution_id: str,
        task_id: str | None = None,
        task_run_id: str | None = None,
        readable_prefixes: Iterable[str] = (),
    ) -> None:
        self._files = files
        self._namespace_files = NamespaceFiles(files)
        self._namespace = namespace
        self._flow_id = flow_id
        self._execution_id = execution_id
        self._task = (task_id, task_run_id) if task_id and task_run_id else None
        self._extra_readable = tuple(readable_prefixes)
        self.execution_prefix = uris.execution_prefix(namespace, flow_id, execution_id)

    # --- writing this task run's outputs ---------------------------------------------------

    def _output_uri(self, name: str) -> str:
        if self._task is None:
            raise UserCodeError("Files can only be stored by a running task")
        task_id, task_run_id = self._task
        return uris.task_output_uri(self._namespace, self._flow_id, self._execution_id, task_id,
                                    task_run_id, name)

    def put_file(self, path: Path, name: str | None = None) -> str:
        path = Path(path)
        return self._files.put_file(self._output_uri(name or path.name), path)

    def put_bytes(self, data: bytes, name: str) -> str:
        return self._files.put_bytes(self._output_uri(name), data)

    # --- reading ----------------------------------------------------------------------------

    def check_readable(self, uri: str) -> str:
        """The canonical form of ``uri`` if this task may read it; raises otherwise."""
        check_read_access(uri, namespace=self._namespace, flow_id=self._flow_id,
                          execution_id=self._execution_id, extra=self._extra_readable)
        return uris.canonical(uri)

    def open(self, uri: str) -> BinaryIO:
        canonical = self.check_readable(uri)
        try:
            return self._files.open(canonical)
        except (NotFoundError, FileNotFoundError):
            raise NotFoundError(f"Unable to read the file '{uri}': it does not exist") from None

    def download(self, uri: str, dest: Path) -> Path:
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / uris.parse(uri)[-1]
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self.open(uri) as source, dest.open("wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        return dest

    def exists(self, uri: str) -> bool:
        return self._files.exists(self.check_readable(uri))

    def size(self, uri: str) -> int:
        canonical = self.check_readable(uri)
        if not self._files.exists(canonical):
            raise NotFoundError(f"Unable to read the file '{uri}': it does not exist")
        return self._files.size(canonical)

    def delete(self, uri: str) -> bool:
        # The same reach as reading: a task may delete files of its execution, flow or namespace.
        return self._files.delete(self.check_readable(uri))

    def delete_execution_files(self) -> list[str]:
        return list(self._files.delete_prefix(self.execution_prefix))

    # --- namespace files -------------------------------------------------------------------

    def namespace_file(self, path: str, namespace: str | None = None) -> bytes:
        return self._namespace_files.get(namespace or self._namespace, path)

    def namespace_file_exists(self, path: str, namespace: str | None = None) -> bool:
        return self._namespace_files.exists(namespace or self._namespace, path)

    def namespace_file_size(self, path: str, namespace: str | None = None) -> int:
        ns = namespace or self._namespace
        if not self._namespace_files.exists(ns, path):
            raise NotFoundError(f"Namespace file '{path}' does not exist in namespace '{ns}'")
        return self._namespace_files.size(ns, path)

    def namespace_files(self, namespace: str | None = None) -> Iterator[tuple[str, bytes]]:
        ns = namespace or self._namespace
        prefix = uris.namespace_files_prefix(ns)
        root = len(uris.parse(prefix))
        for uri in self._files.list(prefix):
            if uris.is_under(uri, prefix):
                with self._files.open(uri) as handle:
                    yield "/".join(uris.parse(uri)[root:]), handle.read()
