"""Running a script task (Kestra's ``CommandsWrapper``, reference §3.7 steps 1-8).

working dir -> namespace files -> inputFiles -> render commands (with ``workingDir``) ->
download ``kestra://`` URIs -> run (local process, or Docker when asked for and available) ->
parse output lines -> upload ``outputFiles`` -> outputs ``vars``, ``exitCode``, ``outputFiles``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lanner.plugins.api import RunContext, TaskFailure, TaskOutput
from lanner.tasks._config import config_value
from lanner.tasks.core.files_service import collect_output_files, unique_name

from .docker import docker_argv, docker_available, kill_container
from .process import run_process
from .protocol import LogConsumer
from .runners import Docker
from .workdir import (
    copy_namespace_files,
    render_env,
    render_list,
    replace_internal_storage,
    write_input_files,
)

if TYPE_CHECKING:
    from ._base import ScriptTask

BASE_ENV = {"PYTHONUNBUFFERED": "true", "PIP_ROOT_USER_ACTION": "ignore",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
DEFAULT_INTERPRETER = ["/bin/sh", "-c"]
PROCESS_RUNNER = "io.kestra.plugin.core.runner.Process"


@dataclass
class Prepared:
    """What a task type adds before its commands run (Python: its environment)."""

    env: dict[str, str] = field(default_factory=dict)  # PATH is prepended, the rest overrides
    before_commands: list[str] = field(default_factory=list)
    python: Path | None = None  # the interpreter `python` should mean (python tasks, local runs)


def run_script(task: ScriptTask, ctx: RunContext) -> TaskOutput:
    workdir = ctx.working_dir()
    extra: dict[str, Any] = {"workingDir": str(workdir), "outputDir": str(workdir)}
    output_dir: Path | None = None
    if task.outputDirectory:
        # Deprecated Kestra 0.x way: every file written to {{ outputDir }} becomes an output file.
        output_dir = workdir / secrets.token_hex(8)
        output_dir.mkdir()
        extra["outputDir"] = str(output_dir)

    copy_namespace_files(ctx, task.namespaceFiles, workdir)
    write_input_files(ctx, task.inputFiles, extra)
    docker = choose_runner(task, ctx)

    with task.prepare(ctx, docker is not None) as prepared:
        commands = replace_internal_storage(ctx, task.main_commands(ctx, extra, workdir, prepared), workdir)
        before = prepared.before_commands + render_list(ctx, task.beforeCommands, "beforeCommands", extra)
        interpreter = render_list(ctx, task.interpreter, "interpreter") or list(DEFAULT_INTERPRETER)
        body = "\n".join((["set -e"] if task.failFast else []) + before + commands)
        argv = [*interpreter, body]
        task_env = {**BASE_ENV, **render_env(ctx, task.env), "WORKING_DIR": str(workdir),
                    "OUTPUT_DIR": extra["outputDir"]}
        consumer = LogConsumer(ctx)
        if docker is None:
            exit_code, killed = _run_local(ctx, argv, workdir, _local_env(task_env, prepared.env), consumer)
        else:
            exit_code, killed = _run_docker(task, ctx, docker, argv, workdir, task_env, consumer)

    outputs: dict[str, Any] = {"vars": consumer.vars, "exitCode": exit_code}
    if killed:
        raise TaskFailure("The command was killed", outputs)
    if exit_code != 0:
        raise TaskFailure(f"Command failed with exit code {exit_code}", outputs)
    globs = render_list(ctx, task.outputFiles, "outputFiles", extra)
    outputs["outputFiles"] = collect_output_files(ctx, globs) if globs else {}
    if output_dir is not None:
        for path in sorted(p for p in output_dir.rglob("*") if p.is_file()):
            outputs["outputFiles"][path.relative_to(output_dir).as_posix()] = ctx.storage.put_file(
                path, unique_name(path))
    warning = bool(task.warningOnStdErr) and consumer.stderr_count > 0
    return TaskOutput(outputs, state="WARNING" if warning else "SUCCESS")


def choose_runner(task: ScriptTask, ctx: RunContext) -> Docker | None:
    """The Docker runner if the flow asks for it and an engine answers; else the local process."""
    runner = task.taskRunner
    docker_types = (Docker.kestra_type, *Docker.aliases)
    wants_docker = (runner.type in docker_types) if runner is not None else task.runner == "DOCKER"
    image = task.containerImage or task.default_image
    if not wants_docker:
        if task.containerImage:
            ctx.logger.debug(f"containerImage '{task.containerImage}' is ignored by the Process task runner")
        return None
    docker = runner if isinstance(runner, Docker) else Docker(type=Docker.kestra_type)
    if docker_available(docker.host):
        return docker
    if _docker_fallback(ctx) == "FAIL":
        raise TaskFailure(
            f"The flow asks for the Docker task runner but no Docker engine answers on this machine. "
            f"Start Docker, or run the script as a local process with "
            f"`taskRunner: {{type: {PROCESS_RUNNER}}}` (or set `tasks: {{docker: {{fallback: PROCESS}}}}` "
            f"in Lanner's configuration to do that for every flow).")
    ctx.logger.warn(
        f"The Docker task runner is unavailable (no Docker engine answers on this machine): the script "
        f"runs as a local process instead, without the image '{image}'. To make that explicit, set "
        f"`taskRunner: {{type: {PROCESS_RUNNER}}}`.")
    return None


def _docker_fallback(ctx: RunContext) -> str:
    """``tasks.docker.fallback``: PROCESS (default: the course's flows ask for Docker and must run
    on a laptop without it) or FAIL (refuse, with the way to switch to the Process runner)."""
    return str(config_value(ctx.config, "tasks", "docker", "fallback") or "PROCESS").upper()


def _local_env(task_env: Mapping[str, str], prepared: Mapping[str, str]) -> dict[str, str]:
    """Process runner: the worker's environment, the prepared one, then the task's."""
    env = dict(os.environ)
    for key, value in prepared.items():
        if key == "PATH":
            value = os.pathsep.join(p for p in (value, env.get("PATH", "")) if p)
        env[key] = value
    env.update(task_env)
    return env


def _run_local(ctx: RunContext, argv: list[str], workdir: Path, env: Mapping[str, str],
               consumer: LogConsumer) -> tuple[int, bool]:
    def started(pid: int) -> None:
        ctx.logger.debug(f"Starting command with pid {pid} {argv}")

    try:
        result = run_process(argv, cwd=workdir, env=env, on_line=consumer.accept,
                             is_killed=ctx.is_killed, on_start=started)
    except OSError as exc:
        raise TaskFailure(f"Unable to start the command {argv[:-1]}: {exc}") from None
    return _shell_exit_code(result.exit_code), result.killed


def _run_docker(task: ScriptTask, ctx: RunContext, runner: Docker, argv: list[str], workdir: Path,
                env: Mapping[str, str], consumer: LogConsumer) -> tuple[int, bool]:
    image = ctx.render(task.containerImage) or task.default_image
    name = "lanner-" + re.sub(r"[^a-zA-Z0-9_.-]", "-", f"{ctx.task_run_id}-{ctx.attempt_number}").lower()
    command = docker_argv(runner, image=image, name=name, workdir=workdir, env=env, command=argv)
    ctx.logger.debug(f"Running in Docker image '{image}': {command}")
    result = run_process(command, cwd=workdir, env=os.environ, on_line=consumer.accept,
                         is_killed=ctx.is_killed, on_kill=lambda: kill_container(runner, name))
    return _shell_exit_code(result.exit_code), result.killed


def _shell_exit_code(code: int) -> int:
    """A process ended by signal N reports -N in Python; shells and Kestra say 128 + N."""
    return 128 - code if code < 0 else code
