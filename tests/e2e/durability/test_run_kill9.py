"""``kill -9`` (or the OOM killer) ends a ``lanner run`` in the middle of an execution: the next
``lanner run`` on the same home kills that orphan instead of queueing forever behind it, and a
``lanner server`` started while a ``lanner run`` is alive leaves that run's execution alone."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from lanner.runtime.executor_loop import Runtime
from lanner.runtime.local import ORPHAN_REASON, LocalRun
from lanner.runtime.services import build_services
from lanner.runtime.standalone import _recover
from lanner.settings import Settings
from tests.e2e.conftest import LANNER, lanner_environ, stored_executions

pytestmark = pytest.mark.slow

LIMITED = """id: limited
namespace: company.team
concurrency:
  limit: 1
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - "{{ inputs.command }}"
inputs:
  - id: command
    type: STRING
"""


def _executions(home: Path) -> dict[str, str]:
    return {e.id: e.state.current.value for e in stored_executions(home, "limited")}


def _killed_run(tmp_path: Path) -> tuple[Path, Path, str]:
    """(flow file, home, execution id) of a `lanner run` killed with -9 while its script ran."""
    flow, home, marker = tmp_path / "limited.yaml", tmp_path / "home", tmp_path / "started"
    flow.write_text(LIMITED)
    doomed = subprocess.Popen([LANNER, "run", str(flow), "--input", f"command=touch {marker}; sleep 120"],
                              env=lanner_environ(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    os.killpg(doomed.pid, signal.SIGKILL)  # the process and its script: nothing cleans up
    doomed.wait(10)
    [orphan] = _executions(home)
    return flow, home, orphan


def test_the_next_run_kills_what_a_killed_run_left_behind(tmp_path: Path) -> None:
    flow, home, orphan = _killed_run(tmp_path)
    assert _executions(home)[orphan] == "RUNNING"

    after = subprocess.run([LANNER, "run", str(flow), "--input", "command=echo second"],
                           env=lanner_environ(home), capture_output=True, text=True, timeout=60)
    assert after.returncode == 0, after.stdout + after.stderr
    states = _executions(home)
    assert states[orphan] == "KILLED" and sorted(states.values()) == ["KILLED", "SUCCESS"]
    services = build_services(Settings(home=home, raw={}, environ={}))
    try:
        messages = [entry.message for entry in services.stores.logs.for_execution(orphan)]
    finally:
        services.close()
    assert ORPHAN_REASON in messages
    assert not list((home / "runs").glob("*.lease"))  # the dead lease is gone, the new one closed


def test_a_starting_server_leaves_a_live_run_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    nap = LIMITED.replace('"{{ inputs.command }}"', "sleep 30")
    alive = LocalRun(build_services(Settings(home=home, raw={}, environ={}))).__enter__()
    try:
        execution = alive.start(alive.runtime.deploy(nap), {"command": "x"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            current = alive.runtime.get(execution.id)
            runs = current.task_runs if current is not None else ()
            if runs and runs[0].state.current.value == "RUNNING":
                break
            time.sleep(0.05)
        server = LocalRun(build_services(Settings(home=home, raw={}, environ={})))
        with server:
            assert _recover(server.runtime, home) == 0  # not resumed a second time here
        assert alive.runtime.get(execution.id).state.current.value == "RUNNING"  # type: ignore[union-attr]
    finally:
        alive.runtime.kill(execution.id)
        alive.wait(execution.id, timeout=30)
        alive.__exit__(None, None, None)


def test_a_starting_server_resumes_what_a_killed_run_left(tmp_path: Path) -> None:
    _, home, orphan = _killed_run(tmp_path)
    services = build_services(Settings(home=home, raw={}, environ={}))
    server = Runtime(services).start()  # what `lanner server` runs (no run lease of its own)
    try:
        assert _recover(server, home) == 1
        final = server.wait(orphan, timeout=30)
    finally:
        server.stop()
        services.close()
    assert final.state.current.value == "FAILED"  # its task was interrupted and has no retry
    assert not list((home / "runs").glob("*.lease"))
