"""Properties shared by every script task (Kestra's ``AbstractExecScript``) and the hooks each
task type fills in; the run itself is ``commands.run_script``."""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskOutput
from lanner.tasks.core._support import to_text

from .commands import Prepared, run_script
from .python_env import python_env
from .runners import TaskRunner
from .workdir import render_list, replace_internal_storage


class NamespaceFiles(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | str = Field(default=True, description="Copy the namespace files into the working dir.")
    include: list[str] | None = Field(default=None, description="Glob patterns of files to copy.")
    exclude: list[str] | None = Field(default=None, description="Glob patterns of files to skip.")
    ifExists: Literal["OVERWRITE", "FAIL", "WARN", "IGNORE"] = "OVERWRITE"
    folderPerNamespace: bool = False
    namespaces: list[str] | None = None


class ScriptTask(RunnableTask):
    """Base of the script tasks: the properties of Kestra's ``AbstractExecScript``."""

    model_config = ConfigDict(coerce_numbers_to_str=True, defer_build=True)

    taskRunner: TaskRunner | None = Field(
        default=None, description="Where the commands run. Lanner's default is a local process "
                                  "(`io.kestra.plugin.core.runner.Process`); "
                                  "`io.kestra.plugin.scripts.runner.docker.Docker` runs in a container "
                                  "when a Docker engine answers, else locally with a warning.")
    containerImage: str | None = Field(default=None, description="Container image (container runners only).")
    beforeCommands: Prop[list[str]] | None = Field(
        default=None, description="Commands run before the main ones, in the same shell.")
    interpreter: Prop[list[str]] | None = Field(
        default=None, description="Interpreter running the commands (default `/bin/sh -c`).")
    env: Prop[dict[str, Any]] | None = Field(
        default=None, description="Extra environment variables (rendered).")
    failFast: bool = Field(default=True, description="Stop at the first failing command (`set -e`).")
    inputFiles: dict[str, Any] | str | None = Field(
        default=None, description="File name -> content or kestra:// URI, written into the working dir.")
    outputFiles: Prop[list[str]] | None = Field(
        default=None, description="Glob patterns (relative to the working dir) of files to keep as outputs.")
    namespaceFiles: NamespaceFiles | None = None
    targetOS: Literal["AUTO", "LINUX", "WINDOWS"] = "AUTO"
    warningOnStdErr: bool | None = Field(default=None, description="Deprecated (Kestra 0.x): stderr "
                                                                   "output makes the task WARNING.")
    outputDirectory: bool | None = Field(default=None, description="Deprecated: use `outputFiles`.")
    docker: dict[str, Any] | None = Field(default=None, description="Deprecated: use `taskRunner`.")
    runner: Literal["DOCKER", "PROCESS"] | None = Field(
        default=None, description="Deprecated: use `taskRunner`.")

    # Image used by the Docker runner when `containerImage` is not set (Kestra's defaults).
    default_image: ClassVar[str] = "ubuntu"

    def run(self, ctx: RunContext) -> TaskOutput:
        return run_script(self, ctx)

    def main_commands(self, ctx: RunContext, extra: Mapping[str, Any], workdir: Path,
                      prepared: Prepared) -> list[str]:
        """The task's own commands, rendered with ``extra`` (``workingDir``...)."""
        raise NotImplementedError

    @contextmanager
    def prepare(self, ctx: RunContext, in_docker: bool) -> Iterator[Prepared]:
        """Set up what the commands need for as long as they run (Python: its environment)."""
        yield Prepared()


def write_script_file(ctx: RunContext, script: str, extra: Mapping[str, Any], workdir: Path,
                      suffix: str) -> Path:
    """The rendered ``script`` in ``<workingDir>/<random><suffix>`` (as Kestra names it); its
    ``kestra://`` URIs are downloaded and replaced by local paths, as in commands."""
    path = workdir / f"{secrets.token_hex(11)}{suffix}"
    text = replace_internal_storage(ctx, [to_text(ctx.render(script, extra))], workdir)[0]
    path.write_text(text, encoding="utf-8")
    return path


class PythonScriptTask(ScriptTask):
    """Python-only properties (``AbstractPythonExecScript``) and the Python environment."""

    default_image = "python:3.13-slim"

    dependencies: Prop[list[str]] | None = Field(
        default=None, description="pip requirement specifiers, installed once into a cached virtual "
                                  "environment (keyed by the dependencies and the Python version).")
    pythonVersion: str | None = Field(
        default=None, description="Python version to use (e.g. `3.12`), if installed on the worker.")
    dependencyCacheEnabled: bool = Field(
        default=True, description="Keep the environment of `dependencies` for the next runs.")
    packageManager: Literal["UV", "PIP"] = Field(
        default="UV", description="Installer of `dependencies` (uv when available, else pip).")

    @contextmanager
    def prepare(self, ctx: RunContext, in_docker: bool) -> Iterator[Prepared]:
        dependencies = render_list(ctx, self.dependencies, "dependencies")
        if in_docker:
            # Inside the container, Kestra installs the dependencies with the image's pip.
            install = ["pip install --quiet " + " ".join(shlex.quote(d) for d in dependencies)]
            yield Prepared(before_commands=install if dependencies else [])
            return
        version = to_text(ctx.render(self.pythonVersion)) if self.pythonVersion else None
        with python_env(ctx, dependencies, version or None, use_uv=self.packageManager == "UV",
                        cached=self.dependencyCacheEnabled) as env:
            yield Prepared(env=env.environ(), python=env.python)


def python_command(prepared: Prepared) -> str:
    """``python`` as Kestra writes it, unless PATH would not find the chosen interpreter."""
    python = prepared.python
    if python is None or (python.parent / "python").exists():
        return "python"
    return shlex.quote(str(python))
