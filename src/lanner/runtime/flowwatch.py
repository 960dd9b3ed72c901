"""Reload flow files that change on disk while ``lanner server --flows DIR`` runs.

Polling (no extra dependency, works on every file system): every ``interval`` seconds the
modification times of the flow files are compared; a new or changed file is deployed again
(identical source makes no new revision), an invalid one is reported and the running revision
stays. Deleted files do not delete flows: that is what ``DELETE /flows`` is for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO


def _snapshot(flows_dir: Path) -> dict[Path, float]:
    stamps: dict[Path, float] = {}
    for path in flows_dir.rglob("*"):
        if path.suffix in (".yml", ".yaml") and path.is_file():
            try:
                stamps[path] = path.stat().st_mtime
            except OSError:  # removed between listing and stat
                continue
    return stamps


class FlowWatcher:
    def __init__(self, flows_dir: Path, deploy: Callable[[str], Any], out: TextIO,
                 interval: float = 1.0) -> None:
        self.flows_dir = flows_dir
        self._deploy = deploy
        self._out = out
        self._interval = interval
        self._seen = _snapshot(flows_dir)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lanner-flow-watch", daemon=True)

    def start(self) -> FlowWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def check(self) -> list[Path]:
        """Deploy what changed since the last check; returns the files deployed."""
        from lanner.runtime.standalone import deploy_flow_file

        current = _snapshot(self.flows_dir)
        changed = [p for p, stamp in sorted(current.items()) if self._seen.get(p) != stamp]
        self._seen = current
        return [p for p in changed if deploy_flow_file(self._deploy, p, self._out, reloaded=True)]

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.check()
