"""``lanner server ROLE...`` refuses what cannot work before it starts anything."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.integration.scaleout.processes import LANNER


def run(tmp_path: Path, *args: str,
        config: dict[str, object] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANNER_HOME": str(tmp_path), "LANNER_CONFIGURATION": json.dumps(config or {})}
    return subprocess.run([LANNER, "server", *args], capture_output=True, text=True, timeout=60, env=env,
                          check=False)


def test_an_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    done = run(tmp_path, "janitor")
    assert done.returncode == 2
    assert "unknown role 'janitor'" in done.stderr and "webserver, executor, scheduler, worker" in done.stderr


def test_roles_need_a_shared_database(tmp_path: Path) -> None:
    done = run(tmp_path, "worker", config={"repository": {"url": "memory://"}})
    assert done.returncode != 0
    assert "repository.url" in done.stdout + done.stderr
