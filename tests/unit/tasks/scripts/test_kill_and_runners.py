"""Kill and timeout end the whole process group; Docker falls back to a local process."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from lanner.model.state import State
from lanner.tasks.scripts import commands, docker
from lanner.tasks.scripts.python import Script as PythonScript
from lanner.tasks.scripts.runners import Docker
from lanner.tasks.scripts.shell import Commands

DOCKER = "io.kestra.plugin.scripts.runner.docker.Docker"
SLEEPER = ["sleep 30 &", 'echo "child $!"', "wait"]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie is dead, only waiting for a reaper


def child_pid(harness) -> int:
    line = next(m for m in harness.messages("INFO") if m.startswith("child "))
    return int(line.split()[1])


def test_kill_ends_the_child_processes_quickly(harness):
    kill = threading.Event()
    sink = harness.deps.log_sink

    def on_log(entry):  # kill as soon as the script says its child started: no sleeping here
        sink(entry)
        if entry.message.startswith("child "):
            kill.set()

    harness.deps.log_sink = on_log
    started = time.monotonic()
    result = harness.run(harness.task(Commands, {"commands": SLEEPER}), kill_event=kill)
    assert time.monotonic() - started < 10
    assert result.state == State.KILLED
    assert not alive(child_pid(harness))


def test_timeout_ends_the_child_processes(harness):
    started = time.monotonic()
    result = harness.run(harness.task(Commands, {"timeout": "PT0.5S", "commands": SLEEPER}))
    assert time.monotonic() - started < 10
    assert result.state == State.FAILED and "timeout" in (result.error or "").lower()
    pid = child_pid(harness)
    deadline = time.monotonic() + 5  # the worker gives the task a grace period to finish
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(pid)


def test_docker_without_engine_runs_locally_with_one_warning(harness, monkeypatch):
    monkeypatch.setattr(commands, "docker_available", lambda host=None: False)
    task = harness.task(PythonScript, {"taskRunner": {"type": DOCKER}, "containerImage": "python:slim",
                                       "script": "print('ran here')"})
    result = harness.run(task)
    assert result.state == State.SUCCESS, result.error
    warnings = harness.messages("WARN")
    assert len(warnings) == 1
    assert "Docker task runner is unavailable" in warnings[0]
    assert "io.kestra.plugin.core.runner.Process" in warnings[0] and "python:slim" in warnings[0]
    assert "ran here" in harness.messages("INFO")


def test_legacy_runner_docker_also_falls_back(harness, monkeypatch):
    monkeypatch.setattr(commands, "docker_available", lambda host=None: False)
    result = harness.run(harness.task(Commands, {"runner": "DOCKER", "commands": ["echo ok"]}))
    assert result.state == State.SUCCESS and len(harness.messages("WARN")) == 1


def test_docker_engine_present_runs_docker_run(harness, monkeypatch):
    seen: list[list[str]] = []
    real_run_process = commands.run_process

    def fake_run_process(argv, **kwargs):
        seen.append(list(argv))
        return real_run_process(["/bin/sh", "-c", "echo from-container"], **kwargs)

    monkeypatch.setattr(commands, "docker_available", lambda host=None: True)
    monkeypatch.setattr(commands, "run_process", fake_run_process)
    task = harness.task(Commands, {"taskRunner": {"type": DOCKER}, "env": {"A": "1"},
                                   "commands": ["echo hi"]})
    result = harness.run(task)
    assert result.state == State.SUCCESS, result.error
    argv = seen[0]
    assert argv[:3] == ["docker", "run", "--rm"] and "ubuntu" in argv and "A=1" in argv
    assert argv[-3:-1] == ["/bin/sh", "-c"] and argv[-1].endswith("echo hi")


def test_docker_argv_mounts_the_working_dir_at_the_same_path(tmp_path):
    runner = Docker(type=DOCKER, pullPolicy="ALWAYS", networkMode="host", volumes=["/data:/data"],
                    user="1000")
    argv = docker.docker_argv(runner, image="python:3.13-slim", name="lanner-x", workdir=tmp_path,
                              env={"K": "V"}, command=["/bin/sh", "-c", "echo 1"])
    assert argv[:2] == ["docker", "run"]
    assert ["-v", f"{tmp_path}:{tmp_path}"] == argv[argv.index("-v"):argv.index("-v") + 2]
    assert argv[argv.index("-w") + 1] == str(tmp_path)
    assert argv[argv.index("--pull") + 1] == "always"
    assert argv[argv.index("--entrypoint") + 1] == ""
    assert {"--network", "host", "--user", "1000", "/data:/data", "K=V"} <= set(argv)
    assert argv[-4:] == ["python:3.13-slim", "/bin/sh", "-c", "echo 1"]


def test_docker_available_without_cli(monkeypatch):
    docker.docker_available.cache_clear()
    monkeypatch.setattr(docker.shutil, "which", lambda name: None)
    try:
        assert docker.docker_available() is False
    finally:
        docker.docker_available.cache_clear()


@pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")
def test_background_child_holding_the_pipes_does_not_block_the_end(harness):
    started = time.monotonic()
    result = harness.run(harness.task(Commands, {"commands": ["sleep 30 &", "echo done"]}))
    assert result.state == State.SUCCESS
    assert time.monotonic() - started < 10


def test_docker_without_engine_can_be_refused_by_configuration(harness, monkeypatch):
    import dataclasses

    monkeypatch.setattr(commands, "docker_available", lambda host=None: False)
    harness.deps = dataclasses.replace(harness.deps, config={"tasks": {"docker": {"fallback": "FAIL"}}})
    task = harness.task(PythonScript, {"taskRunner": {"type": DOCKER}, "script": "print('never')"})
    result = harness.run(task)
    assert result.state == State.FAILED
    assert "no Docker engine answers" in (result.error or "")
    assert "io.kestra.plugin.core.runner.Process" in (result.error or "")
