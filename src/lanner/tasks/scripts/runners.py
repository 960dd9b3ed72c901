"""Task runners: where a script task's process runs (``taskRunner: {type: ...}``)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class TaskRunner(BaseModel):
    """Base of task runner objects (a typed map, so pluginDefaults apply to it)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, coerce_numbers_to_str=True, defer_build=True)

    kestra_type: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    deprecated_aliases: ClassVar[tuple[str, ...]] = ()
    examples: ClassVar[tuple[str, ...]] = ()

    type: str
    version: str | None = None


class Process(TaskRunner):
    """Run the commands as a local process of the worker, in the task's working directory, with the
    worker's environment plus the task's `env`. No container: `containerImage` is ignored."""

    kestra_type = "io.kestra.plugin.core.runner.Process"
    aliases = ("io.kestra.core.models.tasks.runners.types.ProcessTaskRunner",)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    registry: str | None = None
    username: str | None = None
    password: str | None = None
    registryToken: str | None = None
    identityToken: str | None = None
    auth: str | None = None


class Cpu(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cpus: float | str | None = None


class Memory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    memory: str | None = None
    memorySwap: str | None = None
    memorySwappiness: str | None = None
    memoryReservation: str | None = None
    kernelMemory: str | None = None
    oomKillDisable: bool | None = None


class Docker(TaskRunner):
    """Run the commands in a Docker container of `containerImage`, the working directory mounted at
    the same path. Needs a Docker daemon reachable by the worker."""

    kestra_type = "io.kestra.plugin.scripts.runner.docker.Docker"
    aliases = ("io.kestra.plugin.scripts.runner.docker.DockerTaskRunner",)

    host: str | None = Field(default=None, description="Docker daemon URL (default: the local socket).")
    config: str | dict[str, Any] | None = Field(default=None, description="Docker config file content.")
    credentials: Credentials | None = None
    volumes: list[str] | None = Field(default=None, description="Extra `host:container` volume mounts.")
    pullPolicy: Literal["IF_NOT_PRESENT", "ALWAYS", "NEVER"] = "IF_NOT_PRESENT"
    deviceRequests: list[dict[str, Any]] | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    shmSize: str | None = None
    privileged: bool | None = None
    networkMode: str | None = None
    user: str | None = None
    entryPoint: list[str] | None = None
    extraHosts: list[str] | None = None
    portBindings: list[str] | None = None
    fileHandlingStrategy: Literal["MOUNT", "VOLUME"] = "VOLUME"
    delete: bool = True
    resume: bool = True
    wait: bool = True
    killGracePeriod: str | None = None
    labels: dict[str, str] | None = None
