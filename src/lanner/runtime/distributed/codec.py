"""What crosses processes, as JSON: engine events (the event queue) and ``RunTask`` commands
(the job queue).

Values keep their Python types through a small tagged encoding (instants, dates, durations,
decimals, bytes, states): a worker renders ``{{ execution.startDate | date(...) }}`` from the same
``datetime`` the executor had. A ``RunTask`` travels without its task object: the worker finds
the task again by id in the flow revision the execution runs (task ids are unique in a flow),
so a job is data, never code.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from uuid import UUID

from lanner.engine.commands import RunTask, SharedDirectory
from lanner.engine.events import (
    Dequeue,
    Event,
    Kill,
    ReplayFrom,
    Restart,
    Resume,
    Start,
    SubflowCreated,
    SubflowEnded,
    TaskResult,
    TaskStarted,
    Tick,
)
from lanner.errors import FrameworkError
from lanner.model.execution import TaskRun
from lanner.model.flow import Flow
from lanner.model.state import State
from lanner.plugins.api import Task
from lanner.store.codec import dumps, loads

TAG = "__lanner__"
_EVENTS: dict[str, type[Any]] = {cls.__name__: cls for cls in (
    Start, Dequeue, TaskStarted, TaskResult, Tick, Kill, Resume, SubflowCreated, SubflowEnded, Restart,
    ReplayFrom)}


# ---- values ----------------------------------------------------------------------------------------
def to_json(value: Any) -> Any:
    """A JSON-compatible form of ``value`` that ``from_json`` turns back into the same types."""
    if isinstance(value, State):  # before str: State is a str enum
        return {TAG: "state", "v": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value if type(value) in _PLAIN or value is None else _plain(value)
    if isinstance(value, datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {TAG: "timedelta", "v": value // timedelta(microseconds=1)}
    if isinstance(value, Decimal):
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, bytes | bytearray):
        return {TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        encoded = {str(k): to_json(v) for k, v in value.items()}
        return {TAG: "map", "v": encoded} if TAG in encoded else encoded
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, PurePath | UUID):
        return str(value)
    dump = getattr(value, "model_dump", None)  # pydantic models (task definitions in variables)
    if callable(dump):
        return to_json(dump(mode="json", by_alias=True))
    return str(value)


_PLAIN = (bool, int, float, str)


def _plain(value: Any) -> Any:
    """A subclass of a JSON type (another str enum...) as its plain value."""
    for kind in _PLAIN:
        if isinstance(value, kind):
            return kind(value)
    return value


_DECODERS: dict[str, Any] = {
    "state": State,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "timedelta": lambda v: timedelta(microseconds=v),
    "decimal": Decimal,
    "bytes": base64.b64decode,
}


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        tag = value.get(TAG)
        if tag is not None and len(value) == 2 and "v" in value:
            if tag == "map":
                return {k: from_json(v) for k, v in value["v"].items()}
            decoder = _DECODERS.get(tag)
            if decoder is not None:
                return decoder(value["v"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


# ---- events ----------------------------------------------------------------------------------------
def encode_event(event: Event) -> str:
    body = {field.name: to_json(getattr(event, field.name)) for field in dataclasses.fields(event)}
    return dumps({"type": type(event).__name__, **body})


def decode_event(text: str) -> Event:
    data = loads(text)
    cls = _EVENTS.get(str(data.pop("type", "")))
    if cls is None:
        raise FrameworkError(f"unknown event in the event queue: {text[:200]}")
    event: Event = cls(**{k: from_json(v) for k, v in data.items()})
    return event


# ---- RunTask <-> job payload -----------------------------------------------------------------------
def encode_run_task(command: RunTask, flow_revision: int) -> dict[str, Any]:
    shared = command.shared_directory
    return {
        "taskRun": command.task_run.to_record(),
        "taskId": command.task.id,
        "flowRevision": flow_revision,
        "variables": to_json(command.variables),
        "attemptNumber": command.attempt_number,
        "sharedDirectory": None if shared is None else {
            "key": shared.key, "setup": to_json(shared.setup), "collect": shared.collect,
            "ownerTaskId": shared.owner.id if shared.owner is not None else None},
    }


def payload_flow(payload: Mapping[str, Any]) -> tuple[str, str, int]:
    """(namespace, flow id, revision) of the flow a job's task belongs to."""
    run = payload["taskRun"]
    return str(run["namespace"]), str(run["flowId"]), int(payload["flowRevision"])


def decode_run_task(payload: Mapping[str, Any], flow: Flow) -> RunTask:
    task_id = str(payload["taskId"])
    task = find_task(flow, task_id)
    if task is None:
        raise FrameworkError(f"task '{task_id}' is not in revision {flow.revision} of flow "
                             f"{flow.namespace}.{flow.id}")
    shared = payload.get("sharedDirectory")
    directory = None
    if shared:
        owner_id = shared.get("ownerTaskId")  # the owner travels by id too, found in the same flow
        directory = SharedDirectory(str(shared["key"]), from_json(shared["setup"]),
                                    find_task(flow, str(owner_id)) if owner_id else None,
                                    bool(shared.get("collect", False)))
    return RunTask(
        task_run=TaskRun.from_record(payload["taskRun"]),
        task=task,
        variables=from_json(payload["variables"]),
        attempt_number=int(payload["attemptNumber"]),
        shared_directory=directory,
    )


def find_task(flow: Flow, task_id: str) -> Task | None:
    from lanner.engine.flowindex import index_of  # memoized per parsed flow

    return index_of(flow).tasks.get(task_id)


def worker_group_of(task: Task) -> str | None:
    """The worker group a task asks for (``workerGroup.key``), None for any worker."""
    group = task.workerGroup
    key = group.get("key") if isinstance(group, Mapping) else None
    return str(key) if key else None
