"""Where a pipeline's data comes from: a declarative ``restApi`` source written in the flow, or a
Python source/resource given as a script or a namespace file.

A script runs in the worker's interpreter (like a dlt script run with ``python``), as a module of
its own, so ``@dlt.source`` / ``@dlt.resource`` work as usual. The task uses the ``entrypoint``
named in the task, else the one source, resource or source function the script defines. A
function is called with the task's ``args``; a plain function (not decorated) becomes a resource
named after it.
"""

from __future__ import annotations

import hashlib
import re
import sys
import types
from collections.abc import Mapping
from typing import Any

from lanner.plugins.api import RunContext, TaskFailure

from ._http import HttpSettings, WatchedSession

_MODULE_NAME = re.compile(r"[^A-Za-z0-9_]+")


def rest_api_source(ctx: RunContext, config: Mapping[str, Any], http: HttpSettings | None,
                    name: str | None) -> tuple[Any, WatchedSession]:
    """dlt's ``rest_api_source`` on the rendered config, with a watched session."""
    from dlt.sources.rest_api import rest_api_source as build

    rendered = ctx.render_typed(dict(config))
    if not isinstance(rendered, Mapping):
        raise TaskFailure("`restApi` must be a map with `client` and `resources`")
    client = rendered.get("client")
    if not isinstance(client, Mapping) or not client.get("base_url"):
        raise TaskFailure("`restApi.client.base_url` is required: the API's base URL")
    if not rendered.get("resources"):
        raise TaskFailure("`restApi.resources` is required: at least one endpoint to load")
    session = WatchedSession(ctx, http)
    full: Any = {**rendered, "client": {**client, "session": session.session}}
    try:
        source = build(full, name=name) if name else build(full)
    except Exception as exc:  # dlt validates the whole config before anything runs
        raise TaskFailure(f"Invalid `restApi` configuration: {_first_line(exc)}") from None
    return source, session


def script_source(ctx: RunContext, code: str, origin: str, entrypoint: str | None,
                  args: Mapping[str, Any]) -> Any:
    """The source or resource a Python script defines (see the module docstring)."""
    module = _load_module(ctx, code, origin)
    candidate = _entrypoint(module, entrypoint, origin)
    return _materialise(candidate, entrypoint or str(getattr(candidate, "__name__", "data")), args, origin)


def _load_module(ctx: RunContext, code: str, origin: str) -> types.ModuleType:
    digest = hashlib.sha1(code.encode()).hexdigest()[:10]
    name = _MODULE_NAME.sub("_", f"lanner_dlt_{ctx.flow_id}_{ctx.task_id}_{digest}")
    module = types.ModuleType(name)
    module.__file__ = origin
    # dlt's decorators look their function's module up in sys.modules (config sections, schema
    # files); the module stays registered under a name unique to this code.
    sys.modules[name] = module
    try:
        exec(compile(code, origin, "exec"), module.__dict__)
    except SyntaxError as exc:
        raise TaskFailure(f"{origin} line {exc.lineno}: {exc.msg}") from None
    except TaskFailure:
        raise
    except Exception as exc:
        raise TaskFailure(f"{origin} failed while loading: {type(exc).__name__}: {exc}") from exc
    return module


def _is_dlt_object(value: Any) -> bool:
    from dlt.extract.decorators import DltSourceFactoryWrapper
    from dlt.extract.resource import DltResource
    from dlt.extract.source import DltSource

    return isinstance(value, DltSource | DltResource | DltSourceFactoryWrapper)


def _entrypoint(module: types.ModuleType, name: str | None, origin: str) -> Any:
    if name:
        if not hasattr(module, name):
            raise TaskFailure(f"{origin} defines no `{name}` (the task's `entrypoint`)")
        return getattr(module, name)
    own = [(key, value) for key, value in vars(module).items()
           if not key.startswith("_") and _is_dlt_object(value) and _made_here(value, module)]
    if len(own) == 1:
        return own[0][1]
    if not own:
        raise TaskFailure(f"{origin} defines no dlt source or resource: decorate a function with "
                          "@dlt.source or @dlt.resource, or name a function in `entrypoint`")
    names = ", ".join(sorted(key for key, _ in own))
    raise TaskFailure(f"{origin} defines several sources/resources ({names}): name one in `entrypoint`")


def _made_here(value: Any, module: types.ModuleType) -> bool:
    """Decorated in this script (its module), or built here from data (an instance that only
    has its class's module); not imported from elsewhere, like dlt's own ``rest_api``."""
    origin = getattr(value, "__module__", None)
    return origin == module.__name__ or origin == type(value).__module__


def _materialise(candidate: Any, name: str, args: Mapping[str, Any], origin: str) -> Any:
    import dlt
    from dlt.extract.resource import DltResource
    from dlt.extract.source import DltSource

    if isinstance(candidate, DltSource):
        if args:
            raise TaskFailure(f"`args` were given but {origin}'s `{name}` is a source object, not a function")
        return candidate
    if isinstance(candidate, DltResource):  # a decorated generator is called only to bind args
        return _call(candidate, name, args, origin) if args else candidate
    if not callable(candidate):
        raise TaskFailure(f"{origin}'s `{name}` is a {type(candidate).__name__}: expected a dlt "
                          "source or resource, or a function returning data")
    produced = _call(candidate, name, args, origin)
    if _is_dlt_object(produced):
        return produced
    return dlt.resource(produced, name=name)


def _call(function: Any, name: str, args: Mapping[str, Any], origin: str) -> Any:
    try:
        return function(**dict(args))
    except TypeError as exc:
        shown = ", ".join(sorted(args)) or "no arguments"
        raise TaskFailure(f"Calling {origin}'s `{name}` with {shown} failed: {exc}") from None


def apply_hints(source: Any, *, resources: list[str] | None, write_disposition: Any, primary_key: Any,
                merge_key: Any, table_name: str | None) -> Any:
    """Select resources and override their hints (the task's properties win over the source's)."""
    from dlt.extract.source import DltSource

    if isinstance(source, DltSource):
        if resources:
            unknown = sorted(set(resources) - set(source.resources))
            if unknown:
                known = ", ".join(sorted(source.resources)) or "none"
                raise TaskFailure(f"Unknown resource(s) {', '.join(unknown)} in `resources` "
                                  f"(the source has {known})")
            source = source.with_resources(*resources)
        targets = list(source.selected_resources.values())
    else:
        if resources:
            raise TaskFailure("`resources` selects resources of a source; this script gives one resource")
        targets = [source]
    if table_name and len(targets) != 1:
        raise TaskFailure(f"`tableName` needs exactly one resource; this source loads {len(targets)}: "
                          "select one with `resources`")
    hints: dict[str, Any] = {}
    if write_disposition is not None:
        hints["write_disposition"] = write_disposition
    if primary_key is not None:
        hints["primary_key"] = primary_key
    if merge_key is not None:
        hints["merge_key"] = merge_key
    if table_name:
        hints["table_name"] = table_name
    if hints:
        for resource in targets:
            resource.apply_hints(**hints)
    return source


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if len(text) > 400 else " ".join(text.split())
