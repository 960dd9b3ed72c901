"""Kestra's expression functions (kestra-reference §5.5).

Functions that reach outside the expression (kv, secret, read, files, errorLogs) go through the
``ExprServices`` of the renderer that runs the template; without one they fail clearly.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from lanner.errors import ExpressionError
from lanner.expr.dates import now_function
from lanner.expr.filters_data import from_json, yaml_filter
from lanner.expr.undefined import fail_if_undefined, is_undefined
from lanner.model.ids import new_id

_MAX_RANGE = 100_000
_MAX_RENDER_DEPTH = 20
_RENDER_DEPTH: ContextVar[int] = ContextVar("lanner_render_depth", default=0)


def variables_of(context: Context) -> Mapping[str, Any]:
    """The variables a template was rendered with (plus its ``{% set %}`` ones)."""
    parent = context.parent
    base = parent.maps[0] if hasattr(parent, "maps") else parent
    return {**base, **context.vars} if context.vars else base


def _service(context: Context, function: str, method: str) -> Any:
    services = getattr(getattr(context, "renderer", None), "services", None)
    call = getattr(services, method, None)
    if call is None:
        raise ExpressionError(f"The function `{function}()` is not available here (no {method} service)")
    return call


def _namespace(context: Context, function: str) -> str:
    flow = context.resolve_or_missing("flow")
    namespace = flow.get("namespace") if isinstance(flow, Mapping) else None
    if not namespace:
        raise ExpressionError(f"The function `{function}()` needs the flow namespace (no `flow` variable)")
    return str(namespace)


@pass_context
def render(context: Context, toRender: Any = None, recursive: bool = True) -> Any:
    """Render a value (usually a raw ``vars.x``) again, until it no longer changes."""
    fail_if_undefined(toRender)
    renderer = getattr(context, "renderer", None)
    if renderer is None or not isinstance(toRender, str):
        return toRender
    depth = _RENDER_DEPTH.get()
    if depth >= _MAX_RENDER_DEPTH:  # a variable that renders itself
        raise ExpressionError(f"Too many rendering attempts (render() nested {depth} times)")
    token = _RENDER_DEPTH.set(depth + 1)
    try:
        variables = variables_of(context)
        if recursive:
            return renderer.render_recursive(toRender, variables)
        return renderer.render(toRender, variables)
    finally:
        _RENDER_DEPTH.reset(token)


@pass_context
def render_once(context: Context, toRender: Any = None) -> Any:
    return render(context, toRender, recursive=False)


@pass_context
def kv(context: Context, key: Any, namespace: Any = None, errorOnMissing: bool = True) -> Any:
    fail_if_undefined(key, namespace)
    lookup = _service(context, "kv", "kv")
    return lookup(str(namespace) if namespace else _namespace(context, "kv"), str(key), bool(errorOnMissing))


@pass_context
def secret(context: Context, key: Any) -> Any:
    fail_if_undefined(key)
    return _service(context, "secret", "secret")(str(key))


@pass_context
def read(context: Context, path: Any) -> Any:
    fail_if_undefined(path)
    return _service(context, "read", "read")(str(path), _namespace(context, "read"))


@pass_context
def file_uri(context: Context, path: Any) -> str:
    fail_if_undefined(path)
    namespace = _namespace(context, "fileURI")
    return f"kestra:///{namespace.replace('.', '/')}/_files/{str(path).lstrip('/')}"


@pass_context
def file_exists(context: Context, path: Any) -> bool:
    fail_if_undefined(path)
    return bool(_service(context, "fileExists", "file_exists")(str(path), _namespace(context, "fileExists")))


@pass_context
def file_size(context: Context, path: Any) -> int:
    fail_if_undefined(path)
    return int(_service(context, "fileSize", "file_size")(str(path), _namespace(context, "fileSize")))


@pass_context
def is_file_empty(context: Context, path: Any) -> bool:
    fail_if_undefined(path)
    size = _service(context, "isFileEmpty", "file_size")(str(path), _namespace(context, "isFileEmpty"))
    return int(size) == 0


@pass_context
def error_logs(context: Context) -> Any:
    return _service(context, "errorLogs", "error_logs")()


@pass_context
def current_each_output(context: Context, outputs: Any) -> Any:
    """The outputs of the current ForEach iteration: walks ``parents[].taskrun.value`` (outermost
    first) then ``taskrun.value``."""
    fail_if_undefined(outputs)
    values: list[Any] = []
    parents = context.resolve_or_missing("parents")
    if isinstance(parents, list):
        for parent in reversed(parents):
            value = (parent.get("taskrun") or {}).get("value") if isinstance(parent, Mapping) else None
            if value is not None:
                values.append(value)
    taskrun = context.resolve_or_missing("taskrun")
    if isinstance(taskrun, Mapping) and taskrun.get("value") is not None:
        values.append(taskrun["value"])
    current = outputs
    for value in values:
        if not isinstance(current, Mapping) or value not in current:
            raise ExpressionError(f"currentEachOutput: no outputs for the iteration value `{value}`")
        current = current[value]
    return current


@pass_context
def fetch_context(context: Context) -> dict[str, Any]:
    return dict(variables_of(context))


def from_json_function(json: Any) -> Any:
    fail_if_undefined(json)
    return from_json(json)


def yaml_function(yaml: Any) -> Any:
    fail_if_undefined(yaml)
    return yaml_filter(yaml)


def uuid_function() -> str:
    return str(uuid.uuid4())


def id_function() -> str:
    return new_id()


def nano_id(length: int = 21) -> str:
    alphabet = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(int(length)))


_KSUID_EPOCH = 1_400_000_000  # KSUID's epoch: 2014-05-13T16:53:20Z
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def ksuid() -> str:
    """A KSUID: 27 base62 characters, 4 bytes of seconds then 16 random bytes (sortable by time)."""
    import time

    raw = int(time.time() - _KSUID_EPOCH).to_bytes(4, "big") + secrets.token_bytes(16)
    value, text = int.from_bytes(raw, "big"), ""
    while value:
        value, digit = divmod(value, 62)
        text = _BASE62[digit] + text
    return text.rjust(27, "0")


def random_port() -> int:
    """A TCP port free on this machine right now (the OS picks it)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pass_context
def tasks_with_state(context: Context, state: Any = None) -> list[dict[str, Any]]:
    """Kestra's ``tasksWithState(state)``: ``[{taskId, state}]``, plus ``value`` for the runs
    of a ForEach iteration, of every task run in ``state``."""
    if state is None or is_undefined(state):
        raise ExpressionError("The 'tasksWithState' function expects an argument 'state'.")
    wanted = str(state).upper()
    found: list[dict[str, Any]] = []
    tasks = variables_of(context).get("tasks")
    for task_id, details in (tasks.items() if isinstance(tasks, Mapping) else ()):
        if not isinstance(details, Mapping):
            continue
        if isinstance(details.get("state"), str):
            if details["state"].upper() == wanted:
                found.append({"taskId": task_id, "state": wanted})
            continue
        for value, entry in details.items():
            if isinstance(entry, Mapping) and str(entry.get("state", "")).upper() == wanted:
                found.append({"taskId": task_id, "state": wanted, "value": value})
    return found


def random_int(lower: int, upper: int) -> int:
    """A random integer in ``[lower, upper)``."""
    fail_if_undefined(lower, upper)
    if int(upper) <= int(lower):
        raise ExpressionError("randomInt: 'upper' must be greater than 'lower'")
    return random.randrange(int(lower), int(upper))


def _values(args: tuple[Any, ...]) -> list[Any]:
    fail_if_undefined(*args)
    if len(args) == 1 and isinstance(args[0], Iterable) and not isinstance(args[0], str):
        return list(args[0])
    return list(args)


def max_function(*args: Any) -> Any:
    items = _values(args)
    return max(items) if items else None


def min_function(*args: Any) -> Any:
    items = _values(args)
    return min(items) if items else None


def range_function(start: int, end: int, step: int = 1) -> list[int]:
    """Pebble ``range``: the end is included."""
    fail_if_undefined(start, end, step)
    start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise ExpressionError("range: the step cannot be 0")
    stop = end + (1 if step > 0 else -1)
    if len(range(start, stop, step)) > _MAX_RANGE:
        raise ExpressionError(f"range: more than {_MAX_RANGE} items")
    return list(range(start, stop, step))


def _unsupported(name: str) -> Any:
    def function(*args: Any, **kwargs: Any) -> Any:
        raise ExpressionError(f"The function `{name}()` is not supported by Lanner")

    return function


FUNCTIONS: dict[str, Any] = {
    "render": render,
    "renderOnce": render_once,
    "kv": kv,
    "secret": secret,
    "read": read,
    "fileURI": file_uri,
    "fileExists": file_exists,
    "fileSize": file_size,
    "isFileEmpty": is_file_empty,
    "fileEmpty": is_file_empty,
    "fromJson": from_json_function,
    "json": from_json_function,
    "yaml": yaml_function,
    "now": now_function,
    "currentEachOutput": current_each_output,
    "errorLogs": error_logs,
    "fetchContext": fetch_context,
    "printContext": fetch_context,
    "uuid": uuid_function,
    "id": id_function,
    "nanoId": nano_id,
    "randomInt": random_int,
    "randomPort": random_port,
    "ksuid": ksuid,
    "tasksWithState": tasks_with_state,
    "max": max_function,
    "min": min_function,
    "range": range_function,
    "encrypt": _unsupported("encrypt"),
    "decrypt": _unsupported("decrypt"),
    "http": _unsupported("http"),
}
