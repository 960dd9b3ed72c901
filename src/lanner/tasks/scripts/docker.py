"""The Docker task runner: is an engine there, and the ``docker run`` command line.

Kept deliberately small and NOT covered by tests here (no Docker engine on the build machines):
the working directory is bind-mounted at the same absolute path, the container works in it, the
task's env (not the host's) is passed, and a kill also kills the container by its name.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from .runners import Docker

PULL_FLAGS = {"ALWAYS": "always", "IF_NOT_PRESENT": "missing", "NEVER": "never"}


@functools.cache
def docker_available(host: str | None = None) -> bool:
    """True if a Docker engine answers (asked once per process and host)."""
    exe = shutil.which("docker")
    if exe is None:
        return False
    argv = [exe, *(["--host", host] if host else []), "info", "--format", "{{.ServerVersion}}"]
    try:
        return subprocess.run(argv, capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def docker_argv(
    runner: Docker,
    *,
    image: str,
    name: str,
    workdir: Path,
    env: Mapping[str, str],
    command: Sequence[str],
) -> list[str]:
    argv = ["docker", *(["--host", runner.host] if runner.host else []), "run", "--rm", "--name", name,
            "--pull", PULL_FLAGS[runner.pullPolicy], "-v", f"{workdir}:{workdir}", "-w", str(workdir)]
    entry = runner.entryPoint if runner.entryPoint is not None else [""]
    argv += ["--entrypoint", entry[0] if entry else ""]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    for volume in runner.volumes or []:
        argv += ["-v", volume]
    if runner.networkMode:
        argv += ["--network", runner.networkMode]
    if runner.user:
        argv += ["--user", runner.user]
    if runner.memory and runner.memory.memory:
        argv += ["--memory", runner.memory.memory]
    if runner.cpu and runner.cpu.cpus is not None:
        argv += ["--cpus", str(runner.cpu.cpus)]
    if runner.privileged:
        argv.append("--privileged")
    for host in runner.extraHosts or []:
        argv += ["--add-host", host]
    return [*argv, image, *(entry[1:] if entry else []), *command]


def kill_container(runner: Docker, name: str) -> None:
    argv = ["docker", *(["--host", runner.host] if runner.host else []), "kill", name]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(argv, capture_output=True, timeout=30, check=False)
