"""The concrete ``RunContext``: everything one task-run attempt may touch on a worker."""

from __future__ import annotations

import math
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from lanner.plugins.api import KVAccess, TaskLogger, TaskStorage

from .jobs import MetricEntry, WorkerJob
from .logger import TaskRunLogger
from .masking import Masker
from .secrets import read_secret
from .storage import ExecutionStorage


class Rendering(Protocol):
    """What the worker needs from ``lanner.expr.engine.Renderer``."""

    def render(self, value: Any, variables: Mapping[str, Any]) -> Any: ...

    def render_typed(self, value: Any, variables: Mapping[str, Any]) -> Any: ...

    def render_bool(self, value: Any, variables: Mapping[str, Any]) -> bool: ...


class WorkerRunContext:
    """Implements ``lanner.plugins.api.RunContext`` for one attempt of one task run."""

    def __init__(
        self,
        job: WorkerJob,
        *,
        renderer: Rendering,
        logger: TaskRunLogger,
        storage: ExecutionStorage,
        kv: KVAccess,
        env: Mapping[str, str],
        masker: Masker,
        config: Mapping[str, Any] | None = None,
        kill_event: threading.Event | None = None,
        tmp_dir: Path | None = None,
        prepare_shared: Callable[[Path], None] | None = None,
        workdir: Path | None = None,
    ) -> None:
        """``prepare_shared`` fills a new shared directory (the owner's hook); ``workdir`` fixes
        the working directory (an owner's context on its shared directory: never removed)."""
        run = job.task_run
        self.namespace = run.namespace
        self.flow_id = run.flow_id
        self.execution_id = run.execution_id
        self.task_id = run.task_id
        self.task_run_id = run.id
        self.attempt_number = job.attempt_number
        self.variables: Mapping[str, Any] = job.variables
        # Typed as the plugin API's protocols: RunContext declares them as plain attributes.
        self.logger: TaskLogger = logger
        self.storage: TaskStorage = storage
        self.kv: KVAccess = kv
        self.config: Mapping[str, Any] = config or {}
        self.metrics: list[MetricEntry] = []
        self._renderer = renderer
        self._env = env
        self._masker = masker
        self._kill_event = kill_event or threading.Event()
        self._tmp_dir = tmp_dir
        self._shared = job.shared_directory
        self._prepare_shared = prepare_shared
        self._workdir: Path | None = workdir
        self._keeps_workdir = workdir is not None or self._shared is not None
        self._lock = threading.Lock()

    # --- rendering ---------------------------------------------------------------------------

    def _variables(self, extra: Mapping[str, Any] | None) -> Mapping[str, Any]:
        return {**self.variables, **extra} if extra else self.variables

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return self._renderer.render(value, self._variables(extra))

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return self._renderer.render_typed(value, self._variables(extra))

    def render_bool(self, value: Any) -> bool:
        return self._renderer.render_bool(value, self.variables)

    # --- resources ---------------------------------------------------------------------------

    def working_dir(self) -> Path:
        with self._lock:
            if self._workdir is None:
                if self._shared is not None:
                    self._workdir = self._shared_dir(self._shared.key)
                else:
                    if self._tmp_dir is not None:
                        self._tmp_dir.mkdir(parents=True, exist_ok=True)
                    self._workdir = Path(tempfile.mkdtemp(prefix=f"lanner-{self.task_id}-",
                                                          dir=self._tmp_dir))
            return self._workdir

    def _shared_dir(self, key: str) -> Path:
        """The directory of a WorkingDirectory, made (and prepared by its owner task: namespace
        files, inputFiles) by its first child."""
        path = shared_directory_path(self._tmp_dir, self.execution_id, key)
        if not path.exists():
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=path.parent))
            try:
                if self._prepare_shared is not None:
                    self._prepare_shared(staging)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            staging.rename(path)  # atomic: siblings never see a half-prepared directory
        return path

    def close(self) -> None:
        """Remove the working directory (called once the attempt is over); a shared one stays
        for the next sibling and is removed by the runtime when its WorkingDirectory ends."""
        with self._lock:
            workdir, self._workdir = self._workdir, None
        if workdir is not None and not self._keeps_workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    def metric(
        self, name: str, value: float, type: str = "counter", tags: Mapping[str, str] | None = None
    ) -> None:
        number = float(value)
        if not math.isfinite(number):  # NaN/infinity: no store (nor Kestra's JSON) can keep them
            self.logger.warn(f"Metric '{name}' ignored: its value {value!r} is not a finite number")
            return
        self.metrics.append(MetricEntry(name, number, type, dict(tags or {})))

    def is_killed(self) -> bool:
        return self._kill_event.is_set()

    # --- secrets -----------------------------------------------------------------------------

    def secret(self, key: str) -> str:
        value = read_secret(self._env, key)
        self._masker.add(value)
        return value

    def mask(self, value: str) -> None:
        self._masker.add(value)


def shared_directory_path(tmp_dir: Path | None, execution_id: str, key: str) -> Path:
    """Where the shared directory of a WorkingDirectory task run lives (parents created)."""
    root = (tmp_dir or Path(tempfile.gettempdir())) / "shared" / execution_id
    root.mkdir(parents=True, exist_ok=True)
    return root / key
