"""`lanner server --flows DIR` reloads flow files edited while it runs."""

from __future__ import annotations

import io
import os
from pathlib import Path

from lanner.runtime.flowwatch import FlowWatcher
from lanner.testing import local_runtime

FLOW = "id: watched\nnamespace: company.team\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n"


def test_changed_files_are_redeployed_and_invalid_ones_reported(tmp_path: Path) -> None:
    path = tmp_path / "watched.yaml"
    path.write_text(FLOW + "    message: one\n")
    out = io.StringIO()
    with local_runtime() as local:
        local.runtime.deploy(path.read_text())
        watcher = FlowWatcher(tmp_path, local.runtime.deploy, out)
        assert watcher.check() == []  # nothing changed since start

        path.write_text(FLOW + "    message: two\n")
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
        assert watcher.check() == [path]
        assert local.runtime.flows.get("company.team", "watched").revision == 2
        assert "reloaded" in out.getvalue()

        path.write_text(FLOW + "    mesage: typo\n")
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
        assert watcher.check() == []
        assert f"skipped {path}:6" in out.getvalue()
        assert local.runtime.flows.get("company.team", "watched").revision == 2  # still runs rev 2
