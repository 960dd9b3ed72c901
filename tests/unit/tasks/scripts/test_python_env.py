"""Cached Python environments: key, location, reuse, locking and clean failures (no network:
the environment builder is replaced by a fake; real installs are in tests/integration/scripts)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from lanner.model.state import State
from lanner.plugins.api import TaskFailure
from lanner.tasks.scripts import python_env
from lanner.tasks.scripts.python import Script


class FakeBuilder:
    """Stands in for uv/pip: makes a venv-looking dir whose `python` is the current interpreter."""

    def __init__(self, fail: bool = False, gate: threading.Event | None = None) -> None:
        self.calls = 0
        self.fail = fail
        self.gate = gate

    def __call__(self, ctx, venv: Path, interpreter, dependencies, use_uv) -> None:
        self.calls += 1
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "python").symlink_to(sys.executable)
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail:
            raise TaskFailure("Failed to install the Python package 'nope'")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "envs"


def script(harness, cache_dir: Path, **extra):
    harness.deps.config = {"tasks": {"python-cache": str(cache_dir)}}
    return harness.task(Script, {"dependencies": ["kestra", "requests"],
                                 "script": "import os\nprint(os.environ['VIRTUAL_ENV'])", **extra})


def test_environment_key_ignores_order_and_depends_on_version():
    key = python_env.environment_key(["b", "a"], "3.11.7")
    assert key == python_env.environment_key(["a", "b"], "3.11.7")
    assert key != python_env.environment_key(["a", "b"], "3.12.1")
    assert key != python_env.environment_key(["a"], "3.11.7")


def test_cache_root_from_config_then_lanner_home(tmp_path):
    assert python_env.cache_root({"tasks": {"pythonCache": str(tmp_path)}}) == tmp_path
    assert python_env.cache_root({}, {"LANNER_HOME": str(tmp_path)}) == tmp_path / "cache" / "python-envs"
    assert python_env.cache_root({}, {}) == Path.home() / ".lanner" / "cache" / "python-envs"


def test_second_run_reuses_the_cached_environment(harness, cache, monkeypatch):
    builder = FakeBuilder()
    monkeypatch.setattr(python_env, "_build", builder)
    task = script(harness, cache)
    first = harness.run(task)
    assert first.state == State.SUCCESS, first.error
    second = harness.run(task)
    assert second.state == State.SUCCESS, second.error
    assert builder.calls == 1
    venvs = [p for p in cache.iterdir() if p.is_dir()]
    assert len(venvs) == 1 and (venvs[0] / python_env.COMPLETE_MARKER).exists()
    assert sum(m.startswith("Using cached Python environment") for m in harness.messages("INFO")) == 1
    # The script ran in the environment.
    assert str(venvs[0]) in harness.messages("INFO")


def test_failed_build_leaves_nothing_and_names_the_package(harness, cache, monkeypatch):
    monkeypatch.setattr(python_env, "_build", FakeBuilder(fail=True))
    result = harness.run(script(harness, cache))
    assert result.state == State.FAILED and "'nope'" in (result.error or "")
    assert [p for p in cache.iterdir() if p.is_dir()] == []
    monkeypatch.setattr(python_env, "_build", builder := FakeBuilder())
    assert harness.run(script(harness, cache)).state == State.SUCCESS
    assert builder.calls == 1


def test_unfinished_environment_is_rebuilt(harness, cache, monkeypatch):
    monkeypatch.setattr(python_env, "_build", builder := FakeBuilder())
    version = ".".join(map(str, sys.version_info[:3]))
    leftover = cache / python_env.environment_key(["kestra", "requests"], version)
    (leftover / "bin").mkdir(parents=True)  # a crashed build: no completion marker
    assert harness.run(script(harness, cache)).state == State.SUCCESS
    assert builder.calls == 1


def test_concurrent_tasks_build_once(harness, cache, monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(python_env, "_build", builder := FakeBuilder(gate=gate))
    task = script(harness, cache)
    results = []
    threads = [threading.Thread(target=lambda: results.append(harness.run(task))) for _ in range(2)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(30)
    assert [r.state for r in results] == [State.SUCCESS, State.SUCCESS]
    assert builder.calls == 1


def test_missing_python_version_warns_and_uses_the_current_one(harness, cache, monkeypatch):
    monkeypatch.setattr(python_env, "_build", FakeBuilder())
    monkeypatch.setattr(python_env.shutil, "which", lambda name: None)
    result = harness.run(script(harness, cache, pythonVersion="2.1"))
    assert result.state == State.SUCCESS, result.error
    assert any("pythonVersion 2.1 is not installed" in m for m in harness.messages("WARN"))


def test_no_dependencies_uses_the_python_running_lanner(harness):
    task = harness.task(Script, {"script": "import sys\nprint(sys.executable)"})
    result = harness.run(task)
    assert result.state == State.SUCCESS, result.error
    assert harness.messages("INFO")[-1] == sys.executable


def test_install_error_names_the_failing_package():
    tail = ["  x No solution found when resolving dependencies:",
            "  ╰─▶ Because no-such_pkg was not found in the package registry, we can't continue."]
    message = python_env._install_error("uv", ["requests", "No.Such-Pkg==1.0"], tail, 1)
    assert message.startswith("Failed to install the Python package 'No.Such-Pkg==1.0' (uv exit code 1)")
    assert "not found in the package registry" in message
    generic = python_env._install_error("pip", ["a-thing"], ["boom"], 2)
    assert generic.startswith("Failed to install the Python dependencies ['a-thing']")
