"""The worker's side of a WorkingDirectory: its runnable children share one directory, which its
owner task prepares (namespace files, inputFiles) when the first child needs it and collects
(outputFiles) after the last child ran - Kestra's ``preExecuteTasks``/``postExecuteTasks``.

The owner's hooks (``lanner.plugins.api.SharedDirectoryOwner``) get a run context of the owner's
own task run, so its logs and stored files belong to the WorkingDirectory, not to a child.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from lanner.plugins.api import RunContext, SharedDirectoryOwner, Task

from .jobs import SharedDirectoryJob, WorkerJob
from .run_context import shared_directory_path

# Builds a run context for a job whose working directory is the given path.
ContextFactory = Callable[[WorkerJob, Path], RunContext]


def owner_of(job: WorkerJob) -> tuple[SharedDirectoryJob, Task, SharedDirectoryOwner] | None:
    """The job's shared directory and its owner task (typed twice: as a task, as an owner)."""
    directory = job.shared_directory
    owner = directory.owner if directory is not None else None
    if directory is None or owner is None or not isinstance(owner, SharedDirectoryOwner):
        return None
    return directory, owner, owner


def owner_job(job: WorkerJob, directory: SharedDirectoryJob, owner: Task) -> WorkerJob:
    """The owner's task run as a job: the child's run under the owner's id and task (the worker
    never reads executions, and only the identity of the run is used), with the child's
    variables for rendering."""
    run = replace(job.task_run, id=directory.key, task_id=owner.id)
    return WorkerJob(run, owner, job.variables, 1)


def preparer(job: WorkerJob, context: ContextFactory) -> Callable[[Path], None] | None:
    """What fills a new shared directory (given as its staging path), if the job has an owner."""
    found = owner_of(job)
    if found is None:
        return None
    directory, task, owner = found

    def prepare(staging: Path) -> None:
        owner.prepare_directory(context(owner_job(job, directory, task), staging), directory.setup)

    return prepare


def collect(job: WorkerJob, context: ContextFactory, tmp_dir: Path | None) -> Mapping[str, Any] | None:
    """The owner's outputs collected from the directory after its last child (None when the
    job is not that child). A directory no child used was never made: nothing matches there."""
    found = owner_of(job)
    if found is None or not found[0].collect:
        return None
    directory, task, owner = found
    path = shared_directory_path(tmp_dir, job.task_run.execution_id, directory.key)
    return owner.collect_directory(context(owner_job(job, directory, task), path), directory.setup)
