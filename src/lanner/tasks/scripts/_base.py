"""Properties shared by every script task (Kestra's ``AbstractExecScript``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.plugins.api import Prop, RunContext, RunnableTask, TaskFailure, TaskOutput

from .runners import TaskRunner


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
        default=None, description="Where the commands run: `io.kestra.plugin.core.runner.Process` "
                                  "(local process) or `io.kestra.plugin.scripts.runner.docker.Docker`.")
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

    def run(self, ctx: RunContext) -> TaskOutput | Mapping[str, Any] | None:
        raise TaskFailure(f"{self.kestra_type} is known to this Lanner version but cannot run yet: script "
                          "tasks are validated but not executed by this version (coming next).")


class PythonMixin(BaseModel):
    """Python-only properties (``AbstractPythonExecScript``)."""

    dependencies: Prop[list[str]] | None = Field(
        default=None, description="pip requirement specifiers installed before the script runs.")
    pythonVersion: str | None = Field(default=None, description="Python version to use (uv-managed).")
    dependencyCacheEnabled: bool = Field(default=True, description="Cache installed dependencies.")
    packageManager: Literal["UV", "PIP"] = "UV"
